package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Walks the top level of one BSON document (bsonspec.org) as its bytes arrive, in any split,
 * without holding the document: nested documents, arrays and binaries are skipped by their
 * length prefix. For each top-level element it reports the key, and for the elements the MongoDB
 * sniffer cares about (the first one, {@code collection}, {@code ok}) a short string or numeric
 * value. Anything that breaks the format (a length out of bounds, an unknown type, a missing
 * terminator) is {@link StreamSniffer.Unparsable}.
 *
 * <pre>
 * document ::= int32 e_list "\x00"      (int32 = total length, little-endian)
 * element  ::= type(byte) key(cstring) value
 * </pre>
 */
final class BsonScanner {
    /** Receives top-level elements; returns false when it has seen enough (the caller skips the rest). */
    interface Visitor {
        boolean element(int index, String key, int type, String string, double number);
    }

    static final int TYPE_DOUBLE = 0x01;
    static final int TYPE_STRING = 0x02;
    static final int TYPE_BOOLEAN = 0x08;
    static final int TYPE_INT32 = 0x10;
    static final int TYPE_INT64 = 0x12;

    private static final int MAX_KEY = 128;
    private static final int MAX_STRING = 256;

    private enum State { LENGTH, TYPE, KEY, FIXED, VALUE_LENGTH, STRING, SKIP, REGEX }

    private Visitor visitor;
    private State state;
    private long docRemaining;
    private int index;
    private int type;
    private final byte[] key = new byte[MAX_KEY];
    private int keyLength;
    private boolean keyTooLong;
    private String keyString;
    private int acc;
    private int accBytes;
    private long fixedRemaining;
    private long number;
    private int numberBytes;
    private boolean capture;
    private final byte[] string = new byte[MAX_STRING];
    private int stringLength;
    private long stringRemaining;
    private long skipRemaining;
    private int regexParts;
    private boolean done;
    private boolean enough;

    /** Starts a new document of at most {@code limit} bytes. */
    void start(Visitor v, long limit) {
        this.visitor = v;
        this.state = State.LENGTH;
        this.docRemaining = limit;
        this.index = 0;
        this.acc = 0;
        this.accBytes = 0;
        this.done = false;
        this.enough = false;
    }

    /** True once the document's last byte was consumed, or the visitor has had enough. */
    boolean done() {
        return done || enough;
    }

