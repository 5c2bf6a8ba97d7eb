package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;
import io.portcullis.telemetry.ProtocolMetrics.RedisStats;
import java.util.Locale;

/**
 * The Redis serialization protocol (RESP2 and RESP3): counts client commands by lower-case name
 * and the server's error replies.
 *
 * <pre>
 * command ::= "*" n CRLF ( "$" len CRLF bytes CRLF ){n}     | inline: word ( " " word )* CRLF
 * reply   ::= ("+" | "-" | ":" | "," | "#" | "(" | "_") line CRLF
 *           | ("$" | "!" | "=") len CRLF bytes CRLF           ("$-1": null)
 *           | ("*" | "~" | ">") n CRLF reply{n}  | "%" n CRLF reply{2n}  | "|" n CRLF reply{2n} reply
 * </pre>
 *
 * <p>Errors are {@code -} simple errors and {@code !} blob errors, at any depth (an EXEC answer
 * carries one per failed command). Bulk strings are skipped by length; only the first 32 bytes
 * of a command name are kept.
 */
final class RespSniffer extends StreamSniffer {
    private static final int MAX_NAME = 32;
    private static final int MAX_LINE = 64 * 1024;
    private static final int MAX_DEPTH = 64;
    private static final long MAX_BULK = 512L * 1024 * 1024;
    private static final long MAX_ELEMENTS = 1L << 30;

    private final RedisStats stats;
    private final Commands commands = new Commands();
    private final Replies replies = new Replies();

    RespSniffer(RedisStats stats) {
        this.stats = stats;
    }

    @Override
    protected int client(ByteBuf buf, int from, int to) {
        return commands.feed(buf, from, to);
    }

    @Override
    protected int server(ByteBuf buf, int from, int to) {
        return replies.feed(buf, from, to);
    }

    @Override
    protected void countUnparsed() {
        stats.unparsed();
    }

    /** A decimal integer terminated by CRLF, one byte at a time. */
    private static final class IntegerReader {
        private long value;
        private int digits;
        private boolean negative;
        private boolean cr;

        void reset() {
            value = 0;
            digits = 0;
            negative = false;
            cr = false;
        }

        /** Returns true when the number and its CRLF are complete. */
        boolean accept(byte b) {
            if (cr) {
                if (b != '\n' || digits == 0) {
                    throw unparsable("bad integer line");
                }
                return true;
            }
            if (b == '\r') {
                cr = true;
            } else if (b == '-' && digits == 0 && !negative) {
                negative = true;
            } else if (b >= '0' && b <= '9' && digits < 18) {
                value = value * 10 + (b - '0');
                digits++;
            } else {
                throw unparsable("bad integer byte " + (b & 0xff));
            }
            return false;
        }

        long value() {
            return negative ? -value : value;
        }
    }

    private enum CommandState { START, ARRAY_LENGTH, BULK_PREFIX, BULK_LENGTH, BULK_DATA, BULK_CR, BULK_LF, INLINE_WORD, INLINE_REST }

    /** Client to server: commands. */
    private final class Commands {
        private CommandState state = CommandState.START;
        private final IntegerReader number = new IntegerReader();
        private long elementsLeft;
        private boolean first;
        private long bulkLeft;
        private final char[] name = new char[MAX_NAME];
        private int nameLength;
        private boolean nameValid;
        private int lineLength;

