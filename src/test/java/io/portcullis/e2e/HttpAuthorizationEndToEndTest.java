package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.InJvmCli;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AuthorizationPolicy on HTTP requests, with curl through a real gateway: methods, paths and
 * request headers decide each request on the explicit proxy, inside CONNECT tunnels and on a
 * plain-HTTP Gateway server; a refusal is a 403 with {@code authz_denied}, flag UAEX and the policy
 * in that request's access line. Dry-run policies let everything through, logged and counted.
 * On a TCP Gateway server, Istio's rule for HTTP-only fields: an ALLOW rule using them cannot
 * allow, a DENY rule applies without them.
 */
class HttpAuthorizationEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String HOST = "api.example.test";
    private static HttpOrigin origin;

    @BeforeAll
    static void start() {
        Cli.requireCommand("curl");
        origin = new HttpOrigin("api");
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    private static String entry() {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [%s]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                """.formatted(HOST, origin.port());
    }

    private static String policy(String name, String annotations, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: %s, namespace: istio-system%s}
                spec:
                """.formatted(name, annotations) + spec.indent(2) + "---\n";
    }

    /** curl's response headers, body and status code (last line). */
    private static Cli.Result curl(String... args) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-D", "-", "-w", "\n%{http_code}"));
        argv.addAll(List.of(args));
        return Cli.run(TIMEOUT, argv.toArray(String[]::new));
    }

    private static String status(Cli.Result r) {
        String out = r.stdout().strip();
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    private String url(String path) {
        return "http://" + HOST + ":" + origin.port() + path;
    }

    @Test
    void theExplicitProxyDecidesEachRequestByMethodPathAndHeader() throws Exception {
        try (RunningGateway g = RunningGateway.start(HOST)) {
            g.apply("api.yaml", entry() + policy("api-readers", "", """
                    action: ALLOW
                    rules:
                    - to: [{operation: {methods: [GET, HEAD], paths: ["/public/*"]}}]
                    - to: [{operation: {methods: [POST]}}]
                      when: [{key: "request.headers[X-Team]", values: [payments]}]
                    """) + policy("no-secrets", "", """
                    action: DENY
                    rules: [{to: [{operation: {paths: ["/public/secret*"]}}]}]
                    """));

            Cli.Result get = curl("-x", g.proxyUrl(), url("/public/a?x=1"));
            assertThat(status(get)).as(get.toString()).isEqualTo("200");
            assertThat(get.stdout()).contains(origin.body().strip());

            Cli.Result delete = curl("-x", g.proxyUrl(), "-X", "DELETE", url("/public/a"));
            assertThat(status(delete)).as(delete.toString()).isEqualTo("403");
            assertThat(delete.stdout()).containsIgnoringCase("x-portcullis-reason: authz_denied")
                    .contains("no rule of the ALLOW policies matches DELETE /public/a");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("method").equals("DELETE"));
            assertThat(line.get("response_code")).isEqualTo("403");
            assertThat(line.get("response_flags")).isEqualTo("UAEX");
            assertThat(line.get("response_code_details")).isEqualTo("authz_denied");
            assertThat(line.get("route_name")).isEqualTo("AuthorizationPolicy/istio-system/api-readers");
            assertThat(line.get("path")).isEqualTo("/public/a");

            assertThat(status(curl("-x", g.proxyUrl(), url("/private")))).isEqualTo("403");
            // Another spelling of a denied path is the same path.
            Cli.Result secret = curl("-x", g.proxyUrl(), "--path-as-is", url("/public/x/../secret.txt"));
            assertThat(status(secret)).as(secret.toString()).isEqualTo("403");
            assertThat(secret.stdout()).contains("denied by AuthorizationPolicy/istio-system/no-secrets rules[0]");

            Cli.Result post = curl("-x", g.proxyUrl(), "-d", "x", "-H", "X-Team: payments", url("/pay"));
            assertThat(status(post)).as(post.toString()).isEqualTo("200");
            Cli.Result stranger = curl("-x", g.proxyUrl(), "-d", "x", "-H", "X-Team: marketing", url("/pay"));
            assertThat(status(stranger)).isEqualTo("403");

            // Keep-alive: each request on one connection is decided on its own.
            Cli.Result two = curl("-x", g.proxyUrl(), url("/public/1"), url("/public/2"));
            assertThat(two.stdout()).contains("200").doesNotContain("403");
            // CONNECT is an HTTP request too: this ALLOW policy allows no CONNECT method.
            Cli.Result tunnel = curl("-p", "-x", g.proxyUrl(), url("/public/a"));
            assertThat(tunnel.stdout()).contains("403").containsIgnoringCase("x-portcullis-reason: authz_denied");
        }
    }

    @Test
    void requestsInsideAConnectTunnelAreDecidedOneByOne() throws Exception {
        try (RunningGateway g = RunningGateway.start(HOST)) {
            g.apply("api.yaml", entry() + policy("tunnel-readers", "", """
                    rules: [{to: [{operation: {methods: [CONNECT, GET]}}]}]
                    """) + policy("no-admin", "", """
                    action: DENY
                    rules: [{to: [{operation: {paths: ["/admin/{**}"]}}]}]
                    """));
            Cli.Result ok = curl("-p", "-x", g.proxyUrl(), url("/public"));
            assertThat(status(ok)).as(ok.toString()).isEqualTo("200");
            Cli.Result admin = curl("-p", "-x", g.proxyUrl(), url("/admin/users"));
            assertThat(status(admin)).as(admin.toString()).isEqualTo("403");
            assertThat(admin.stdout()).containsIgnoringCase("x-portcullis-reason: authz_denied")
                    .contains("denied by AuthorizationPolicy/istio-system/no-admin rules[0]");
            Cli.Result put = curl("-p", "-x", g.proxyUrl(), "-X", "PUT", url("/public"));
            assertThat(status(put)).as(put.toString()).isEqualTo("403");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("route_name").equals("AuthorizationPolicy/istio-system/no-admin"));
            assertThat(line.get("response_flags")).isEqualTo("UAEX");
        }
    }

    @Test
    void aPlainHttpGatewayServerDecidesEachRequest() throws Exception {
        try (RunningGateway g = RunningGateway.start(HOST)) {
            int port = g.applyOnFreePort("api.yaml", p -> entry() + """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: http, protocol: HTTP}
                        hosts: [%s]
                    ---
                    """.formatted(p, HOST) + policy("read-only", "", """
                    action: DENY
                    rules: [{to: [{operation: {notMethods: [GET, HEAD]}}]}]
                    """));
            String target = "http://127.0.0.1:" + port + "/books";
            Cli.Result get = curl("-H", "Host: " + HOST, target);
            assertThat(status(get)).as(get.toString()).isEqualTo("200");
            Cli.Result put = curl("-H", "Host: " + HOST, "-X", "PUT", "-d", "x", target);
            assertThat(status(put)).as(put.toString()).isEqualTo("403");
            assertThat(put.stdout()).containsIgnoringCase("x-portcullis-reason: authz_denied");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("method").equals("PUT"));
            assertThat(line.listenerPort()).isEqualTo(port);
            assertThat(line.get("route_name")).isEqualTo("AuthorizationPolicy/istio-system/read-only");
            assertThat(line.get("response_flags")).isEqualTo("UAEX");
        }
    }

    @Test
    void aDryRunPolicyLetsEverythingThroughAndSaysWhatItWouldHaveDone() throws Exception {
        try (RunningGateway g = RunningGateway.start(HOST)) {
            String dryRun = ",\n  annotations: {istio.io/dry-run: \"true\"}";
            g.apply("api.yaml", entry() + policy("no-deletes", dryRun, """
                    action: DENY
                    rules: [{to: [{operation: {methods: [DELETE]}}]}]
                    """));
            Cli.Result delete = curl("-x", g.proxyUrl(), "-X", "DELETE", url("/items/1"));
            assertThat(status(delete)).as(delete.toString()).isEqualTo("200");
            Cli.Result get = curl("-x", g.proxyUrl(), url("/items/1"));
            assertThat(status(get)).isEqualTo("200");

            EnvoyAccessLine line = g.awaitAccess(l -> l.get("method").equals("DELETE"));
            assertThat(line.get("response_code")).isEqualTo("200");
            assertThat(line.get("response_flags")).isEqualTo("-");
            assertThat(line.get("message")).isEqualTo("dry-run denied: would deny: denied by"
                    + " AuthorizationPolicy/istio-system/no-deletes rules[0]");
            EnvoyAccessLine getLine = g.awaitAccess(l -> l.get("method").equals("GET"));
            assertThat(getLine.get("message")).startsWith("dry-run allowed: would allow: no rule of the DENY policies");
            var s = g.scrape();
            assertThat(s.sum("portcullis_authz_dry_run_total", "policy", "AuthorizationPolicy/istio-system/no-deletes",
                    "result", "denied")).isEqualTo(1);
            assertThat(s.sum("portcullis_authz_dry_run_total", "result", "allowed")).isEqualTo(1);
            assertThat(s.sum("portcullis_denied_connections_total")).isZero();
        }
    }

    /** A TCP Gateway server in front of the origin: bytes, not HTTP requests. */
    private static String tcpServer(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: raw}
                spec:
                  hosts: [raw.example.test]
                  addresses: [127.0.0.1]
                  ports: [{number: %2$d, name: tcp, protocol: TCP}]
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: istio-egressgateway}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tcp, protocol: TCP}
                    hosts: [raw.example.test]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: raw}
                spec:
                  hosts: [raw.example.test]
                  gateways: [istio-egressgateway]
                  tcp:
                  - match: [{gateways: [istio-egressgateway], port: %1$d}]
                    route: [{destination: {host: raw.example.test, port: {number: %2$d}}}]
                ---
                """.formatted(port, origin.port());
    }

    @Test
    void onTcpAnAllowRuleWithHttpFieldsCannotAllowAndADenyRuleDeniesMore() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            int port = g.applyOnFreePort("raw.yaml", HttpAuthorizationEndToEndTest::tcpServer);
            String target = "http://127.0.0.1:" + port + "/";
            assertThat(status(curl(target))).as("no policy yet").isEqualTo("200");

            g.apply("authz.yaml", policy("allow-get", "", """
                    rules:
                    - to: [{operation: {methods: [GET], ports: ["%d"]}}]
                    """.formatted(port)));
            Cli.Result allow = curl(target);
            assertThat(allow.exitCode()).as(allow.toString()).isNotZero();
            EnvoyAccessLine refused = g.awaitAccess(l -> l.listenerPort() == port
                    && l.get("response_code_details").equals("authz_denied"));
            assertThat(refused.get("route_name")).isEqualTo("AuthorizationPolicy/istio-system/allow-get");

            // The same ALLOW rule without the HTTP field allows the connection.
            g.apply("authz.yaml", policy("allow-port", "", """
                    rules:
                    - to: [{operation: {ports: ["%d"]}}]
                    """.formatted(port)));
            assertThat(status(curl(target))).isEqualTo("200");

            // A DENY rule on POST to this port: on TCP the method is left out, so it denies the GET's bytes too.
            g.apply("deny.yaml", policy("deny-post", "", """
                    action: DENY
                    rules:
                    - to: [{operation: {methods: [POST], ports: ["%d"]}}]
                    """.formatted(port)));
            Cli.Result deny = curl(target);
            assertThat(deny.exitCode()).as(deny.toString()).isNotZero();
            EnvoyAccessLine denied = g.awaitAccess(l -> l.listenerPort() == port
                    && l.get("route_name").equals("AuthorizationPolicy/istio-system/deny-post"));
            assertThat(denied.get("message")).isEqualTo("denied by AuthorizationPolicy/istio-system/deny-post rules[0]");
            assertThat(denied.get("response_flags")).isEqualTo("UAEX");
        }
    }

    @Test
    void checkAnswersForAnHttpRequestWhenToldItsMethodAndPath() throws Exception {
        try (RunningGateway g = RunningGateway.start(HOST)) {
            g.apply("api.yaml", entry() + policy("read-only", "", """
                    rules: [{to: [{operation: {methods: [CONNECT, GET], notPaths: ["/admin/{**}"]}}]}]
                    """) + policy("no-deletes", ",\n  annotations: {istio.io/dry-run: \"true\"}", """
                    action: DENY
                    rules: [{to: [{operation: {methods: [DELETE]}}]}]
                    """));
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            String to = HOST + ":" + origin.port();
            Cli.Result connect = cli.run("check", "--to", to);
            assertThat(connect.exitCode()).as(connect.toString()).isZero();
            assertThat(connect.stdout()).contains("via explicit proxy (CONNECT " + to + ")");

            Cli.Result get = cli.run("check", "--to", to, "--method", "GET", "--path", "/books?page=2");
            assertThat(get.exitCode()).as(get.toString()).isZero();
            assertThat(get.stdout()).contains("explicit proxy (GET http://" + to + "/books?page=2)",
                    "AuthorizationPolicy/istio-system/read-only");

            Cli.Result admin = cli.run("check", "--to", to, "--method", "GET", "--path", "/admin/users");
            assertThat(admin.exitCode()).as(admin.toString()).isEqualTo(1);
            assertThat(admin.stdout()).contains("authz_denied", "no rule of the ALLOW policies matches GET /admin/users");

            Cli.Result delete = cli.run("check", "--to", to, "--method", "DELETE", "--path", "/books");
            assertThat(delete.exitCode()).isEqualTo(1);
            assertThat(delete.stdout()).contains("dry-run AuthorizationPolicies would deny: denied by"
                    + " AuthorizationPolicy/istio-system/no-deletes rules[0]");

            assertThat(cli.run("check", "--to", to, "--method", "GET", "--path", "books").exitCode()).isEqualTo(2);
            assertThat(cli.run("check", "--to", to, "-o", "json", "--method", "GET").stdout())
                    .contains("\"method\" : \"GET\"");
        }
    }
}
