package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Explanation.Finding;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link EgressPolicy#explain}: the decision, the resources behind it, and the nearest misses of a refusal. */
class PolicyExplainerTest {
    private static EgressPolicy policy(String yaml) {
        LoadResult r = FolderLoader.fromFiles(Map.of("test.yaml", yaml));
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static EgressPolicy article(String file) throws IOException {
        return policy(Files.readString(Path.of("examples/articles", file)));
    }

    private static String entry(String name, String hosts, String extra) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts: %s
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                %s""".formatted(name, hosts, extra.indent(2));
    }

    private static Explanation check(EgressPolicy p, String host, int port) {
        return p.explain(new CheckQuery(host, port, null, null));
    }

    @Test
    void anAllowedConnectionNamesTheEntryHostAndPort() throws IOException {
        Explanation e = check(article("01-https-googleapis-serviceentry.yaml"), "www.googleapis.com", 443);
        assertThat(e.decision().allowed()).isTrue();
        assertThat(e.path()).isEqualTo("explicit proxy (CONNECT www.googleapis.com:443)");
        assertThat(e.matched()).extracting(Finding::toString).first().asString()
                .contains("ServiceEntry/default/googleapis", "declares www.googleapis.com on port https 443/HTTPS");
        assertThat(e.nearMisses()).isEmpty();
    }

    @Test
    void theRightHostOnTheWrongPortIsTheNearestMiss() throws IOException {
        Explanation e = check(article("01-https-googleapis-serviceentry.yaml"), "www.googleapis.com", 80);
        assertThat(e.decision().allowed()).isFalse();
        assertThat(e.decision().reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(e.nearMisses()).singleElement().satisfies(f -> {
            assertThat(f.resource().toString()).isEqualTo("ServiceEntry/default/googleapis");
            assertThat(f.detail()).isEqualTo("declares www.googleapis.com on port 443, not on 80");
        });
    }

    @Test
    void aWildcardDoesNotCoverItsOwnDomainAndTheCheckSaysSo() {
        EgressPolicy p = policy(entry("g", "[\"*.googleapis.com\"]", "resolution: NONE"));
        Explanation e = check(p, "googleapis.com", 443);
        assertThat(e.decision().allowed()).isFalse();
        assertThat(e.nearMisses()).singleElement().extracting(Finding::detail).asString()
                .contains("does not match googleapis.com itself", "add googleapis.com to its hosts");
    }

    @Test
    void anotherHostOfTheSameDomainIsANearMissButAnUnrelatedHostIsNot() throws IOException {
        EgressPolicy p = article("01-https-googleapis-serviceentry.yaml");
        assertThat(check(p, "storage.googleapis.com", 443).nearMisses()).singleElement().extracting(Finding::detail)
                .asString().contains("declares www.googleapis.com on port 443", "same domain (googleapis.com)");
        assertThat(check(p, "api.other.test", 443).nearMisses()).isEmpty();
    }

    @Test
    void addressesEndpointsAndHostsAreToldApart() throws IOException {
        EgressPolicy mysql = article("03-mysql-tcp-egressrule-v1alpha2.yaml");
        Explanation ok = check(mysql, "127.0.0.1", 3306);
        assertThat(ok.decision().allowed()).isTrue();
        assertThat(ok.matched()).first().extracting(Finding::detail).asString().startsWith("covers 127.0.0.1 (127.0.0.1/32)");
        assertThat(check(mysql, "127.0.0.1", 3307).nearMisses()).singleElement().extracting(Finding::detail)
                .isEqualTo("covers 127.0.0.1 (127.0.0.1/32) on port 3306, not on 3307");

        EgressPolicy statik = policy(entry("s", "[db.internal.test]",
                "resolution: STATIC\nendpoints: [{address: 10.1.2.3}]"));
        assertThat(check(statik, "10.1.2.3", 443).nearMisses()).singleElement().extracting(Finding::detail)
                .asString().contains("has the endpoint 10.1.2.3", "spec.addresses");
    }

    /** {@code check 010.0.0.1} decides what the proxy decides for it: 8.0.0.1, as inet_aton and the clients read it. */
    @Test
    void theCheckReadsAnAddressAsTheProxyDoes() {
        EgressPolicy p = policy("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: eight}
                spec:
                  hosts: [eight.internal.test]
                  addresses: [8.0.0.1/32]
                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                  resolution: NONE
                """);
        Explanation octal = check(p, "010.0.0.1", 5432);
        assertThat(octal.decision().allowed()).isTrue();
        assertThat(octal.notes()).anySatisfy(n -> assertThat(n).contains("reads the host 010.0.0.1 as 8.0.0.1"));
        assertThat(check(p, "10.0.0.1", 5432).decision().allowed()).isFalse();
        assertThat(check(p, "0x8.0.0.1", 5432).decision().allowed()).isTrue();
    }

    @Test
    void aTlsPassthroughListenerIsCheckedBySniWithItsGatewayAndRoute() throws IOException {
        EgressPolicy p = article("09-mongo-tls-via-egress-gateway-passthrough.yaml");
        Explanation ok = p.explain(new CheckQuery("127.0.0.1", 443, "mongo.example.test", null));
        assertThat(ok.path()).startsWith("Gateway listener tls_443");
        assertThat(ok.decision().allowed()).isTrue();
        assertThat(ok.matched()).extracting(f -> f.resource().toString()).containsExactly(
                "Gateway/default/istio-egressgateway", "VirtualService/default/direct-mongo-through-egress-gateway",
                "ServiceEntry/default/mongo");

        Explanation wrong = p.explain(new CheckQuery("127.0.0.1", 443, "evil.example.test", "spiffe://cluster.local/ns/a/sa/b"));
        assertThat(wrong.decision().reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(wrong.nearMisses()).singleElement().extracting(Finding::detail).asString()
                .contains("serves hosts [mongo.example.test] on port 443");
        assertThat(wrong.notes()).noneSatisfy(n -> assertThat(n).contains("enforces no AuthorizationPolicy"));

        Explanation proxy = p.explain(new CheckQuery("mongo.example.test", 443, null, null));
        assertThat(proxy.path()).startsWith("explicit proxy");
        assertThat(proxy.notes()).anySatisfy(n -> assertThat(n).contains("Gateway listener (tls_443)", "--sni"));
    }

    private static final String AUTHZ = """
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: mongo-for-ratings, namespace: istio-system}
            spec:
              action: ALLOW
              rules:
              - from: [{source: {principals: [cluster.local/ns/default/sa/ratings]}}]
            """;

    @Test
    void anAuthorizationPolicyDecidesAsAtTheListenerAndIsNamed() throws IOException {
        EgressPolicy p = policy(Files.readString(Path.of("examples/articles",
                "09-mongo-tls-via-egress-gateway-passthrough.yaml")) + AUTHZ);
        Explanation ratings = p.explain(new CheckQuery("127.0.0.1", 443, "mongo.example.test",
                "spiffe://cluster.local/ns/default/sa/ratings"));
        assertThat(ratings.decision().allowed()).isTrue();
        assertThat(ratings.matched()).extracting(f -> f.resource().toString())
                .contains("AuthorizationPolicy/istio-system/mongo-for-ratings");

        Explanation miner = p.explain(new CheckQuery("127.0.0.1", 443, "mongo.example.test",
                "spiffe://cluster.local/ns/rogue/sa/miner"));
        assertThat(miner.decision().reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(miner.decision().message()).contains("cluster.local/ns/rogue/sa/miner");
        assertThat(miner.matched()).extracting(f -> f.resource().toString())
                .contains("AuthorizationPolicy/istio-system/mongo-for-ratings");

        // The explicit proxy: routed first, then authorized; a caller without --from has no principal.
        Explanation anonymous = p.explain(new CheckQuery("mongo.example.test", 443, null, null));
        assertThat(anonymous.decision().reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(anonymous.notes()).anySatisfy(n -> assertThat(n).contains("no --from given"));
    }

    @Test
    void theChecksStillOwedOnceBytesArriveAreNamed() throws IOException {
        EgressPolicy p = article("01-https-googleapis-serviceentry.yaml");
        Explanation e = p.explain(new CheckQuery("www.googleapis.com", 443, null, null));
        assertThat(e.decision().allowed()).isTrue();
        assertThat(e.notes()).contains("once the tunnel is open, a TLS SNI or an HTTP Host in its first bytes must name"
                + " www.googleapis.com (or a host allowed on its own), else sni_mismatch or host_mismatch");
    }

    @Test
    void theSsrfGuardsViewIsPartOfTheAnswer() {
        EgressPolicy allowAny = EgressPolicy.compile(FolderLoader.fromFiles(Map.of()).resources(), OutboundPolicy.ALLOW_ANY);
        Explanation loopback = allowAny.explain(new CheckQuery("127.0.0.1", 6379, null, null));
        assertThat(loopback.decision().reason()).isEqualTo(Reason.PRIVATE_ADDRESS);
        assertThat(loopback.decision().message()).contains("127.0.0.1 is loopback", "--allow-private is not set");
        Explanation allowed = allowAny.explain(new CheckQuery("127.0.0.1", 6379, null, null),
                new PrivateAddressGuard(java.util.List.of(io.portcullis.model.Cidr.parse("127.0.0.0/8"))));
        assertThat(allowed.decision().allowed()).isTrue();
        Explanation name = allowAny.explain(new CheckQuery("api.example.test", 443, null, null));
        assertThat(name.decision().allowed()).isTrue();
        assertThat(name.notes()).anySatisfy(n -> assertThat(n).contains("SSRF guard checks the addresses"));
    }
}
