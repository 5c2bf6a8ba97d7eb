package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.TestCa;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The spoofing and SSRF bypass suite: attempts to make the gateway reach something its
 * configuration does not allow — by Host/authority/SNI disagreement, by spelling an address or a
 * name differently, by names that resolve to loopback, private or metadata addresses, by request
 * smuggling — each sent over a real socket (or by openssl) and asserted refused with its reason
 * code; and the allowed controls that must keep working next to them.
 *
 * <p>The origins the attacks aim at listen on 127.0.0.1 ({@link #internal}); the gateways here
 * run with {@code --allow-private 127.0.0.2/32} only, and the allowed origins listen on
 * 127.0.0.2. After all attempts, {@link #internal} must have seen no connection at all.
 */
class BypassSuiteEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final InetAddress SECOND_LOOPBACK = address(127, 0, 0, 2);

    @TempDir
    static Path tmp;
    static Path caPem;
    static HttpOrigin allowed;
    static HttpsOrigin secure;
    static HttpOrigin internal;
    static HttpOrigin listed;
    static RunningGateway registryOnly;
    static RunningGateway allowAny;
    static int httpGatewayPort;
    static int tlsGatewayPort;

    private static InetAddress address(int... b) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) b[0], (byte) b[1], (byte) b[2], (byte) b[3]});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Cli.requireCommand("openssl");
        TestCa ca = TestCa.create("bypass suite ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        allowed = new HttpOrigin("allowed", SECOND_LOOPBACK);
        secure = new HttpsOrigin("secure", ca.issueServer("secure.example.test", "alt.example.test", "evil.example.test"),
                SECOND_LOOPBACK);
        internal = new HttpOrigin("internal");
        listed = new HttpOrigin("listed");

        RunningGateway.Options base = RunningGateway.Options.defaults().withAllowPrivate("127.0.0.2/32")
                .withHost("allowed.example.test", "127.0.0.2")
                .withHost("secure.example.test", "127.0.0.2")
                .withHost("alt.example.test", "127.0.0.2")
                .withHost("a.wild.example.test", "127.0.0.2")
                .withHost("loop.wild.example.test", "127.0.0.1")
                .withHost("rebind.example.test", "127.0.0.1")
                .withHost("metadata.example.test", "169.254.169.254")
                .withHost("private.example.test", "10.0.0.1")
                .withHost("cgnat.example.test", "100.100.100.200")
                .withHost("v6loop.example.test", "::1")
                .withHost("unspecified.example.test", "0.0.0.0")
                .withHost("mapped.example.test", "::ffff:127.0.0.1")
                .withHost("nat64.example.test", "64:ff9b::7f00:1")
                .withHost("listed.example.test", "127.0.0.1");
        registryOnly = RunningGateway.start(base);
        List<Integer> gatewayPorts = registryOnly.applyOnFreePorts("bypass.yaml", 2,
                ports -> configuration(ports.get(0), ports.get(1)));
        httpGatewayPort = gatewayPorts.get(0);
        tlsGatewayPort = gatewayPorts.get(1);
        allowAny = RunningGateway.start(base.withMode(OutboundPolicy.ALLOW_ANY));
    }

    @AfterAll
    static void stop() throws IOException {
        for (AutoCloseable c : new AutoCloseable[] {registryOnly, allowAny, allowed, secure, internal, listed}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }

    private static String configuration(int httpGatewayPort, int tlsGatewayPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: allowed}
                spec:
                  hosts: [allowed.example.test]
                  ports: [{number: %1$d, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: secure}
                spec:
                  hosts: [secure.example.test, alt.example.test]
                  ports: [{number: %2$d, name: https, protocol: HTTPS}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wild}
                spec:
                  hosts: ["*.wild.example.test"]
                  ports:
                  - {number: %1$d, name: http, protocol: HTTP}
                  - {number: %6$d, name: tls, protocol: TLS}
                  resolution: DYNAMIC_DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: internal-names}
                spec:
                  hosts: [rebind.example.test, metadata.example.test, private.example.test, cgnat.example.test,
                          v6loop.example.test, unspecified.example.test, mapped.example.test, nat64.example.test]
                  ports: [{number: %3$d, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: listed}
                spec:
                  hosts: [listed.example.test]
                  ports: [{number: %4$d, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  servers:
                  - port: {number: %5$d, name: http, protocol: HTTP}
                    hosts: [allowed.example.test, rebind.example.test]
                  - port: {number: %6$d, name: tls, protocol: TLS}
                    hosts: ["*.wild.example.test"]
                    tls: {mode: PASSTHROUGH}
                """.formatted(allowed.port(), secure.port(), internal.port(), listed.port(), httpGatewayPort,
                tlsGatewayPort);
    }

    // ---- raw HTTP attempts ----

    /** Which listener an attempt is sent to. */
    enum Target { PROXY, ALLOW_ANY_PROXY, HTTP_GATEWAY }

    /** One attempt: raw bytes to a listener, the status and reason code of the last answer. */
    record Attempt(String name, Target target, String request, int status, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Attempt refused(String name, Target target, String request, int status, String reason) {
        return new Attempt(name, target, request, status, reason);
    }

    private static String get(String absoluteUri, String... headers) {
        StringBuilder sb = new StringBuilder("GET " + absoluteUri + " HTTP/1.1\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    private static String connect(String authority, String... headers) {
        StringBuilder sb = new StringBuilder("CONNECT " + authority + " HTTP/1.1\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    static Stream<Arguments> attempts() {
        int a = allowed.port();
        int i = internal.port();
        String allowedUrl = "http://allowed.example.test:" + a + "/";
        String allowedHost = "Host: allowed.example.test:" + a;
        List<Attempt> list = new ArrayList<>(List.of(
                // Host header versus the authority the policy judged (domain fronting, Host spoofing).
                refused("absolute URI allowed, Host names another host", Target.PROXY,
                        get(allowedUrl, "Host: rebind.example.test:" + i), 403, "host_mismatch"),
                refused("absolute URI names another host, Host the allowed one", Target.PROXY,
                        get("http://rebind.example.test:" + i + "/", allowedHost), 403, "host_mismatch"),
                refused("two identical Host headers", Target.PROXY, get(allowedUrl, allowedHost, allowedHost), 403,
                        "host_mismatch"),
                refused("two conflicting Host headers", Target.PROXY,
                        get(allowedUrl, allowedHost, "Host: 127.0.0.1:" + i), 403, "host_mismatch"),
                refused("Host that is the loopback address spelled as an integer", Target.PROXY,
                        get(allowedUrl, "Host: 2130706433:" + i), 403, "host_mismatch"),
                refused("CONNECT with a Host header naming another host", Target.PROXY,
                        connect("allowed.example.test:" + a, "Host: rebind.example.test:" + i), 403, "host_mismatch"),
                refused("plain HTTP inside a CONNECT tunnel with another Host", Target.PROXY,
                        connect("allowed.example.test:" + a) + get("/", "Host: rebind.example.test:" + i), 403,
                        "host_mismatch"),
                refused("second request in a CONNECT tunnel switches Host", Target.PROXY,
                        connect("allowed.example.test:" + a) + "GET / HTTP/1.1\r\n" + allowedHost + "\r\n\r\n"
                                + get("/", "Host: rebind.example.test:" + i), 403, "host_mismatch"),
                refused("absolute-form target inside a CONNECT tunnel names another host", Target.PROXY,
                        connect("allowed.example.test:" + a) + get("http://rebind.example.test:" + i + "/", allowedHost),
                        403, "host_mismatch"),
                refused("Gateway server: absolute-form target disagrees with Host", Target.HTTP_GATEWAY,
                        get("http://rebind.example.test/", "Host: allowed.example.test"), 403, "host_mismatch"),
                refused("Gateway server: Host outside the server's hosts", Target.HTTP_GATEWAY,
                        get("/", "Host: a.wild.example.test"), 403, "not_gateway_host"),
                refused("Gateway server: Host is an IP literal", Target.HTTP_GATEWAY,
                        get("/", "Host: 127.0.0.1:" + i), 403, "not_gateway_host"),

                // Authority spellings that confuse URL parsers.
                refused("userinfo before the real host", Target.PROXY,
                        get("http://allowed.example.test@rebind.example.test:" + i + "/"), 400, "bad_request"),
                refused("userinfo with a port before the real host", Target.PROXY,
                        get("http://allowed.example.test:" + a + "@127.0.0.1:" + i + "/"), 400, "bad_request"),
                refused("userinfo in a CONNECT authority", Target.PROXY,
                        connect("allowed.example.test:" + a + "@127.0.0.1:" + i), 400, "bad_request"),
                refused("backslash before @ (WHATWG treats \\ as /)", Target.PROXY,
                        get("http://allowed.example.test\\@127.0.0.1:" + i + "/"), 400, "bad_request"),
                refused("percent-encoded host", Target.PROXY, get("http://%61llowed.example.test:" + a + "/"), 400,
                        "bad_request"),
                refused("full-width @ folded by IDNA", Target.PROXY,
                        get(utf8AsWire("http://allowed.example.test\uFF20127.0.0.1:" + i + "/")), 400, "bad_request"),
                refused("empty label", Target.PROXY, get("http://allowed..example.test:" + a + "/"), 400, "bad_request"),
                refused("Host with two ports", Target.PROXY, get(allowedUrl, "Host: allowed.example.test:" + a + ":" + i),
                        400, "bad_request"),
                refused("NUL byte in Host", Target.PROXY, get(allowedUrl, "Host: allowed.example.test\u0000.evil.test"),
                        400, "bad_request"),
                refused("malformed UTF-8 in the host", Target.PROXY, get("http://allowed\u00ff\u00fe.example.test/"),
                        400, "bad_request"),

                // Allowed names whose DNS answer is loopback, private, link-local (metadata)…: the SSRF guard.
                refused("allowed name resolving to 127.0.0.1 (rebinding)", Target.PROXY,
                        get("http://rebind.example.test:" + i + "/"), 403, "private_address"),
                refused("CONNECT to an allowed name resolving to 127.0.0.1", Target.PROXY,
                        connect("rebind.example.test:" + i), 403, "private_address"),
                refused("allowed name resolving to the cloud metadata address", Target.PROXY,
                        get("http://metadata.example.test:" + i + "/latest/meta-data/"), 403, "private_address"),
                refused("allowed name resolving to RFC 1918 10/8", Target.PROXY,
                        get("http://private.example.test:" + i + "/"), 403, "private_address"),
                refused("allowed name resolving to CGNAT (Alibaba metadata)", Target.PROXY,
                        get("http://cgnat.example.test:" + i + "/"), 403, "private_address"),
                refused("allowed name resolving to ::1", Target.PROXY,
                        get("http://v6loop.example.test:" + i + "/"), 403, "private_address"),
                refused("allowed name resolving to 0.0.0.0 (reaches localhost on Linux)", Target.PROXY,
                        get("http://unspecified.example.test:" + i + "/"), 403, "private_address"),
                refused("allowed name resolving to ::ffff:127.0.0.1", Target.PROXY,
                        get("http://mapped.example.test:" + i + "/"), 403, "private_address"),
                refused("allowed name resolving to NAT64 64:ff9b::7f00:1", Target.PROXY,
                        get("http://nat64.example.test:" + i + "/"), 403, "private_address"),
                refused("name under an allowed wildcard resolving to loopback", Target.PROXY,
                        get("http://loop.wild.example.test:" + a + "/"), 403, "private_address"),
                refused("Gateway server: allowed Host resolving to loopback", Target.HTTP_GATEWAY,
                        get("/", "Host: rebind.example.test"), 403, "private_address"),

                // Address spellings, with ALLOW_ANY so that only the guard stands in the way.
                refused("loopback literal", Target.ALLOW_ANY_PROXY, get("http://127.0.0.1:" + i + "/"), 403,
                        "private_address"),
                refused("loopback as a decimal integer", Target.ALLOW_ANY_PROXY, get("http://2130706433:" + i + "/"), 403,
                        "private_address"),
                refused("loopback in hexadecimal", Target.ALLOW_ANY_PROXY, get("http://0x7f000001:" + i + "/"), 403,
                        "private_address"),
                refused("loopback in octal", Target.ALLOW_ANY_PROXY, get("http://0177.0.0.1:" + i + "/"), 403,
                        "private_address"),
                refused("loopback in short form", Target.ALLOW_ANY_PROXY, get("http://127.1:" + i + "/"), 403,
                        "private_address"),
                refused("loopback in mixed hex short form", Target.ALLOW_ANY_PROXY, get("http://0x7f.1:" + i + "/"), 403,
                        "private_address"),
                refused("loopback with a trailing dot", Target.ALLOW_ANY_PROXY, get("http://127.0.0.1.:" + i + "/"), 403,
                        "private_address"),
                refused("loopback with ideographic full stops", Target.ALLOW_ANY_PROXY,
                        get(utf8AsWire("http://127\u30020\u30020\u30021:" + i + "/")), 403, "private_address"),
                refused("bracketed IPv6 loopback", Target.ALLOW_ANY_PROXY, get("http://[::1]:" + i + "/"), 403,
                        "private_address"),
                refused("IPv4-mapped IPv6 loopback, dotted", Target.ALLOW_ANY_PROXY,
                        get("http://[::ffff:127.0.0.1]:" + i + "/"), 403, "private_address"),
                refused("IPv4-mapped IPv6 loopback, hex", Target.ALLOW_ANY_PROXY, get("http://[::ffff:7f00:1]:" + i + "/"),
                        403, "private_address"),
                refused("IPv4-mapped IPv6 loopback, uncompressed", Target.ALLOW_ANY_PROXY,
                        get("http://[0:0:0:0:0:ffff:127.0.0.1]:" + i + "/"), 403, "private_address"),
                refused("IPv4-compatible IPv6 loopback", Target.ALLOW_ANY_PROXY, get("http://[::127.0.0.1]:" + i + "/"),
                        403, "private_address"),
                refused("link-local IPv6 with a zone id", Target.ALLOW_ANY_PROXY,
                        get("http://[fe80::1%25lo]:" + i + "/"), 403, "private_address"),
                refused("CONNECT to bracketed IPv6 loopback (Smokescreen's bracket bypass)", Target.ALLOW_ANY_PROXY,
                        connect("[::1]:" + i), 403, "private_address"),
                refused("CONNECT to IPv4-mapped IPv6 loopback", Target.ALLOW_ANY_PROXY,
                        connect("[::ffff:127.0.0.1]:" + i), 403, "private_address"),
                refused("CONNECT to the loopback literal", Target.ALLOW_ANY_PROXY, connect("127.0.0.1:" + i), 403,
                        "private_address"),
                refused("unspecified 0.0.0.0", Target.ALLOW_ANY_PROXY, get("http://0.0.0.0:" + i + "/"), 403,
                        "private_address"),
                refused("unspecified as the single number 0", Target.ALLOW_ANY_PROXY, get("http://0:" + i + "/"), 403,
                        "private_address"),
                refused("cloud metadata literal", Target.ALLOW_ANY_PROXY, get("http://169.254.169.254/latest/meta-data/"),
                        403, "private_address"),
                refused("cloud metadata as a decimal integer", Target.ALLOW_ANY_PROXY, get("http://2852039166/"), 403,
                        "private_address"),
                refused("cloud metadata inside NAT64", Target.ALLOW_ANY_PROXY, get("http://[64:ff9b::a9fe:a9fe]/"), 403,
                        "private_address"),
                refused("loopback inside 6to4", Target.ALLOW_ANY_PROXY, get("http://[2002:7f00:1::]:" + i + "/"), 403,
                        "private_address"),
                refused("RFC 1918 literal", Target.ALLOW_ANY_PROXY, get("http://10.0.0.1/"), 403, "private_address"),
                refused("unique-local IPv6", Target.ALLOW_ANY_PROXY, get("http://[fd00::1]/"), 403, "private_address"),
                refused("localhost by name", Target.ALLOW_ANY_PROXY, get("http://localhost:" + i + "/"), 403,
                        "private_address"),
                refused("an IP outside --allow-private next to an allowed one", Target.ALLOW_ANY_PROXY,
                        get("http://127.0.0.3:" + i + "/"), 403, "private_address"),

                // Request smuggling: framing two parsers could read differently.
                refused("Content-Length and Transfer-Encoding together", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost + "\r\nContent-Length: 6\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET http://rebind.example.test:" + i
                                + "/ HTTP/1.1\r\n\r\n", 400, "ambiguous_framing"),
                refused("two different Content-Length values", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost + "\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n",
                        400, "ambiguous_framing"),
                refused("obfuscated transfer coding (xchunked)", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost + "\r\nTransfer-Encoding: xchunked\r\n\r\n", 400,
                        "ambiguous_framing"),
                refused("chunked not last", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost + "\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
                        400, "ambiguous_framing"),
                refused("chunked twice", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost
                                + "\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
                        "ambiguous_framing"),
                refused("Transfer-Encoding in HTTP/1.0", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.0\r\n" + allowedHost + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400, "ambiguous_framing"),
                refused("space before the colon of Transfer-Encoding", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost + "\r\nTransfer-Encoding : chunked\r\n\r\n", 400,
                        "ambiguous_framing"),
                refused("signed Content-Length", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost + "\r\nContent-Length: +4\r\n\r\nabcd", 400,
                        "ambiguous_framing"),
                refused("hexadecimal chunk size with 0x", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400, "ambiguous_framing"),
                refused("bare LF line endings", Target.PROXY,
                        "GET " + allowedUrl + " HTTP/1.1\n" + allowedHost + "\n\n", 400, "bad_request")));

        list.addAll(List.of(
                // Controls: what is declared still works, however it is spelled.
                new Attempt("control: allowed name", Target.PROXY, get(allowedUrl, allowedHost), 200, null),
                new Attempt("control: upper case and trailing dot", Target.PROXY,
                        get("http://ALLOWED.Example.TEST.:" + a + "/"), 200, null),
                new Attempt("control: full-width letters fold to the allowed name", Target.PROXY,
                        get(utf8AsWire("http://\uFF41\uFF4C\uFF4C\uFF4F\uFF57\uFF45\uFF44.example.test:" + a + "/")), 200, null),
                new Attempt("control: name under the allowed wildcard", Target.PROXY,
                        get("http://a.wild.example.test:" + a + "/"), 200, null),
                new Attempt("control: loopback endpoint the entry lists", Target.PROXY,
                        get("http://listed.example.test:" + listed.port() + "/"), 200, null),
                new Attempt("control: plain HTTP in a CONNECT tunnel with the matching Host", Target.PROXY,
                        connect("allowed.example.test:" + a) + "GET / HTTP/1.1\r\n" + allowedHost + "\r\n\r\n"
                                + get("/", "Host: ALLOWED.example.test"), 200, null),
                new Attempt("control: well-formed chunked body", Target.PROXY,
                        "POST " + allowedUrl + " HTTP/1.1\r\n" + allowedHost
                                + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200, null),
                new Attempt("control: ALLOW_ANY reaches a range --allow-private opens", Target.ALLOW_ANY_PROXY,
                        get("http://127.0.0.2:" + a + "/"), 200, null),
                new Attempt("control: Gateway server routes the allowed Host", Target.HTTP_GATEWAY,
                        get("/", "Host: Allowed.Example.Test"), 200, null)));
        return list.stream().map(Arguments::of);
    }

    /** A request line as a client writes it in UTF-8, one char per byte (how it crosses the wire). */
    private static String utf8AsWire(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attempts")
    void eachAttemptIsRefusedWithItsReasonAndControlsPass(Attempt attempt) throws IOException {
        int port = switch (attempt.target()) {
            case PROXY -> registryOnly.proxyPort();
            case ALLOW_ANY_PROXY -> allowAny.proxyPort();
            case HTTP_GATEWAY -> httpGatewayPort;
        };
        List<Response> answers = exchange(port, attempt.request());
        assertThat(answers).as(attempt.name()).isNotEmpty();
        Response last = answers.get(answers.size() - 1);
        assertThat(last.status()).as(attempt.name() + ": " + answers).isEqualTo(attempt.status());
        if (attempt.reason() != null) {
            assertThat(last.header("x-portcullis-reason")).as(attempt.name()).isEqualTo(attempt.reason());
            assertThat(last.body()).startsWith(attempt.reason() + ": ");
        } else {
            assertThat(last.body()).startsWith("hello from ");
        }
    }

    // ---- TLS: SNI against the CONNECT authority, and a passthrough listener ----

    private static Cli.Result sClient(String connect, String... more) {
        List<String> argv = new ArrayList<>(List.of("openssl", "s_client", "-proxy", "127.0.0.1:" + registryOnly.proxyPort(),
                "-connect", connect, "-CAfile", caPem.toString(), "-verify_return_error"));
        argv.addAll(List.of(more));
        return Cli.runWithInput(TIMEOUT, "", argv.toArray(new String[0]));
    }

    @Test
    void anSniThatDiffersFromTheConnectHostAndIsNotAllowedIsRefused() {
        String connect = "secure.example.test:" + secure.port();
        // The gateway answers the ClientHello with an unrecognized_name alert: no server certificate, no session.
        Cli.Result evil = sClient(connect, "-servername", "evil.example.test");
        assertThat(evil.exitCode()).isNotZero();
        assertThat(evil.stdout()).contains("no peer certificate available", "Cipher is (NONE)");
        Cli.Result other = sClient(connect, "-servername", "rebind.example.test");
        assertThat(other.stdout()).contains("no peer certificate available");
        EnvoyAccessLine evilLine = registryOnly.awaitAccess(l -> l.get("message").contains("TLS SNI evil.example.test differs"));
        assertThat(evilLine.get("authority")).isEqualTo("secure.example.test:" + secure.port());
        assertThat(evilLine.get("response_code_details")).isEqualTo("sni_mismatch");
        assertThat(registryOnly.awaitAccess(l -> l.get("message").contains("TLS SNI rebind.example.test differs"))
                .get("response_code_details")).isEqualTo("sni_mismatch");
        assertThat(secure.snis()).doesNotContain("evil.example.test", "rebind.example.test");
    }

    @Test
    void sniControlsPass() {
        String connect = "secure.example.test:" + secure.port();
        assertThat(sClient(connect, "-servername", "SECURE.example.test").stdout()).contains("Verify return code: 0 (ok)");
        // Another name the same entry allows is allowed as an SNI too.
        assertThat(sClient(connect, "-servername", "alt.example.test").stdout()).contains("Verify return code: 0 (ok)");
        // No SNI at all cannot disagree with anything.
        assertThat(sClient(connect, "-noservername").stdout()).contains("Server certificate");
        Cli.Result curl = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "--cacert", caPem.toString(), "-x",
                registryOnly.proxyUrl(), "https://secure.example.test:" + secure.port() + "/");
        assertThat(curl.stdout()).isEqualTo("hello from secure\n");
    }

    @Test
    void aPassthroughListenerRefusesAnSniResolvingToLoopback() {
        Cli.Result r = Cli.runWithInput(TIMEOUT, "", "openssl", "s_client", "-connect", "127.0.0.1:" + tlsGatewayPort,
                "-servername", "loop.wild.example.test");
        // Nothing from upstream: only the gateway's own fatal alert (7 bytes), which says the name is not served.
        assertThat(r.stdout()).contains("handshake has read 7 bytes");
        assertThat(r.stderr()).contains("unrecognized name");
        EnvoyAccessLine loop = registryOnly.awaitAccess(l -> l.get("requested_server_name").equals("loop.wild.example.test")
                && l.listenerPort() == tlsGatewayPort);
        assertThat(loop.get("response_code_details")).isEqualTo("private_address");
        assertThat(loop.get("message")).contains("127.0.0.1 is loopback");
    }

    @AfterAll
    static void nothingEverReachedTheInternalOrigin() {
        assertThat(internal.connectionCount()).as("connections to the internal origin").isZero();
    }

    // ---- a tiny HTTP/1.1 response reader ----

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return status + " " + body.strip();
        }
    }

    private static List<Response> exchange(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            } catch (IOException e) {
                // The gateway may answer and close before it has read everything.
            }
            return parse(readAll(s.getInputStream()));
        }
    }

    private static String readAll(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = in.read(chunk)) > 0; ) {
                buf.write(chunk, 0, n);
            }
        } catch (IOException e) {
            // A reset after the answer: the answer is what is asserted.
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    private static List<Response> parse(String all) {
        List<Response> out = new ArrayList<>();
        int pos = 0;
        while (pos < all.length()) {
            int end = all.indexOf("\r\n\r\n", pos);
            if (end < 0) {
                break;
            }
            String[] lines = all.substring(pos, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new java.util.HashMap<>();
            for (int k = 1; k < lines.length; k++) {
                int colon = lines[k].indexOf(':');
                headers.put(lines[k].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[k].substring(colon + 1).trim());
            }
            pos = end + 4;
            String length = headers.get("content-length");
            String body = "";
            if (length != null) {
                int n = Integer.parseInt(length);
                body = all.substring(pos, Math.min(all.length(), pos + n));
                pos += n;
            }
            out.add(new Response(status, headers, body));
        }
        return out;
    }
}
