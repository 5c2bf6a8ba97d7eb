package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;
import io.portcullis.telemetry.ProtocolMetrics.MongoStats;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MongoDB wire protocol, as Envoy's mongo_proxy reads it: counts client operations by
 * command and collection, and server replies and failures by the command they answer.
 *
 * <pre>
 * MsgHeader  ::= int32 messageLength, int32 requestID, int32 responseTo, int32 opCode   (little-endian)
 * OP_MSG     (2013) ::= uint32 flagBits, sections (kind 0: one BSON command document;
 *                       kind 1: int32 size, cstring identifier, documents), [uint32 checksum]
 * OP_QUERY   (2004) ::= int32 flags, cstring fullCollectionName, int32 skip, int32 return, document query, ...
 * OP_REPLY      (1) ::= int32 responseFlags, int64 cursorID, int32 startingFrom, int32 numberReturned, documents
 * OP_COMPRESSED (2012) ::= int32 originalOpcode, int32 uncompressedSize, uint8 compressorId, bytes
 * OP_UPDATE 2001, OP_INSERT 2002, OP_GET_MORE 2005, OP_DELETE 2006 ::= int32, cstring fullCollectionName, ...
 * OP_KILL_CURSORS (2007)
 * </pre>
 *
 * <p>The command is the first key of the command document ({@code find}, {@code insert}…); the
 * collection is its value when that is a string ({@code getMore} names it in {@code collection}).
 * A reply is a failure when it says {@code ok: 0}, carries {@code writeErrors},
 * {@code writeConcernError} or {@code $err}, or has OP_REPLY's QueryFailure flag. Compressed
 * messages are counted from their header ({@code op_compressed}), never decompressed. Each
 * direction keeps a 16-byte header and the small state of {@link BsonScanner}; message bodies
 * are skipped by length, never held.
 */
final class MongoWireSniffer extends StreamSniffer {
    /** MongoDB's maxMessageSizeBytes. */
    static final int MAX_MESSAGE = 48_000_000;
    private static final int OP_REPLY = 1;
    private static final int OP_UPDATE = 2001;
    private static final int OP_INSERT = 2002;
    private static final int OP_QUERY = 2004;
    private static final int OP_GET_MORE = 2005;
    private static final int OP_DELETE = 2006;
    private static final int OP_KILL_CURSORS = 2007;
    private static final int OP_COMPRESSED = 2012;
    private static final int OP_MSG = 2013;
    private static final int MORE_TO_COME = 1 << 1;
    private static final int CHECKSUM_PRESENT = 1;
    private static final int QUERY_FAILURE = 1 << 1;
    private static final int MAX_IN_FLIGHT = 64;
    static final String UNKNOWN = "unknown";
    static final String OTHER = "other";

