package io.portcullis.proxy.sniff;

/**
 * Finds the first keyword of an SQL statement one byte at a time, skipping white space,
 * parentheses and comments ({@code /* *}{@code /}, {@code -- }, {@code #}), and names its kind:
 * {@code select}, {@code insert}, {@code update}, {@code delete} or {@code other}. Holds at most
 * eight letters, however long the statement or its leading comment.
 */
final class QueryKindLexer {
    static final String SELECT = "select";
    static final String INSERT = "insert";
    static final String UPDATE = "update";
    static final String DELETE = "delete";
    static final String OTHER = "other";

    private enum State { SPACE, SLASH, BLOCK, BLOCK_STAR, DASH, DASH_DASH, LINE, WORD, DONE }

    private static final int MAX_WORD = 8;

    private State state = State.SPACE;
    private final char[] word = new char[MAX_WORD];
    private int wordLength;
    private String kind;

    void reset() {
        state = State.SPACE;
        wordLength = 0;
        kind = null;
    }

    /** True once the kind is known; later bytes need not be shown. */
    boolean decided() {
        return state == State.DONE;
    }

    void accept(byte b) {
        char c = (char) (b & 0xff);
        switch (state) {
            case SPACE -> {
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == '\f') {
                    return;
                }
                if (c == '/') {
                    state = State.SLASH;
                } else if (c == '-') {
                    state = State.DASH;
                } else if (c == '#') {
                    state = State.LINE;
                } else if (isLetter(c)) {
                    state = State.WORD;
                    word[wordLength++] = Character.toLowerCase(c);
                } else {
                    decide(OTHER);
                }
            }
            case SLASH -> {
                if (c == '*') {
                    state = State.BLOCK;
                } else {
                    decide(OTHER);
                }
            }
            case BLOCK -> {
                if (c == '*') {
                    state = State.BLOCK_STAR;
                }
            }
            case BLOCK_STAR -> {
                if (c == '/') {
                    state = State.SPACE;
                } else if (c != '*') {
                    state = State.BLOCK;
                }
            }
            case DASH -> {
                if (c == '-') {
                    state = State.DASH_DASH;
                } else {
                    decide(OTHER);
                }
            }
            case DASH_DASH -> {
                // MySQL starts a comment at "-- " followed by white space or a control character only.
                if (c <= ' ') {
                    state = c == '\n' ? State.SPACE : State.LINE;
                } else {
                    decide(OTHER);
                }
            }
            case LINE -> {
                if (c == '\n') {
                    state = State.SPACE;
                }
            }
            case WORD -> {
                if (isLetter(c)) {
                    if (wordLength == MAX_WORD) {
                        decide(OTHER);
                    } else {
                        word[wordLength++] = Character.toLowerCase(c);
                    }
                } else {
                    decide(classify());
                }
            }
            case DONE -> {
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /** The statement ended: its kind from what was seen. */
    String finish() {
        if (state == State.WORD) {
            decide(classify());
        }
        return kind == null ? OTHER : kind;
    }

    private void decide(String k) {
        kind = k;
        state = State.DONE;
    }

    private String classify() {
        String w = new String(word, 0, wordLength);
        return switch (w) {
            case SELECT, INSERT, UPDATE, DELETE -> w;
            default -> OTHER;
        };
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
