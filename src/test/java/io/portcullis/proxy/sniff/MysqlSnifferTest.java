package io.portcullis.proxy.sniff;

import static io.portcullis.proxy.sniff.SnifferHarness.client;
import static io.portcullis.proxy.sniff.SnifferHarness.concat;
import static io.portcullis.proxy.sniff.SnifferHarness.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The MySQL sniffer on hand-built packets of the client/server protocol. */
class MysqlSnifferTest {
    static final int CLIENT_COMPRESS = 0x20;
    static final int CLIENT_PROTOCOL_41 = 0x200;
    static final int CLIENT_SSL = 0x800;
    static final int CLIENT_SECURE_CONNECTION = 0x8000;
    static final int CLIENT_PLUGIN_AUTH = 0x80000;
    static final int BASE_CAPS = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;

    static byte[] packet(int seq, byte[] payload) {
        int n = payload.length;
        return concat(new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) seq}, payload);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Handshake v10 as MariaDB sends it. */
    static byte[] greeting(int caps) {
        return packet(0, concat(new byte[] {0x0a}, ascii("5.5.5-10.11.6-MariaDB-0+deb12u1\0"),
                new byte[] {1, 0, 0, 0}, ascii("abcdefgh"), new byte[] {0},
                new byte[] {(byte) caps, (byte) (caps >> 8)}, new byte[] {45}, new byte[] {2, 0},
                new byte[] {(byte) (caps >> 16), (byte) (caps >> 24)}, new byte[] {21}, new byte[10],
                ascii("ijklmnopqrst\0"), ascii("mysql_native_password\0")));
    }

    static byte[] login(int caps, String user) {
        return packet(1, concat(new byte[] {(byte) caps, (byte) (caps >> 8), (byte) (caps >> 16), (byte) (caps >> 24)},
                new byte[] {0, 0, 0, 1}, new byte[] {45}, new byte[23], ascii(user + "\0"), new byte[] {20},
                new byte[20], ascii("mysql_native_password\0")));
    }

    static byte[] sslRequest(int caps) {
        return packet(1, concat(new byte[] {(byte) caps, (byte) (caps >> 8), (byte) (caps >> 16), (byte) (caps >> 24)},
                new byte[] {0, 0, 0, 1}, new byte[] {45}, new byte[23]));
    }

    static byte[] ok(int seq) {
        return packet(seq, new byte[] {0, 0, 0, 2, 0, 0, 0});
    }

    static byte[] err(int seq, String message) {
        return packet(seq, concat(new byte[] {(byte) 0xff, 0x15, 0x04}, ascii("#28000" + message)));
    }

    static byte[] query(String sql) {
        return packet(0, concat(new byte[] {0x03}, sql.getBytes(StandardCharsets.UTF_8)));
    }

    /** A one-column, one-row result set whose row value starts with 0xff-looking data in a later packet. */
    static byte[] resultSet() {
        return concat(packet(1, new byte[] {1}),
                packet(2, concat(new byte[] {3}, ascii("def"), new byte[] {0, 0, 0, 1, 'x', 0, 0x0c, 45, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0})),
                packet(3, concat(new byte[] {1}, ascii("1"))),
                packet(4, new byte[] {(byte) 0xfe, 0, 0, 2, 0, 0, 0}));
    }

    static List<String> sniff(SnifferHarness.Turn... turns) {
        return SnifferHarness.run(s -> new MysqlSniffer(s.mysql()), turns);
    }

    @Test
    void loginThenQueriesByKindAndServerErrors() {
        assertThat(sniff(server(greeting(BASE_CAPS)), client(login(BASE_CAPS, "app")), server(ok(2)),
                client(query("select 1")), server(resultSet()),
                client(query("  /* hint */ INSERT INTO t VALUES (1)")), server(ok(1)),
                client(query("-- why\nUpdate t set a = 2")), server(ok(1)),
                client(query("# note\n(delete from t)")), server(ok(1)),
                client(query("SHOW TABLES")), server(err(1, "no database")),
                client(query("selection")), server(ok(1)),
                client(packet(0, new byte[] {0x0e})), server(ok(1)),
                client(packet(0, new byte[] {0x01}))))
                .containsExactly("login", "command query", "query select", "command query", "query insert",
                        "command query", "query update", "command query", "query delete", "command query",
                        "query other", "error", "command query", "query other", "command ping", "command quit");
    }

    @Test
    void aRefusedLoginIsALoginFailure() {
        assertThat(sniff(server(greeting(BASE_CAPS)), client(login(BASE_CAPS, "app")),
                server(err(2, "Access denied for user 'app'@'localhost' (using password: YES)"))))
                .containsExactly("login", "login failure");
    }

    @Test
    void anAuthSwitchIsFollowedToItsEnd() {
        byte[] authSwitch = packet(2, concat(new byte[] {(byte) 0xfe}, ascii("caching_sha2_password\0"), new byte[21]));
        byte[] authData = packet(3, new byte[32]);
        byte[] moreData = packet(4, new byte[] {0x01, 0x03});
        assertThat(sniff(server(greeting(BASE_CAPS)), client(login(BASE_CAPS, "app")), server(authSwitch),
                client(authData), server(moreData), server(ok(5)), client(query("DELETE FROM t"))))
                .containsExactly("login", "command query", "query delete");
    }

    @Test
    void anSslRequestIsCountedAndWhatFollowsIsLeftAlone() {
        byte[] clientHello = {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5};
        assertThat(sniff(server(greeting(BASE_CAPS | CLIENT_SSL)), client(sslRequest(BASE_CAPS | CLIENT_SSL)),
                client(clientHello), server(clientHello)))
                .containsExactly("tls");
    }

    @Test
    void continuationPacketsAreNeitherCommandsNorErrors() {
        // A 2^24-1 byte statement continues in a packet that starts with 0xff; neither is a new command.
        byte[] big = new byte[0xFFFFFF];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = 0x03;
        byte[] head = concat(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0}, big);
        byte[] tail = packet(1, new byte[] {(byte) 0xff, 's'});
        RecordingStats stats = new RecordingStats();
        MysqlSniffer sniffer = new MysqlSniffer(stats);
        sniffer.serverBytes(io.netty.buffer.Unpooled.wrappedBuffer(greeting(BASE_CAPS)));
        sniffer.clientBytes(io.netty.buffer.Unpooled.wrappedBuffer(login(BASE_CAPS, "app")));
        sniffer.serverBytes(io.netty.buffer.Unpooled.wrappedBuffer(ok(2)));
        sniffer.clientBytes(io.netty.buffer.Unpooled.wrappedBuffer(head));
        sniffer.clientBytes(io.netty.buffer.Unpooled.wrappedBuffer(tail));
        sniffer.serverBytes(io.netty.buffer.Unpooled.wrappedBuffer(ok(2)));
        assertThat(stats.events).containsExactly("login", "command query", "query other");
    }

    @Test
    void compressionAndGarbageStopParsing() {
        assertThat(sniff(server(greeting(BASE_CAPS | CLIENT_COMPRESS)), client(login(BASE_CAPS | CLIENT_COMPRESS, "app")),
                server(ok(2)), client(query("select 1"))))
                .containsExactly("login", "unparsed");
        assertThat(sniff(client(ascii("GET / HTTP/1.1\r\n\r\n")), server(greeting(BASE_CAPS))))
                .containsExactly("unparsed");
        assertThat(sniff(server(ascii("SSH-2.0-OpenSSH_9.2\r\n")))).containsExactly("unparsed");
        assertThat(sniff(server(greeting(BASE_CAPS)), client(login(BASE_CAPS, "app")), server(ok(2)),
                client(packet(0, new byte[] {(byte) 0x99}))))
                .containsExactly("login", "unparsed");
    }

    @Test
    void aServerThatRefusesBeforeTheGreetingIsAnError() {
        assertThat(sniff(server(err(0, "Host '10.0.0.9' is not allowed to connect")))).containsExactly("error");
    }
}