    /** Consumes bytes of {@code buf[i, end)}; returns the index after the last one consumed. */
    int feed(ByteBuf buf, int i, int end) {
        while (i < end && !done && !enough) {
            switch (state) {
                case LENGTH -> {
                    if (int32(buf.getByte(i++), false)) {
                        if (acc < 5 || acc > docRemaining) {
                            throw StreamSniffer.unparsable("BSON document length " + acc + " out of bounds");
                        }
                        docRemaining = acc - 4L;
                        acc = 0;
                        state = State.TYPE;
                    }
                }
                case TYPE -> {
                    type = buf.getByte(i++) & 0xff;
                    consume(1);
                    if (type == 0) {
                        if (docRemaining != 0) {
                            throw StreamSniffer.unparsable("BSON terminator before the document's end");
                        }
                        done = true;
                    } else {
                        keyLength = 0;
                        keyTooLong = false;
                        state = State.KEY;
                    }
                }
                case KEY -> {
                    byte b = buf.getByte(i++);
                    consume(1);
                    if (b == 0) {
                        keyString = keyTooLong ? null : new String(key, 0, keyLength, StandardCharsets.UTF_8);
                        startValue();
                    } else if (keyLength < MAX_KEY) {
                        key[keyLength++] = b;
                    } else {
                        keyTooLong = true;
                    }
                }
                case FIXED -> {
                    int n = (int) Math.min(fixedRemaining, end - i);
                    if (capture) {
                        for (int k = 0; k < n && numberBytes < 8; k++) {
                            number |= (buf.getByte(i + k) & 0xffL) << (8 * numberBytes++);
                        }
                    }
                    i += n;
                    consume(n);
                    fixedRemaining -= n;
                    if (fixedRemaining == 0) {
                        element(null, numberValue());
                    }
                }
                case VALUE_LENGTH -> {
                    if (int32(buf.getByte(i++), true)) {
                        lengthKnown(acc);
                        acc = 0;
                    }
                }
                case STRING -> {
                    int n = (int) Math.min(stringRemaining, end - i);
                    if (capture) {
                        for (int k = 0; k < n && stringLength < MAX_STRING; k++) {
                            string[stringLength++] = buf.getByte(i + k);
                        }
                    }
                    i += n;
                    consume(n);
                    stringRemaining -= n;
                    if (stringRemaining == 0) {
                        element(capturedString(), Double.NaN);
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(skipRemaining, end - i);
                    i += n;
                    consume(n);
                    skipRemaining -= n;
                    if (skipRemaining == 0) {
                        element(null, Double.NaN);
                    }
                }
                case REGEX -> {
                    byte b = buf.getByte(i++);
                    consume(1);
                    if (b == 0 && ++regexParts == 2) {
                        element(null, Double.NaN);
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        return i;
    }

    private void startValue() {
        capture = index == 0 || "collection".equals(keyString) || "ok".equals(keyString);
        number = 0;
        numberBytes = 0;
        int fixed = fixedSize(type);
        if (fixed >= 0) {
            if (fixed == 0) {
                element(null, Double.NaN);
            } else {
                fixedRemaining = fixed;
                state = State.FIXED;
            }
            return;
        }
        switch (type) {
            case 0x02, 0x0D, 0x0E, 0x03, 0x04, 0x05, 0x0C, 0x0F -> {
                acc = 0;
                accBytes = 0;
                state = State.VALUE_LENGTH;
            }
            case 0x0B -> {
                regexParts = 0;
                state = State.REGEX;
            }
            default -> throw StreamSniffer.unparsable("unknown BSON type " + type);
        }
    }

    private void lengthKnown(int length) {
        switch (type) {
            case 0x02, 0x0D, 0x0E -> {
                checkLength(length, 1);
                if (length > docRemaining) {
                    throw StreamSniffer.unparsable("BSON string longer than its document");
                }
                stringRemaining = length;
                stringLength = 0;
                state = State.STRING;
            }
            case 0x03, 0x04 -> skip(length, 5, length - 4L);
            case 0x05 -> skip(length, 0, length + 1L);
            case 0x0C -> skip(length, 1, length + 12L);
            case 0x0F -> skip(length, 14, length - 4L);
            default -> throw new IllegalStateException("no length for type " + type);
        }
    }

    private void skip(int length, int min, long bytes) {
        checkLength(length, min);
        if (bytes > docRemaining) {
            throw StreamSniffer.unparsable("BSON value longer than its document");
        }
        skipRemaining = bytes;
        if (bytes == 0) {
            element(null, Double.NaN);
        } else {
            state = State.SKIP;
        }
    }

    private void checkLength(int length, int min) {
        if (length < min) {
            throw StreamSniffer.unparsable("BSON value length " + length + " out of bounds");
        }
    }

    private void element(String s, double n) {
        enough = !visitor.element(index++, keyString, type, s, n);
        state = State.TYPE;
    }

    private String capturedString() {
        if (!capture || stringLength == 0) {
            return null;
        }
        // Drop the terminating NUL; a string longer than we keep is reported as null, not cut short.
        if (stringLength == MAX_STRING && string[MAX_STRING - 1] != 0) {
            return null;
        }
        int len = string[stringLength - 1] == 0 ? stringLength - 1 : stringLength;
        return new String(string, 0, len, StandardCharsets.UTF_8);
    }

    private double numberValue() {
        if (!capture) {
            return Double.NaN;
        }
        return switch (type) {
            case TYPE_DOUBLE -> Double.longBitsToDouble(number);
            case TYPE_INT32 -> (int) number;
            case TYPE_INT64 -> number;
            case TYPE_BOOLEAN -> number == 0 ? 0 : 1;
            default -> Double.NaN;
        };
    }

    private void consume(long n) {
        docRemaining -= n;
        if (docRemaining < 0) {
            throw StreamSniffer.unparsable("BSON element runs past its document");
        }
    }

    private boolean int32(byte b, boolean inDocument) {
        acc |= (b & 0xff) << (8 * accBytes);
        if (inDocument) {
            consume(1);
        }
        if (++accBytes == 4) {
            accBytes = 0;
            return true;
        }
        return false;
    }

    /** Bytes of a fixed-size value, or -1 for types with a length or terminator. */
    private static int fixedSize(int type) {
        return switch (type) {
            case 0x01, 0x09, 0x11, 0x12 -> 8;
            case 0x07 -> 12;
            case 0x08 -> 1;
            case 0x06, 0x0A, 0xFF, 0x7F -> 0;
            case 0x10 -> 4;
            case 0x13 -> 16;
            default -> -1;
        };
    }
}
