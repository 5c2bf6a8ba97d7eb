package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Istio's AuthorizationPolicy semantics on connections, without sockets. */
class AuthorizerTest {
    private static final String SLEEP = "cluster.local/ns/default/sa/sleep";
    private static final String ROGUE = "cluster.local/ns/rogue/sa/miner";

    private static Authorizer compile(String yaml) {
        LoadResult result = FolderLoader.fromFiles(Map.of("authz.yaml", yaml));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY).authorizer();
    }

    private static String policy(String name, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: %s, namespace: istio-system}
                spec:
                """.formatted(name) + spec.indent(2) + "---\n";
    }

    private static AuthzRequest request(String principal, String source, String sni, int port) throws Exception {
        String ns = principal == null ? null : principal.split("/")[2];
        return new AuthzRequest(principal, ns, InetAddress.getByName(source), InetAddress.getByName("10.0.0.1"), port,
                sni, sni);
    }

    @Test
    void withoutPoliciesEverythingPasses() throws Exception {
        Authorizer a = compile("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: x}
                spec: {hosts: [x.example], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                """);
        assertThat(a.isEmpty()).isTrue();
        assertThat(a.evaluate(request(null, "10.1.1.1", null, 443)).allowed()).isTrue();
    }

    @Test
    void onceAnAllowPolicyAppliesWhatItDoesNotMatchIsDenied() throws Exception {
        Authorizer a = compile(policy("allow-sleep-to-mongo", """
                action: ALLOW
                rules:
                - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                  to: [{operation: {hosts: [mongo.example.test], ports: ["443"]}}]
                """));
        AuthzResult ok = a.evaluate(request(SLEEP, "10.1.1.1", "mongo.example.test", 443));
        assertThat(ok.allowed()).isTrue();
        assertThat(ok.message()).isEqualTo("allowed by AuthorizationPolicy/istio-system/allow-sleep-to-mongo rules[0]");

        AuthzResult rogue = a.evaluate(request(ROGUE, "10.1.1.2", "mongo.example.test", 443));
        assertThat(rogue.allowed()).isFalse();
        assertThat(rogue.policy()).hasToString("AuthorizationPolicy/istio-system/allow-sleep-to-mongo");
        assertThat(rogue.message()).isEqualTo("no rule of the ALLOW policies matches cluster.local/ns/rogue/sa/miner from"
                + " 10.1.1.2 to mongo.example.test on port 443 (AuthorizationPolicy/istio-system/allow-sleep-to-mongo)");
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", "other.example.test", 443)).allowed()).isFalse();
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", "mongo.example.test", 8443)).allowed()).isFalse();
        assertThat(a.evaluate(request(null, "10.1.1.1", "mongo.example.test", 443)).allowed()).isFalse();
    }

    @Test
    void denyComesBeforeAllow() throws Exception {
        Authorizer a = compile(policy("allow-all", "rules: [{}]")
                + policy("deny-rogue", """
                action: DENY
                rules:
                - from: [{source: {namespaces: [rogue]}}]
                - when: [{key: connection.sni, values: ["*.evil.test"]}]
                """));
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", "mongo.example.test", 443)).allowed()).isTrue();
        AuthzResult byNamespace = a.evaluate(request(ROGUE, "10.1.1.1", "mongo.example.test", 443));
        assertThat(byNamespace.allowed()).isFalse();
        assertThat(byNamespace.message()).isEqualTo("denied by AuthorizationPolicy/istio-system/deny-rogue rules[0]");
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", "c2.evil.test", 443)).message())
                .isEqualTo("denied by AuthorizationPolicy/istio-system/deny-rogue rules[1]");
    }

    @Test
    void allowNothing() throws Exception {
        Authorizer a = compile(policy("allow-nothing", "{}"));
        AuthzResult r = a.evaluate(request(SLEEP, "10.1.1.1", "mongo.example.test", 443));
        assertThat(r.allowed()).isFalse();
        assertThat(r.policy()).hasToString("AuthorizationPolicy/istio-system/allow-nothing");
    }

    @Test
    void prefixSuffixAndNegatedMatches() throws Exception {
        Authorizer a = compile(policy("mixed", """
                rules:
                - from:
                  - source: {principals: ["cluster.local/ns/default/*"], notPrincipals: ["*/sa/legacy"]}
                  - source: {ipBlocks: [192.168.0.0/16], notIpBlocks: [192.168.9.0/24]}
                  when:
                  - {key: destination.port, notValues: ["25"]}
                  - {key: destination.ip, values: [10.0.0.0/24]}
                """));
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", null, 443)).allowed()).isTrue();
        assertThat(a.evaluate(request("cluster.local/ns/default/sa/legacy", "10.1.1.1", null, 443)).allowed()).isFalse();
        assertThat(a.evaluate(request(null, "192.168.1.1", null, 443)).allowed()).isTrue();
        assertThat(a.evaluate(request(null, "192.168.9.1", null, 443)).allowed()).isFalse();
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", null, 25)).allowed()).isFalse();
    }

    @Test
    void aMissingIdentityMatchesNotPrincipalsButNeverPrincipals() throws Exception {
        Authorizer a = compile(policy("deny-anonymous", """
                action: DENY
                rules: [{from: [{source: {notPrincipals: ["*"]}}]}]
                """));
        assertThat(a.evaluate(request(null, "10.1.1.1", null, 443)).allowed()).isFalse();
        assertThat(a.evaluate(request(SLEEP, "10.1.1.1", null, 443)).allowed()).isTrue();
    }

    @Test
    void stringMatchIsIstios() {
        assertThat(Authorizer.stringMatch("*", "x")).isTrue();
        assertThat(Authorizer.stringMatch("abc*", "abcdef")).isTrue();
        assertThat(Authorizer.stringMatch("*def", "abcdef")).isTrue();
        assertThat(Authorizer.stringMatch("abc", "abcdef")).isFalse();
        assertThat(Authorizer.stringMatch("*", null)).isFalse();
    }
}
