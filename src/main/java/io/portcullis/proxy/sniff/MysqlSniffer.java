package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;
import io.portcullis.telemetry.ProtocolMetrics.MysqlStats;

/**
 * The MySQL/MariaDB client/server protocol, as Envoy's mysql_proxy reads it: the login
 * (attempts, failures, a switch to TLS), then each command, COM_QUERY by statement kind, and the
 * server's ERR packets.
 *
 * <pre>
 * packet    ::= int<3> payload_length, int<1> sequence_id, payload      (little-endian)
 * server    ::= Handshake v10 (0x0a, version NUL, int<4> id, 8 bytes, 0x00, int<2> caps, int<1>, int<2>, int<2> caps_hi ...)
 * client    ::= SSLRequest (32-byte payload with CLIENT_SSL) | HandshakeResponse41 (int<4> caps ...)
 * auth      ::= server OK (0x00) | ERR (0xff) | AuthSwitchRequest (0xfe) | AuthMoreData (0x01), client answers
 * command   ::= client packet with sequence_id 0: int<1> command, arguments (COM_QUERY 0x03: the statement text)
 * </pre>
 *
 * <p>A payload of 2^24-1 bytes continues in the next packet, which is never mistaken for a
 * command or an ERR. After an SSLRequest the bytes are TLS: counted as an upgrade, not parsed.
 * Compression (CLIENT_COMPRESS, zstd) wraps later packets in another framing that is not
 * decoded: parsing stops there and the connection counts as unparsed.
 */
final class MysqlSniffer extends StreamSniffer {
    private static final int MAX_PAYLOAD = 0xFFFFFF;
    private static final int CLIENT_COMPRESS = 0x20;
    private static final int CLIENT_PROTOCOL_41 = 0x200;
    private static final int CLIENT_SSL = 0x800;
    private static final int CLIENT_ZSTD = 1 << 26;
    private static final int CLIENT_QUERY_ATTRIBUTES = 1 << 27;
    private static final int SSL_REQUEST_LENGTH = 32;
    private static final int COM_QUERY = 0x03;
    private static final int COM_CHANGE_USER = 0x11;
    private static final String[] COMMANDS = {"sleep", "quit", "init_db", "query", "field_list", "create_db",
        "drop_db", "refresh", "shutdown", "statistics", "process_info", "connect", "process_kill", "debug", "ping",
        "time", "delayed_insert", "change_user", "binlog_dump", "table_dump", "connect_out", "register_slave",
        "stmt_prepare", "stmt_execute", "stmt_send_long_data", "stmt_close", "stmt_reset", "set_option",
        "stmt_fetch", "daemon", "binlog_dump_gtid", "reset_connection"};

    private enum Phase { GREETING, LOGIN, AUTH, COMMAND }

    /** What the bytes of the current payload are read for. */
    private enum Payload { SKIP, GREETING, LOGIN, AUTH_REPLY, COMMAND, QUERY, REPLY }

    private final MysqlStats stats;
    private final Direction client = new Direction(true);
    private final Direction server = new Direction(false);
    private final QueryKindLexer lexer = new QueryKindLexer();
    private Phase phase = Phase.GREETING;
    private int serverCapabilities;
    private int clientCapabilities;

    MysqlSniffer(MysqlStats stats) {
        this.stats = stats;
    }

    @Override
    protected int client(ByteBuf buf, int from, int to) {
        return client.feed(buf, from, to);
    }

    @Override
    protected int server(ByteBuf buf, int from, int to) {
        return server.feed(buf, from, to);
    }

    @Override
    protected void countUnparsed() {
        stats.unparsed();
    }

    private boolean negotiated(int capability) {
        return (serverCapabilities & clientCapabilities & capability) != 0;
    }

    /** One direction: a stream of packets. */
    private final class Direction {
        private final boolean fromClient;
        private final byte[] header = new byte[4];
        private int headerFill;
        private int length;
        private int sequence;
        private long remaining;
        private boolean continuation;
        private boolean nextIsContinuation;
        private Payload payload;
        private int offset;
        private int value;
        private int versionEnd = -1;
        private int queryPrefix;
        private boolean queryPending;

        Direction(boolean fromClient) {
            this.fromClient = fromClient;
        }

        int feed(ByteBuf buf, int i, int end) {
            if (headerFill < header.length) {
                while (i < end && headerFill < header.length) {
                    header[headerFill++] = buf.getByte(i++);
                }
                if (headerFill == header.length) {
                    startPacket();
                }
                return i;
            }
            int limit = (int) Math.min(end, i + remaining);
            if (payload == Payload.SKIP) {
                remaining -= limit - i;
                i = limit;
            } else {
                while (i < limit && payload != Payload.SKIP) {
                    payloadByte(buf.getByte(i++));
                    remaining--;
                }
                if (payload == Payload.SKIP) {
                    int n = limit - i;
                    remaining -= n;
                    i = limit;
                }
            }
            if (remaining == 0) {
                endPacket();
            }
            return i;
        }

        private void startPacket() {
            length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
            sequence = header[3] & 0xff;
            continuation = nextIsContinuation;
            nextIsContinuation = length == MAX_PAYLOAD;
            remaining = length;
            offset = 0;
            value = 0;
            payload = choosePayload();
            if (remaining == 0) {
                endPacket();
            }
        }