        int feed(ByteBuf buf, int i, int end) {
            if (state == CommandState.BULK_DATA && !first) {
                int n = (int) Math.min(bulkLeft, end - i);
                bulkLeft -= n;
                if (bulkLeft == 0) {
                    state = CommandState.BULK_CR;
                }
                return i + n;
            }
            byte b = buf.getByte(i);
            switch (state) {
                case START -> {
                    if (b == '*') {
                        number.reset();
                        state = CommandState.ARRAY_LENGTH;
                    } else if (isNameByte(b)) {
                        startName();
                        lineLength = 0;
                        nameByte(b);
                        state = CommandState.INLINE_WORD;
                    } else if (b != '\r' && b != '\n') {
                        throw unparsable("not a RESP command: byte " + (b & 0xff));
                    }
                }
                case ARRAY_LENGTH -> {
                    if (number.accept(b)) {
                        long n = number.value();
                        if (n < 0 || n > MAX_ELEMENTS) {
                            throw unparsable("array of " + n);
                        }
                        elementsLeft = n;
                        first = true;
                        state = n == 0 ? CommandState.START : CommandState.BULK_PREFIX;
                    }
                }
                case BULK_PREFIX -> {
                    if (b != '$') {
                        throw unparsable("command element is not a bulk string");
                    }
                    number.reset();
                    state = CommandState.BULK_LENGTH;
                }
                case BULK_LENGTH -> {
                    if (number.accept(b)) {
                        bulkLeft = number.value();
                        if (bulkLeft < 0 || bulkLeft > MAX_BULK) {
                            throw unparsable("bulk length " + bulkLeft);
                        }
                        if (first) {
                            startName();
                        }
                        state = bulkLeft == 0 ? CommandState.BULK_CR : CommandState.BULK_DATA;
                    }
                }
                case BULK_DATA -> {
                    // Only the first element (the name) comes here byte by byte.
                    nameByte(b);
                    if (--bulkLeft == 0) {
                        state = CommandState.BULK_CR;
                    }
                }
                case BULK_CR -> {
                    if (b != '\r') {
                        throw unparsable("bulk string without CR");
                    }
                    state = CommandState.BULK_LF;
                }
                case BULK_LF -> {
                    if (b != '\n') {
                        throw unparsable("bulk string without LF");
                    }
                    if (first) {
                        first = false;
                        emit();
                    }
                    state = --elementsLeft == 0 ? CommandState.START : CommandState.BULK_PREFIX;
                }
                case INLINE_WORD -> {
                    lineLength++;
                    if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                        emit();
                        state = b == '\n' ? CommandState.START : CommandState.INLINE_REST;
                    } else if (isNameByte(b) || (b & 0x80) == 0) {
                        nameByte(b);
                    } else {
                        throw unparsable("inline command byte " + (b & 0xff));
                    }
                }
                case INLINE_REST -> {
                    if (b == '\n') {
                        state = CommandState.START;
                    } else if (++lineLength > MAX_LINE) {
                        throw unparsable("inline command longer than " + MAX_LINE);
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
            return i + 1;
        }

        private void startName() {
            nameLength = 0;
            nameValid = true;
        }

        private void nameByte(byte b) {
            if (nameLength < MAX_NAME && isNameByte(b)) {
                name[nameLength++] = (char) b;
            } else {
                nameValid = false;
            }
        }

        private void emit() {
            if (nameLength == 0) {
                return;
            }
            stats.command(nameValid ? new String(name, 0, nameLength).toLowerCase(Locale.ROOT) : "other");
        }
    }

    private static boolean isNameByte(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b == '-'
                || b == '.' || b == ':' || b == '|';
    }

    private enum ReplyState { TYPE, LINE, LINE_LF, LENGTH, DATA, DATA_CR, DATA_LF, COUNT }

    /** Server to client: replies, nested to any depth up to {@link #MAX_DEPTH}. */
    private final class Replies {
        private ReplyState state = ReplyState.TYPE;
        private final IntegerReader number = new IntegerReader();
        private final long[] left = new long[MAX_DEPTH];
        private final boolean[] attribute = new boolean[MAX_DEPTH];
        private int depth;
        private byte type;
        private long dataLeft;
        private int lineLength;

        int feed(ByteBuf buf, int i, int end) {
            if (state == ReplyState.DATA) {
                int n = (int) Math.min(dataLeft, end - i);
                dataLeft -= n;
                if (dataLeft == 0) {
                    state = ReplyState.DATA_CR;
                }
                return i + n;
            }
            byte b = buf.getByte(i);
            switch (state) {
                case TYPE -> startValue(b);
                case LINE -> {
                    if (b == '\r') {
                        state = ReplyState.LINE_LF;
                    } else if (b == '\n' || ++lineLength > MAX_LINE || type == '_') {
                        throw unparsable("bad reply line");
                    }
                }
                case LINE_LF -> {
                    if (b != '\n') {
                        throw unparsable("reply line without LF");
                    }
                    valueDone();
                }
                case LENGTH -> {
                    if (number.accept(b)) {
                        long n = number.value();
                        if (n == -1 && type == '$') {
                            valueDone();
                        } else if (n < 0 || n > MAX_BULK) {
                            throw unparsable("bulk length " + n);
                        } else {
                            dataLeft = n;
                            state = n == 0 ? ReplyState.DATA_CR : ReplyState.DATA;
                        }
                    }
                }
                case DATA_CR -> {
                    if (b != '\r') {
                        throw unparsable("bulk reply without CR");
                    }
                    state = ReplyState.DATA_LF;
                }
                case DATA_LF -> {
                    if (b != '\n') {
                        throw unparsable("bulk reply without LF");
                    }
                    valueDone();
                }
                case COUNT -> {
                    if (number.accept(b)) {
                        aggregate(number.value());
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
            return i + 1;
        }

        private void startValue(byte b) {
            type = b;
            lineLength = 0;
            number.reset();
            switch (b) {
                case '-' -> {
                    stats.error();
                    state = ReplyState.LINE;
                }
                case '+', ':', ',', '#', '(', '_' -> state = ReplyState.LINE;
                case '!' -> {
                    stats.error();
                    state = ReplyState.LENGTH;
                }
                case '$', '=' -> state = ReplyState.LENGTH;
                case '*', '~', '>', '%', '|' -> state = ReplyState.COUNT;
                default -> throw unparsable("reply type byte " + (b & 0xff));
            }
        }

        private void aggregate(long n) {
            if (n == -1 && (type == '*' || type == '>')) {
                valueDone();
                return;
            }
            long elements = type == '%' || type == '|' ? 2 * n : n;
            if (n < 0 || elements > MAX_ELEMENTS) {
                throw unparsable("aggregate of " + n);
            }
            if (elements == 0) {
                if (type == '|') {
                    state = ReplyState.TYPE;
                } else {
                    valueDone();
                }
                return;
            }
            if (depth == MAX_DEPTH) {
                throw unparsable("replies nested deeper than " + MAX_DEPTH);
            }
            left[depth] = elements;
            attribute[depth] = type == '|';
            depth++;
            state = ReplyState.TYPE;
        }

        /** A whole value ended: it fills one slot of the aggregate around it, which may end in turn. */
        private void valueDone() {
            state = ReplyState.TYPE;
            while (depth > 0) {
                if (--left[depth - 1] > 0) {
                    return;
                }
                depth--;
                if (attribute[depth]) {
                    // An attribute annotates the value after it; it fills no slot itself.
                    return;
                }
            }
        }
    }
}
