package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Istio's AuthorizationPolicy semantics on HTTP requests, and its rule for HTTP-only fields on TCP. */
class HttpAuthorizerTest {

    private static Authorizer compile(String... policies) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < policies.length; i++) {
            yaml.append(policies[i]);
        }
        LoadResult result = FolderLoader.fromFiles(Map.of("authz.yaml", yaml.toString()));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY).authorizer();
    }

    private static String policy(String name, String annotations, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: %s, namespace: istio-system%s}
                spec:
                """.formatted(name, annotations) + spec.indent(2) + "---\n";
    }

    private static String policy(String name, String spec) {
        return policy(name, "", spec);
    }

    private static AuthzRequest tcp(String host) throws Exception {
        return new AuthzRequest(null, null, InetAddress.getByName("10.1.1.1"), InetAddress.getByName("10.0.0.1"), 80,
                host, null);
    }

    private static AuthzRequest http(String method, String target, Map<String, List<String>> headers) throws Exception {
        return tcp("api.example.test").withHttp(HttpAttributes.of(method, target, HttpAttributes.Headers.of(headers)));
    }

    private static AuthzRequest http(String method, String target) throws Exception {
        return http(method, target, Map.of());
    }

    @Test
    void methodsAndPathsOfAnAllowRule() throws Exception {
        Authorizer a = compile(policy("read-only", """
                rules:
                - to: [{operation: {methods: [GET, HEAD], paths: ["/status/*", "*.json", /exact]}}]
                """));
        assertThat(a.evaluate(http("GET", "/status/200")).allowed()).isTrue();
        assertThat(a.evaluate(http("HEAD", "http://api.example.test/data/x.json?y=1")).allowed()).isTrue();
        assertThat(a.evaluate(http("GET", "/exact?query=ignored")).allowed()).isTrue();
        assertThat(a.evaluate(http("GET", "/exact/")).allowed()).isFalse();
        AuthzResult post = a.evaluate(http("POST", "/status/200"));
        assertThat(post.allowed()).isFalse();
        assertThat(post.message()).startsWith("no rule of the ALLOW policies matches POST /status/200 by a caller");
        assertThat(a.evaluate(http("get", "/status/200")).allowed()).as("methods are case-sensitive").isFalse();
    }

    @Test
    void notMethodsNotPathsAndHostsOfADenyRule() throws Exception {
        Authorizer a = compile(policy("deny-writes", """
                action: DENY
                rules:
                - to: [{operation: {notMethods: [GET], hosts: ["*.example.test"]}}]
                - to: [{operation: {paths: [/admin*], notPaths: [/admin/health]}}]
                """));
        assertThat(a.evaluate(http("GET", "/")).allowed()).isTrue();
        AuthzResult put = a.evaluate(http("PUT", "/"));
        assertThat(put.allowed()).isFalse();
        assertThat(put.message()).isEqualTo("denied by AuthorizationPolicy/istio-system/deny-writes rules[0]");
        assertThat(a.evaluate(http("GET", "/admin/users")).message()).endsWith("rules[1]");
        assertThat(a.evaluate(http("GET", "/admin/health")).allowed()).isTrue();
    }

    /** Envoy normalizes the path (Istio's default BASE) before RBAC: another spelling of /admin is /admin. */
    @ParameterizedTest
    @CsvSource({"/admin", "/public/../admin", "/./admin", "/%61dmin", "/admin?x=/public", "http://h/admin#frag"})
    void aDenyOnAPathCannotBeSteppedAround(String target) throws Exception {
        Authorizer a = compile(policy("deny-admin", """
                action: DENY
                rules: [{to: [{operation: {paths: [/admin]}}]}]
                """));
        assertThat(a.evaluate(http("GET", target)).allowed()).isFalse();
    }

    @Test
    void pathTemplates() {
        assertThat(Authorizer.pathMatch("/api/{*}/items", "/api/v1/items")).isTrue();
        assertThat(Authorizer.pathMatch("/api/{*}/items", "/api//items")).isFalse();
        assertThat(Authorizer.pathMatch("/api/{*}/items", "/api/v1/v2/items")).isFalse();
        assertThat(Authorizer.pathMatch("/api/{**}", "/api/v1/v2/items")).isTrue();
        assertThat(Authorizer.pathMatch("/api/{**}", "/api/")).isTrue();
        assertThat(Authorizer.pathMatch("/api/{**}", "/api")).isFalse();
        assertThat(Authorizer.pathMatch("*", "/")).isTrue();
        assertThat(Authorizer.pathMatch("/a*", null)).as("CONNECT has no path").isFalse();
    }

    @Test
    void requestHeaderConditions() throws Exception {
        Authorizer a = compile(policy("tenant", """
                rules:
                - when:
                  - {key: "request.headers[X-Tenant]", values: ["team-*"], notValues: [team-evil]}
                """));
        assertThat(a.evaluate(http("GET", "/", Map.of("x-tenant", List.of("team-a")))).allowed()).isTrue();
        assertThat(a.evaluate(http("GET", "/", Map.of("x-tenant", List.of("team-evil")))).allowed()).isFalse();
        assertThat(a.evaluate(http("GET", "/", Map.of("x-tenant", List.of("other")))).allowed()).isFalse();
        assertThat(a.evaluate(http("GET", "/")).allowed()).as("absent header").isFalse();
        // Envoy joins repeated headers with ',' before matching.
        assertThat(a.evaluate(http("GET", "/", Map.of("x-tenant", List.of("team-a", "team-evil")))).allowed()).isTrue();

        Authorizer present = compile(policy("has-token", """
                action: DENY
                rules: [{when: [{key: "request.headers[authorization]", notValues: ["*"]}]}]
                """));
        assertThat(present.evaluate(http("GET", "/")).allowed()).as("no Authorization header").isFalse();
        assertThat(present.evaluate(http("GET", "/", Map.of("authorization", List.of("Bearer x")))).allowed()).isTrue();
    }

    /** Istio: an ALLOW rule with an HTTP-only field never matches TCP traffic; a DENY rule drops those fields. */
    @Test
    void httpOnlyFieldsOnTcp() throws Exception {
        Authorizer allow = compile(policy("allow-get", """
                rules:
                - to: [{operation: {methods: [GET], ports: ["80"]}}]
                """));
        assertThat(allow.evaluate(http("GET", "/")).allowed()).isTrue();
        assertThat(allow.evaluate(tcp("api.example.test")).allowed()).as("ALLOW cannot allow TCP").isFalse();

        Authorizer deny = compile(policy("deny-post", """
                action: DENY
                rules:
                - to: [{operation: {methods: [POST], ports: ["80"]}}]
                  when: [{key: "request.headers[x-debug]", values: ["1"]}]
                """));
        assertThat(deny.evaluate(http("GET", "/")).allowed()).isTrue();
        AuthzResult tcp = deny.evaluate(tcp("api.example.test"));
        assertThat(tcp.allowed()).as("DENY denies more on TCP").isFalse();
        assertThat(tcp.message()).isEqualTo("denied by AuthorizationPolicy/istio-system/deny-post rules[0]");
        assertThat(deny.evaluate(tcp(null)).allowed()).isFalse();

        // hosts: matched against a named host (SNI, CONNECT authority); HTTP-only on a raw TCP connection.
        Authorizer hosts = compile(policy("deny-host", """
                action: DENY
                rules: [{to: [{operation: {hosts: [evil.example.test]}}]}]
                """));
        assertThat(hosts.evaluate(tcp("api.example.test")).allowed()).isTrue();
        assertThat(hosts.evaluate(tcp("EVIL.example.test")).allowed()).isFalse();
        assertThat(hosts.evaluate(tcp(null)).allowed()).as("no host known: the field is left out").isFalse();
    }

    @Test
    void dryRunPoliciesAreEvaluatedButNeverEnforced() throws Exception {
        String dry = ",\n  annotations: {istio.io/dry-run: \"true\"}";
        Authorizer a = compile(policy("deny-delete", dry, """
                action: DENY
                rules: [{to: [{operation: {methods: [DELETE]}}]}]
                """), policy("allow-get", dry, """
                rules: [{to: [{operation: {methods: [GET]}}]}]
                """));
        assertThat(a.isEmpty()).isFalse();
        AuthzResult delete = a.evaluate(http("DELETE", "/x"));
        assertThat(delete.allowed()).isTrue();
        assertThat(delete.policy()).isNull();
        assertThat(delete.dryRun()).extracting(AuthzResult.DryRun::result).containsExactly("denied", "denied");
        assertThat(delete.dryRun().get(0).policy()).hasToString("AuthorizationPolicy/istio-system/deny-delete");
        assertThat(delete.dryRun().get(0).message())
                .isEqualTo("would deny: denied by AuthorizationPolicy/istio-system/deny-delete rules[0]");

        AuthzResult get = a.evaluate(http("GET", "/x"));
        assertThat(get.allowed()).isTrue();
        assertThat(get.dryRun()).extracting(AuthzResult.DryRun::result).containsExactly("allowed", "allowed");
        assertThat(get.dryRun().get(1).policy()).hasToString("AuthorizationPolicy/istio-system/allow-get");

        Authorizer enforced = compile(policy("deny-delete", ",\n  annotations: {istio.io/dry-run: \"false\"}", """
                action: DENY
                rules: [{to: [{operation: {methods: [DELETE]}}]}]
                """));
        assertThat(enforced.evaluate(http("DELETE", "/x")).allowed()).isFalse();
        assertThat(enforced.evaluate(http("DELETE", "/x")).dryRun()).isEmpty();
    }

    @Test
    void requestPathsForMatching() {
        assertThat(RequestPaths.forMatching("/a/b/../c/./d?x#y")).isEqualTo("/a/c/d");
        assertThat(RequestPaths.forMatching("http://h:8080")).isEqualTo("/");
        assertThat(RequestPaths.forMatching("http://h?q=/x")).isEqualTo("/");
        assertThat(RequestPaths.forMatching("/%7euser/%2f%41")).isEqualTo("/~user/%2FA");
        assertThat(RequestPaths.forMatching("/..")).isEqualTo("/");
        assertThat(RequestPaths.forMatching("*")).isEqualTo("*");
    }
}