    private final MongoStats stats;
    private final Direction requests = new Direction(true);
    private final Direction replies = new Direction(false);
    /** requestID to command name, so replies and errors can say what they answer. */
    private final Map<Integer, String> inFlight = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > MAX_IN_FLIGHT;
        }
    };

    MongoWireSniffer(MongoStats stats) {
        this.stats = stats;
    }

    @Override
    protected int client(ByteBuf buf, int from, int to) {
        return requests.feed(buf, from, to);
    }

    @Override
    protected int server(ByteBuf buf, int from, int to) {
        return replies.feed(buf, from, to);
    }

    @Override
    protected void countUnparsed() {
        stats.unparsed();
    }

    /** Where a message body is. */
    private enum Step {
        HEADER, MSG_FLAGS, SECTION_KIND, SEQUENCE_SIZE, SEQUENCE_SKIP, NAMESPACE_PREFIX, NAMESPACE, QUERY_SKIP,
        QUERY_RETURN, DOCUMENT, COMPRESSED_OPCODE, COMPRESSED_SIZE, COMPRESSED_ID, REPLY_FLAGS, REPLY_CURSOR,
        REPLY_START, REPLY_COUNT, SKIP_REST
    }

    /** One direction's parser: a stream of messages. */
    private final class Direction implements BsonScanner.Visitor {
        private final boolean fromClient;
        private final byte[] header = new byte[16];
        private int headerFill;
        private Step step = Step.HEADER;
        private long bodyRemaining;
        private int requestId;
        private int responseTo;
        private int opCode;
        private int flags;
        private int bodyStart;
        private int acc;
        private int accBytes;
        private long skip;
        private final byte[] namespace = new byte[256];
        private int namespaceLength;
        private final BsonScanner bson = new BsonScanner();
        private String command;
        private String collection;
        private boolean failed;

        Direction(boolean fromClient) {
            this.fromClient = fromClient;
        }

        int feed(ByteBuf buf, int i, int end) {
            if (step == Step.HEADER) {
                while (i < end && headerFill < header.length) {
                    header[headerFill++] = buf.getByte(i++);
                }
                if (headerFill == header.length) {
                    startMessage();
                }
                return i;
            }
            int limit = (int) Math.min(end, i + bodyRemaining);
            bodyStart = i;
            int next = body(buf, i, limit);
            bodyRemaining -= next - i;
            if (bodyRemaining == 0) {
                endMessage();
            }
            return next;
        }

        private void startMessage() {
            int length = le32(0);
            requestId = le32(4);
            responseTo = le32(8);
            opCode = le32(12);
            headerFill = 0;
            if (length <= 16 || length > MAX_MESSAGE) {
                throw unparsable("message length " + length);
            }
            if (!validOpCode(opCode)) {
                throw unparsable("opCode " + opCode + (fromClient ? " from a client" : " from a server"));
            }
            bodyRemaining = length - 16L;
            command = null;
            collection = "";
            failed = false;
            flags = 0;
            acc = 0;
            accBytes = 0;
            step = switch (opCode) {
                case OP_MSG -> Step.MSG_FLAGS;
                case OP_QUERY, OP_INSERT, OP_UPDATE, OP_DELETE, OP_GET_MORE -> Step.NAMESPACE_PREFIX;
                case OP_COMPRESSED -> Step.COMPRESSED_OPCODE;
                case OP_REPLY -> Step.REPLY_FLAGS;
                default -> Step.SKIP_REST;
            };
            if (opCode == OP_KILL_CURSORS) {
                command = "killCursors";
            }
        }

        private boolean validOpCode(int op) {
            if (op == OP_MSG || op == OP_COMPRESSED) {
                return true;
            }
            if (fromClient) {
                return op == OP_QUERY || op == OP_INSERT || op == OP_UPDATE || op == OP_DELETE || op == OP_GET_MORE
                        || op == OP_KILL_CURSORS;
            }
            return op == OP_REPLY;
        }

        private int body(ByteBuf buf, int i, int end) {
            while (i < end) {
                switch (step) {
                    case MSG_FLAGS -> {
                        if (int32(buf.getByte(i++))) {
                            flags = takeInt();
                            step = Step.SECTION_KIND;
                        }
                    }
                    case SECTION_KIND -> {
                        if ((flags & CHECKSUM_PRESENT) != 0 && left(i) == 4) {
                            step = Step.SKIP_REST;
                            continue;
                        }
                        int kind = buf.getByte(i++);
                        if (kind == 0) {
                            startDocument(left(i));
                        } else if (kind == 1) {
                            step = Step.SEQUENCE_SIZE;
                        } else {
                            throw unparsable("OP_MSG section kind " + kind);
                        }
                    }
                    case SEQUENCE_SIZE -> {
                        if (int32(buf.getByte(i++))) {
                            int size = takeInt();
                            if (size < 5 || size - 4L > left(i)) {
                                throw unparsable("OP_MSG document sequence size " + size);
                            }
                            skip = size - 4L;
                            step = Step.SEQUENCE_SKIP;
                        }
                    }
                    case SEQUENCE_SKIP -> {
                        int n = (int) Math.min(skip, end - i);
                        i += n;
                        skip -= n;
                        if (skip == 0) {
                            step = Step.SECTION_KIND;
                        }
                    }
                    case NAMESPACE_PREFIX -> {
                        if (int32(buf.getByte(i++))) {
                            takeInt();
                            namespaceLength = 0;
                            step = Step.NAMESPACE;
                        }
                    }
                    case NAMESPACE -> {
                        byte b = buf.getByte(i++);
                        if (b != 0) {
                            if (namespaceLength == namespace.length) {
                                throw unparsable("namespace longer than " + namespace.length + " bytes");
                            }
                            namespace[namespaceLength++] = b;
                        } else {
                            namespaceKnown();
                        }
                    }
                    case QUERY_SKIP -> {
                        if (int32(buf.getByte(i++))) {
                            takeInt();
                            step = Step.QUERY_RETURN;
                        }
                    }
                    case QUERY_RETURN -> {
                        if (int32(buf.getByte(i++))) {
                            takeInt();
                            startDocument(left(i));
                        }
                    }
                    case DOCUMENT -> {
                        i = bson.feed(buf, i, end);
                        if (bson.done()) {
                            step = Step.SKIP_REST;
                        }
                    }
                    case COMPRESSED_OPCODE -> {
                        if (int32(buf.getByte(i++))) {
                            int original = takeInt();
                            if (!validOpCode(original) || original == OP_COMPRESSED) {
                                throw unparsable("compressed opCode " + original);
                            }
                            step = Step.COMPRESSED_SIZE;
                        }
                    }
                    case COMPRESSED_SIZE -> {
                        if (int32(buf.getByte(i++))) {
                            takeInt();
                            step = Step.COMPRESSED_ID;
                        }
                    }
                    case COMPRESSED_ID -> {
                        int id = buf.getByte(i++) & 0xff;
                        if (id > 3) {
                            throw unparsable("compressor id " + id);
                        }
                        command = "op_compressed";
                        step = Step.SKIP_REST;
                    }
                    case REPLY_FLAGS -> {
                        if (int32(buf.getByte(i++))) {
                            failed = (takeInt() & QUERY_FAILURE) != 0;
                            skip = 8;
                            step = Step.REPLY_CURSOR;
                        }
                    }
                    case REPLY_CURSOR -> {
                        int n = (int) Math.min(skip, end - i);
                        i += n;
                        skip -= n;
                        if (skip == 0) {
                            step = Step.REPLY_START;
                        }
                    }
                    case REPLY_START -> {
                        if (int32(buf.getByte(i++))) {
                            takeInt();
                            step = Step.REPLY_COUNT;
                        }
                    }
                    case REPLY_COUNT -> {
                        if (int32(buf.getByte(i++))) {
                            if (takeInt() > 0) {
                                startDocument(left(i));
                            } else {
                                step = Step.SKIP_REST;
                            }
                        }
                    }
                    case SKIP_REST -> i = end;
                    default -> throw new IllegalStateException(step.name());
                }
            }
            return i;
        }

        /** Body bytes left after index {@code i} of the buffer being parsed. */
        private long left(int i) {
            return bodyRemaining - (i - bodyStart);
        }

        private void startDocument(long limit) {
            bson.start(this, limit);
            step = Step.DOCUMENT;
        }

        private void namespaceKnown() {
            String ns = new String(namespace, 0, namespaceLength, StandardCharsets.UTF_8);
            int dot = ns.indexOf('.');
            String coll = dot < 0 ? ns : ns.substring(dot + 1);
            if (opCode == OP_QUERY) {
                if (coll.equals("$cmd")) {
                    collection = "";
                } else {
                    command = "query";
                    collection = coll;
                }
                step = Step.QUERY_SKIP;
                return;
            }
            command = switch (opCode) {
                case OP_INSERT -> "insert";
                case OP_UPDATE -> "update";
                case OP_DELETE -> "delete";
                default -> "getMore";
            };
            collection = coll;
            step = Step.SKIP_REST;
        }

        @Override
        public boolean element(int index, String key, int type, String string, double number) {
            if (fromClient) {
                if (index == 0) {
                    if (command == null) {
                        command = commandName(key);
                        if (type == BsonScanner.TYPE_STRING && string != null) {
                            collection = string;
                        }
                    }
                    return "getMore".equals(command);
                }
                if ("collection".equals(key) && type == BsonScanner.TYPE_STRING && string != null) {
                    collection = string;
                    return false;
                }
                return true;
            }
            if (key == null) {
                return true;
            }
            switch (key) {
                case "ok" -> failed |= number == 0;
                case "writeErrors", "writeConcernError", "$err" -> failed = true;
                default -> {
                }
            }
            return true;
        }

        private void endMessage() {
            step = Step.HEADER;
            if (fromClient) {
                if (command == null) {
                    throw unparsable("OP_MSG without a command document");
                }
                stats.operation(command, collection);
                boolean expectsReply = opCode == OP_MSG ? (flags & MORE_TO_COME) == 0
                        : opCode == OP_QUERY || opCode == OP_GET_MORE || opCode == OP_COMPRESSED;
                if (expectsReply) {
                    inFlight.put(requestId, command);
                }
            } else {
                boolean more = opCode == OP_MSG && (flags & MORE_TO_COME) != 0;
                String answered = more ? inFlight.get(responseTo) : inFlight.remove(responseTo);
                String name = answered == null ? UNKNOWN : answered;
                stats.reply(name);
                if (failed) {
                    stats.error(name);
                }
            }
        }

        private boolean int32(byte b) {
            acc |= (b & 0xff) << (8 * accBytes);
            if (++accBytes == 4) {
                accBytes = 0;
                return true;
            }
            return false;
        }

        private int takeInt() {
            int v = acc;
            acc = 0;
            return v;
        }

        private int le32(int offset) {
            return (header[offset] & 0xff) | (header[offset + 1] & 0xff) << 8 | (header[offset + 2] & 0xff) << 16
                    | (header[offset + 3] & 0xff) << 24;
        }
    }

    /** A command name as a label: MongoDB's names are short identifiers; anything else is "other". */
    static String commandName(String key) {
        if (key == null || key.isEmpty() || key.length() > 64) {
            return OTHER;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '$' && c != '.' && c != '-') {
                return OTHER;
            }
        }
        return key;
    }
}