        private Payload choosePayload() {
            if (continuation) {
                return Payload.SKIP;
            }
            return switch (phase) {
                case GREETING -> {
                    if (fromClient || sequence != 0) {
                        throw unparsable(fromClient ? "client spoke before the server's greeting" : "greeting sequence " + sequence);
                    }
                    versionEnd = -1;
                    yield Payload.GREETING;
                }
                case LOGIN -> {
                    if (!fromClient) {
                        yield Payload.REPLY;
                    }
                    if (sequence != 1) {
                        throw unparsable("login packet sequence " + sequence);
                    }
                    yield Payload.LOGIN;
                }
                case AUTH -> fromClient ? Payload.SKIP : Payload.AUTH_REPLY;
                case COMMAND -> fromClient ? (sequence == 0 ? Payload.COMMAND : Payload.SKIP) : Payload.REPLY;
            };
        }

        private void payloadByte(byte b) {
            int u = b & 0xff;
            switch (payload) {
                case GREETING -> greetingByte(u);
                case LOGIN -> {
                    if (offset < 4) {
                        value |= u << (8 * offset);
                    }
                    if (++offset == 4) {
                        clientCapabilities = value;
                        payload = Payload.SKIP;
                    }
                }
                case AUTH_REPLY -> {
                    payload = Payload.SKIP;
                    switch (u) {
                        case 0x00 -> {
                            phase = Phase.COMMAND;
                            if (negotiated(CLIENT_COMPRESS) || negotiated(CLIENT_ZSTD)) {
                                throw unparsable("compressed protocol");
                            }
                        }
                        case 0xFF -> {
                            stats.loginFailure();
                            phase = Phase.COMMAND;
                        }
                        case 0x01, 0xFE -> {
                        }
                        default -> throw unparsable("auth reply 0x" + Integer.toHexString(u));
                    }
                }
                case COMMAND -> command(u);
                case QUERY -> {
                    if (queryPrefix > 0) {
                        // Query attributes: parameter_count 0 and parameter_set_count 1 precede the text.
                        int expected = queryPrefix == 2 ? 0x00 : 0x01;
                        queryPrefix--;
                        if (u != expected) {
                            lexer.reset();
                            lexer.accept((byte) '!');
                            payload = Payload.SKIP;
                        }
                        return;
                    }
                    lexer.accept(b);
                    if (lexer.decided()) {
                        payload = Payload.SKIP;
                    }
                }
                case REPLY -> {
                    payload = Payload.SKIP;
                    if (u == 0xFF) {
                        stats.error();
                    }
                }
                default -> throw new IllegalStateException(payload.name());
            }
        }

        private void greetingByte(int u) {
            if (offset == 0) {
                if (u == 0xFF) {
                    // The server refused before any login (host not allowed, too many connections).
                    stats.error();
                    payload = Payload.SKIP;
                    return;
                }
                if (u != 0x0A) {
                    throw unparsable("protocol version " + u);
                }
            } else if (versionEnd < 0) {
                if (u == 0) {
                    versionEnd = offset;
                }
            } else {
                // After the version: id(4) auth-data(8) filler(1) caps-low(2) charset(1) status(2) caps-high(2)
                int rel = offset - versionEnd;
                switch (rel) {
                    case 14 -> serverCapabilities |= u;
                    case 15 -> serverCapabilities |= u << 8;
                    case 19 -> serverCapabilities |= u << 16;
                    case 20 -> {
                        serverCapabilities |= u << 24;
                        payload = Payload.SKIP;
                    }
                    default -> {
                    }
                }
            }
            offset++;
        }

        private void command(int u) {
            String name = u < COMMANDS.length ? COMMANDS[u] : u == 0xFA ? "stmt_bulk_execute" : u == 0xFE ? "multi" : null;
            if (name == null) {
                throw unparsable("command 0x" + Integer.toHexString(u));
            }
            stats.command(name);
            if (u == COM_QUERY) {
                lexer.reset();
                queryPending = true;
                queryPrefix = negotiated(CLIENT_QUERY_ATTRIBUTES) ? 2 : 0;
                payload = Payload.QUERY;
                return;
            }
            if (u == COM_CHANGE_USER) {
                stats.loginAttempt();
                phase = Phase.AUTH;
            }
            payload = Payload.SKIP;
        }

        private void endPacket() {
            headerFill = 0;
            if (continuation) {
                return;
            }
            switch (phase) {
                case GREETING -> {
                    if (!fromClient) {
                        phase = Phase.LOGIN;
                    }
                }
                case LOGIN -> {
                    if (fromClient) {
                        login();
                    }
                }
                case COMMAND -> {
                    if (fromClient && queryPending) {
                        queryPending = false;
                        stats.query(lexer.finish());
                    }
                }
                default -> {
                }
            }
        }

        private void login() {
            if (offset < 4) {
                throw unparsable("login packet of " + length + " bytes");
            }
            if ((clientCapabilities & CLIENT_SSL) != 0 && length == SSL_REQUEST_LENGTH) {
                stats.tlsUpgrade();
                finish();
                return;
            }
            if ((clientCapabilities & CLIENT_PROTOCOL_41) == 0) {
                throw unparsable("pre-4.1 login");
            }
            stats.loginAttempt();
            phase = Phase.AUTH;
        }
    }
}
