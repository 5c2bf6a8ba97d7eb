package io.portcullis.proxy.sniff;

import static io.portcullis.proxy.sniff.SnifferHarness.client;
import static io.portcullis.proxy.sniff.SnifferHarness.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RESP sniffer on commands as redis-cli sends them and replies as redis-server answers (RESP2 and RESP3). */
class RespSnifferTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static List<String> sniff(SnifferHarness.Turn... turns) {
        return SnifferHarness.run(s -> new RespSniffer(s.redis()), turns);
    }

    @Test
    void commandsByLowerCaseNameAndErrorReplies() {
        assertThat(sniff(client(b("*1\r\n$4\r\nPING\r\n")), server(b("+PONG\r\n")),
                client(b("*3\r\n$3\r\nSET\r\n$6\r\negress\r\n$8\r\ndeclared\r\n")), server(b("+OK\r\n")),
                client(b("*2\r\n$3\r\nget\r\n$6\r\negress\r\n")), server(b("$8\r\ndeclared\r\n")),
                client(b("*2\r\n$4\r\nINCR\r\n$6\r\negress\r\n")),
                server(b("-ERR value is not an integer or out of range\r\n")),
                client(b("*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n")), server(b("$-1\r\n"))))
                .containsExactly("command ping", "command set", "command get", "command incr", "error", "command get");
    }

    @Test
    void pipelinedInlineAndBinaryCommands() {
        byte[] value = new byte[300];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        byte[] set = SnifferHarness.concat(b("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$300\r\n"), value, b("\r\n"));
        assertThat(sniff(client(set, b("PING\r\nECHO hello world\r\n\r\n*0\r\n*1\r\n$4\r\nQUIT\r\n")),
                server(b("+OK\r\n+PONG\r\n$11\r\nhello world\r\n+OK\r\n"))))
                .containsExactly("command set", "command ping", "command echo", "command quit");
    }

    @Test
    void nestedAndResp3RepliesCountEveryErrorInside() {
        // EXEC with one failed command inside; a RESP3 map with an attribute; a blob error; a push.
        assertThat(sniff(client(b("*1\r\n$4\r\nEXEC\r\n")),
                server(b("*3\r\n:1\r\n-ERR wrong type\r\n*2\r\n$1\r\na\r\n*0\r\n")),
                client(b("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")),
                server(b("|1\r\n+ttl\r\n:3600\r\n%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n")),
                client(b("*1\r\n$3\r\nFOO\r\n")),
                server(b("!21\r\nSYNTAX invalid syntax\r\n")),
                client(b("*1\r\n$4\r\nPING\r\n")),
                server(b(">2\r\n$7\r\nmessage\r\n_\r\n+PONG\r\n,3.14\r\n#t\r\n(1234567\r\n=7\r\ntxt:abc\r\n~1\r\n+x\r\n"))))
                .containsExactly("command exec", "error", "command hello", "command foo", "error", "command ping");
    }

    @Test
    void garbageAndTlsStopParsingOnce() {
        byte[] clientHello = {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5};
        assertThat(sniff(client(clientHello), client(b("*1\r\n$4\r\nPING\r\n")))).containsExactly("unparsed");
        assertThat(sniff(client(b("*1\r\n+PING\r\n")))).containsExactly("unparsed");
        assertThat(sniff(client(b("*1\r\n$4\r\nPING\r\n")), server(b("?what\r\n")))).containsExactly("command ping", "unparsed");
        assertThat(sniff(client(b("*2\r\n$3\r\nGET\r\n$1\r\nkXX")))).containsExactly("command get", "unparsed");
    }

    @Test
    void namesThatAreNotCommandNamesAreOther() {
        assertThat(sniff(client(b("*1\r\n$5\r\nP\u00ffNG!\r\n")))).containsExactly("command other");
    }
}
