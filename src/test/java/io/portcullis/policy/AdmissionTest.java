package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.ResourceId;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link Admission#admit} per listener kind: the facts a listener gathers go in, one verdict comes
 * out, authorization included, in the same order for every kind (routed first, then authorized).
 */
class AdmissionTest {
    private static final InetSocketAddress GATEWAY_LOCAL = new InetSocketAddress(address("127.0.0.1"), 443);
    private static final InetSocketAddress CALLER = new InetSocketAddress(address("127.0.0.9"), 40000);

    private static final String BOOKS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: books}
            spec:
              hosts: [books.example.test]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 443, name: http-port-for-tls-origination, protocol: HTTP}
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: books}
            spec:
              host: books.example.test
              trafficPolicy:
                portLevelSettings:
                - port: {number: 443}
                  tls: {mode: SIMPLE}
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress}
            spec:
              servers:
              - port: {number: 8080, name: http, protocol: HTTP}
                hosts: [books.example.test]
            """;

    private static final String DENY_LOOPBACK_CALLERS = """
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: no-loopback-callers, namespace: istio-system}
            spec:
              action: DENY
              rules: [{from: [{source: {ipBlocks: [127.0.0.0/8]}}]}]
            """;

    private static final String MONGO_FOR_RATINGS = """
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
    void connectToADeclaredHostIsForwardedAndOwesTheTunnelCheck() throws IOException {
        EgressPolicy p = article("01-https-googleapis-serviceentry.yaml");
        Verdict v = Admission.admit(p, connect("WWW.GoogleAPIs.com", 443).build());
        Verdict.Forward f = forward(v);
        assertThat(f.reason()).isEqualTo(Reason.DECLARED);
        assertThat(f.resource()).map(Object::toString).hasValue("ServiceEntry/default/googleapis");
        assertThat(f.requested()).map(HostPort::toString).hasValue("WWW.GoogleAPIs.com:443");
        assertThat(f.owed()).containsExactly(new OwedCheck.TunnelNamesAuthority("WWW.GoogleAPIs.com", 443));
        assertThat(f.origination()).isEmpty();
        assertThat(f.authorization().policy()).isNull();
    }

    @Test
    void undeclaredIsRefusedUnderRegistryOnlyAndPassedUnderAllowAny() throws IOException {
        Verdict refused = Admission.admit(article("01-https-googleapis-serviceentry.yaml"),
                connect("api.other.test", 443).build());
        assertThat(refused).isInstanceOf(Verdict.Refusal.class);
        assertThat(refused.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(refused.message()).isEqualTo("no ServiceEntry allows api.other.test:443");
        assertThat(refused.resource()).isEmpty();
        assertThat(refused.requested()).map(HostPort::toString).hasValue("api.other.test:443");

        Verdict passed = Admission.admit(compile(OutboundPolicy.ALLOW_ANY, ""), connect("api.other.test", 443).build());
        Verdict.Forward f = forward(passed);
        assertThat(f.reason()).isEqualTo(Reason.UNDECLARED_ALLOWED);
        assertThat(f.matched()).isEmpty();
        assertThat(f.target().candidates()).singleElement().hasToString("api.other.test:443");
        // Nothing declares the port opaque: the tunnel's first bytes must still name the authority.
        assertThat(f.owed()).hasSize(1);
    }

    @Test
    void aConnectToAnOpaqueTcpPortOwesNoTunnelCheck() throws IOException {
        EgressPolicy p = article("03-mysql-tcp-egressrule-v1alpha2.yaml");
        InetAddress ip = address("127.0.0.1");
        Verdict v = Admission.admit(p, Facts.of(ListenerKind.EXPLICIT_CONNECT, 3128)
                .authority(new HostPort("127.0.0.1", 3306, Optional.of(ip))).build());
        assertThat(forward(v).owed()).isEmpty();
        assertThat(forward(v).protocol()).isPresent();
    }

    @Test
    void anAbsoluteUriRequestCarriesTheTlsToOriginate() {
        EgressPolicy p = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS);
        Verdict.Forward tls = forward(Admission.admit(p, Facts.of(ListenerKind.EXPLICIT_HTTP, 3128)
                .authority(HostPort.ofName("books.example.test", 443)).http("GET", "/", RequestHeaders.NONE).build()));
        assertThat(tls.origination()).map(o -> o.rule().toString()).hasValue("DestinationRule/default/books");
        assertThat(tls.origination().get().tls().mode()).isEqualTo(ClientTlsMode.SIMPLE);
        Verdict.Forward plain = forward(Admission.admit(p, Facts.of(ListenerKind.EXPLICIT_HTTP, 3128)
                .authority(HostPort.ofName("books.example.test", 80)).build()));
        assertThat(plain.origination()).isEmpty();
        // A CONNECT is a tunnel: the client speaks TLS itself, nothing is originated.
        assertThat(forward(Admission.admit(p, connect("books.example.test", 443).build())).origination()).isEmpty();
    }

    @Test
    void authorizationRefusesWhatWouldBeForwardedOnEveryGatewayKind() throws IOException {
        EgressPolicy http = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS + DENY_LOOPBACK_CALLERS);
        Verdict byProxy = Admission.admit(http, connect("books.example.test", 443).remote(CALLER).build());
        assertThat(byProxy.reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(byProxy.resource()).map(Object::toString).hasValue("AuthorizationPolicy/istio-system/no-loopback-callers");
        assertThat(byProxy.message()).isEqualTo("denied by AuthorizationPolicy/istio-system/no-loopback-callers rules[0]");
        // Like every refusal, it names what the client asked for (into the black hole, under that name).
        assertThat(byProxy.requested()).map(HostPort::toString).hasValue("books.example.test:443");
        // Routed first: a destination nobody declared is refused for that, whoever calls.
        assertThat(Admission.admit(http, connect("other.test", 443).remote(CALLER).build()).reason())
                .isEqualTo(Reason.NO_SERVICE_ENTRY);
        EgressPolicy gateway = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS.replace(
                "- {number: 80, name: http, protocol: HTTP}\n", "") + DENY_LOOPBACK_CALLERS);
        assertThat(Admission.admit(gateway, Facts.of(ListenerKind.HTTP_GATEWAY, 8080).listener(gateway.listener(8080))
                .remote(CALLER).host(HostPort.ofName("books.example.test", 8080)).build()).reason())
                .isEqualTo(Reason.AUTHZ_DENIED);

        EgressPolicy tls = policy(text("09-mongo-tls-via-egress-gateway-passthrough.yaml") + DENY_LOOPBACK_CALLERS);
        assertThat(Admission.admit(tls, passthrough(tls, "mongo.example.test").remote(CALLER).build()).reason())
                .isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(Admission.admit(tls, passthrough(tls, "other.example.test").remote(CALLER).build()).reason())
                .isEqualTo(Reason.NOT_GATEWAY_HOST);

        EgressPolicy tcp = policy(text("04-mongo-tcp-serviceentry.yaml") + "---\n" + text("05-mongo-tcp-via-egress-gateway.yaml")
                + DENY_LOOPBACK_CALLERS);
        assertThat(Admission.admit(tcp, Facts.of(ListenerKind.TCP, 7777).listener(tcp.listener(7777))
                .local(GATEWAY_LOCAL).remote(CALLER).build()).reason()).isEqualTo(Reason.AUTHZ_DENIED);
    }

    @Test
    void tlsPassthroughRoutesBySni() throws IOException {
        EgressPolicy p = article("09-mongo-tls-via-egress-gateway-passthrough.yaml");
        Verdict.Forward f = forward(Admission.admit(p, passthrough(p, "mongo.example.test").build()));
        assertThat(f.target().candidates()).singleElement().hasToString("mongo.example.test:27017");
        assertThat(f.requested()).map(HostPort::toString).hasValue("mongo.example.test:443");
        assertThat(f.owed()).isEmpty();
        Verdict refused = Admission.admit(p, passthrough(p, "other.example.test").build());
        assertThat(refused.reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(refused.requested()).map(HostPort::toString).hasValue("other.example.test:443");
    }

    @Test
    void aTcpListenerFollowsItsRouteAndNamesNothingRequested() throws IOException {
        EgressPolicy p = article("04-mongo-tcp-serviceentry.yaml", "05-mongo-tcp-via-egress-gateway.yaml");
        Verdict.Forward f = forward(Admission.admit(p, Facts.of(ListenerKind.TCP, 7777).listener(p.listener(7777))
                .local(GATEWAY_LOCAL).build()));
        assertThat(f.target().candidates()).singleElement().hasToString("127.0.0.1:27017");
        assertThat(f.resource()).map(Object::toString).hasValue("ServiceEntry/default/mongo");
        assertThat(f.requested()).isEmpty();
    }

    @Test
    void aPlainHttpGatewayServerRoutesByHostAndRefusesAddresses() {
        EgressPolicy p = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS.replace("- {number: 80, name: http, protocol: HTTP}\n", ""));
        Facts.Builder gateway = Facts.of(ListenerKind.HTTP_GATEWAY, 8080).listener(p.listener(8080));
        Verdict.Forward f = forward(Admission.admit(p, gateway.host(HostPort.ofName("Books.Example.Test", 8080)).build()));
        assertThat(f.servicePort(8080)).isEqualTo(443);
        assertThat(f.origination()).isPresent();
        Verdict ip = Admission.admit(p, Facts.of(ListenerKind.HTTP_GATEWAY, 8080).listener(p.listener(8080))
                .host(new HostPort("127.0.0.1", 8080, Optional.of(address("127.0.0.1")))).build());
        assertThat(ip.reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(ip.message()).isEqualTo("Host 127.0.0.1 is an IP address; a Gateway server routes by host name");
    }

    @Test
    void aGatewayRequestAnHttpRouteSendsOnIsDecidedByTheRoutesDestination() {
        String api = """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.test]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """;
        EgressPolicy p = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS + api);
        Facts.Builder books = Facts.of(ListenerKind.HTTP_GATEWAY, 8080).listener(p.listener(8080)).remote(CALLER)
                .host(HostPort.ofName("books.example.test", 8080));

        Verdict.Forward toApi = forward(Admission.admit(p, books.routedTo(route("api.example.test", 80)).build()));
        assertThat(toApi.resource()).map(Object::toString).hasValue("ServiceEntry/default/api");
        assertThat(toApi.requested()).map(HostPort::toString).hasValue("api.example.test:80");
        assertThat(toApi.origination()).isEmpty();
        Verdict.Forward toBooksTls = forward(Admission.admit(p,
                books.routedTo(route("books.example.test", 443)).build()));
        assertThat(toBooksTls.origination()).as("the destination's DestinationRule").isPresent();

        Verdict undeclared = Admission.admit(p, books.routedTo(route("elsewhere.example.test", 80)).build());
        assertThat(undeclared.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(undeclared.message()).isEqualTo("no ServiceEntry allows elsewhere.example.test:80");

        Verdict notServed = Admission.admit(p, books.host(HostPort.ofName("api.example.test", 8080))
                .routedTo(route("api.example.test", 80)).build());
        assertThat(notServed.reason()).as("the Gateway server must serve the Host, routed or not")
                .isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(notServed.message()).isEqualTo("Host api.example.test is not a host of the Gateway servers on port 8080");

        EgressPolicy denying = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS + api + DENY_LOOPBACK_CALLERS);
        Verdict denied = Admission.admit(denying, Facts.of(ListenerKind.HTTP_GATEWAY, 8080).listener(denying.listener(8080))
                .remote(CALLER).host(HostPort.ofName("books.example.test", 8080))
                .routedTo(route("api.example.test", 80)).build());
        assertThat(denied.reason()).isEqualTo(Reason.AUTHZ_DENIED);
    }

    @Test
    void anExplicitProxyRequestAMeshHttpRouteSendsOnIsDecidedByTheRoutesDestinationAndAuthorizedAsAsked() {
        String api = """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.test]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """;
        String denyBooks = """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: no-books, namespace: istio-system}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {hosts: [books.example.test]}}]}]
                """;
        EgressPolicy p = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS + api);
        Facts.Builder books = Facts.of(ListenerKind.EXPLICIT_HTTP, 3128).remote(CALLER)
                .authority(HostPort.ofName("books.example.test", 80)).host(HostPort.ofName("books.example.test", 80))
                .http("GET", "/", RequestHeaders.NONE);

        Verdict.Forward toApi = forward(Admission.admit(p, books.routedTo(route("api.example.test", 80)).build()));
        assertThat(toApi.resource()).map(Object::toString).hasValue("ServiceEntry/default/api");
        assertThat(toApi.requested()).map(HostPort::toString).hasValue("api.example.test:80");
        assertThat(toApi.routedTo()).as("the entry that allowed is the destination").isEmpty();
        assertThat(forward(Admission.admit(p, books.routedTo(route("books.example.test", 443)).build())).origination())
                .as("the destination's DestinationRule").isPresent();
        Verdict undeclared = Admission.admit(p, books.routedTo(route("elsewhere.example.test", 80)).build());
        assertThat(undeclared.message()).isEqualTo("no ServiceEntry allows elsewhere.example.test:80");

        EgressPolicy denying = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS + api + denyBooks);
        Verdict denied = Admission.admit(denying, books.routedTo(route("api.example.test", 80)).build());
        assertThat(denied.reason()).as("policies see the host the client asked for").isEqualTo(Reason.AUTHZ_DENIED);
    }

    @Test
    void aListenerThatFollowsNoHttpRouteRefusesFactsNamingOne() {
        EgressPolicy p = compile(OutboundPolicy.REGISTRY_ONLY, BOOKS);
        Facts tunnel = connect("books.example.test", 443).routedTo(route("api.example.test", 80)).build();
        assertThatIllegalArgumentException().isThrownBy(() -> Admission.admit(p, tunnel))
                .withMessage("EXPLICIT_CONNECT listeners follow no http route to another destination "
                        + "(api.example.test:80 by VirtualService/default/books-route)");
    }

    /** What an http route bound to the Gateway server, with no subset, sends a request to. */
    private static RoutedDestination route(String host, int port) {
        return new RoutedDestination(new ResourceId("VirtualService", "default", "books-route"), host, Optional.empty(),
                port);
    }

    @Test
    void beforeTheHandshakeOnlyANameNoGatewayServerServesIsRefused() throws IOException {
        EgressPolicy tcpInside = article("04-mongo-tcp-serviceentry.yaml", "06-mongo-tcp-via-egress-gateway-mtls.yaml");
        Facts evil = mutualTls(tcpInside, "Evil.Test").build();
        Optional<Verdict.Refusal> early = Admission.refusalForEveryCaller(tcpInside, evil);
        assertThat(early).as("the refusal admit gives, told before any identity").contains(
                (Verdict.Refusal) Admission.admit(tcpInside, evil));
        assertThat(early.orElseThrow().message()).isEqualTo("SNI evil.test is not a host of the Gateway servers on port 443");
        assertThat(Admission.refusalForEveryCaller(tcpInside, mutualTls(tcpInside, "my-mongo.tcp.svc").build())).isEmpty();
        assertThat(Admission.refusalForEveryCaller(tcpInside, mutualTls(tcpInside, null).build())).isEmpty();

        // A refusal that depends on the caller waits for its identity.
        EgressPolicy ratingsOnly = policy(text("08-mongo-tls-via-egress-gateway-mtls.yaml") + MONGO_FOR_RATINGS);
        Facts anonymous = mutualTls(ratingsOnly, "mongo.example.test").build();
        assertThat(Admission.admit(ratingsOnly, anonymous).reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(Admission.refusalForEveryCaller(ratingsOnly, anonymous)).isEmpty();
    }

    @Test
    void mutualTlsOwesTheInnerSniCheckWhereTheDestinationSpeaksTls() throws IOException {
        EgressPolicy tlsInside = article("08-mongo-tls-via-egress-gateway-mtls.yaml");
        Verdict.Forward f = forward(Admission.admit(tlsInside, mutualTls(tlsInside, "Mongo.Example.Test").build()));
        assertThat(f.owed()).containsExactly(new OwedCheck.InnerSniEquals("mongo.example.test"));

        EgressPolicy tcpInside = article("04-mongo-tcp-serviceentry.yaml", "06-mongo-tcp-via-egress-gateway-mtls.yaml");
        assertThat(forward(Admission.admit(tcpInside, mutualTls(tcpInside, "my-mongo.tcp.svc").build())).owed()).isEmpty();
        assertThat(Admission.admit(tcpInside, mutualTls(tcpInside, "evil.test").build()).reason())
                .isEqualTo(Reason.NOT_GATEWAY_HOST);
    }

    @Test
    void mutualTlsCallersAreAuthorizedByTheirPrincipal() throws IOException {
        EgressPolicy p = policy(text("08-mongo-tls-via-egress-gateway-mtls.yaml") + MONGO_FOR_RATINGS);
        Verdict.Forward ratings = forward(Admission.admit(p, mutualTls(p, "mongo.example.test")
                .peer("spiffe://cluster.local/ns/default/sa/ratings").build()));
        assertThat(ratings.authorization().policy()).hasToString("AuthorizationPolicy/istio-system/mongo-for-ratings");
        Verdict miner = Admission.admit(p, mutualTls(p, "mongo.example.test")
                .peer("spiffe://cluster.local/ns/rogue/sa/miner").build());
        assertThat(miner.reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(miner.resource()).map(Object::toString).hasValue("AuthorizationPolicy/istio-system/mongo-for-ratings");
    }

    @Test
    void theSidecarGivesTheSameVerdictTypeWithItsOwedNameCheckAndUpstreamTls() throws IOException {
        // The gateway's AuthorizationPolicies are the gateway's: a sidecar does not evaluate them.
        EgressPolicy p = policy(text("08-mongo-tls-via-egress-gateway-mtls.yaml") + DENY_LOOPBACK_CALLERS);
        InetSocketAddress original = new InetSocketAddress(address("203.0.113.5"), 27017);
        Verdict.Forward f = forward(Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 27017).remote(CALLER)
                .originalDestination(original).sni("Mongo.Example.TEST").build()));
        assertThat(f.viaGateway()).isTrue();
        assertThat(f.upstreamTls()).map(t -> t.tls().mode()).hasValue(ClientTlsMode.ISTIO_MUTUAL);
        assertThat(f.upstreamTls().flatMap(Verdict.UpstreamTls::sni)).hasValue("mongo.example.test");
        assertThat(f.owed()).containsExactly(new OwedCheck.NameResolvesTo("mongo.example.test", original.getAddress(),
                Optional.empty(), Reason.SNI_MISMATCH));
        assertThat(f.requested()).map(HostPort::toString).hasValue("Mongo.Example.TEST:27017");

        Verdict unnamed = Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 27017)
                .originalDestination(original).build());
        assertThat(unnamed.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(unnamed.message()).isEqualTo("no ServiceEntry allows 203.0.113.5:27017 (the connection named no host: no SNI)");
        assertThat(unnamed.requested()).map(HostPort::toString).hasValue("203.0.113.5:27017");
    }

    @Test
    void aSidecarMeshRouteIsNamedAndAnAddressMatchOwesNoNameCheck() throws IOException {
        EgressPolicy p = article("12-redis-serviceentry.yaml", "14-redis-via-egress-gateway.yaml");
        Verdict.Forward f = forward(Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 6379)
                .originalDestination(new InetSocketAddress(address("127.0.0.1"), 6379)).build()));
        assertThat(f.route()).map(Object::toString).hasValue("VirtualService/default/redis-through-egress-gateway");
        assertThat(f.upstreamTls()).isEmpty();
        assertThat(f.owed()).isEmpty();
    }

    @Test
    void factsCarryThePeersNamespaceAndTheRequestHeaders() {
        Facts.Peer peer = Facts.Peer.of("spiffe://cluster.local/ns/shop/sa/web");
        assertThat(peer.principal()).isEqualTo("cluster.local/ns/shop/sa/web");
        assertThat(peer.namespace()).hasValue("shop");
        assertThat(Facts.Peer.of("cluster.local/sa/x").namespace()).isEmpty();
        Map<String, List<String>> headers = Map.of("x-team", List.of("a", "b"));
        Facts f = connect("books.example.test", 443).http("GET", "/a", headers::get).build();
        assertThat(f.http()).map(h -> h.headers().first("x-team").orElseThrow()).hasValue("a");
        assertThat(f.toBuilder().sni("books.example.test").build().authority()).isEqualTo(f.authority());
    }

    @Test
    void anHttpRequestIsAuthorizedOnItsMethodAndNormalisedPath() {
        EgressPolicy p = policy(BOOKS + """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: no-admin, namespace: istio-system}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {paths: [/admin]}}]}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: gets-only, namespace: istio-system, annotations: {istio.io/dry-run: "true"}}
                spec:
                  action: ALLOW
                  rules: [{to: [{operation: {methods: [GET]}}]}]
                """);
        Facts.Builder get = Facts.of(ListenerKind.EXPLICIT_HTTP, 3128).authority(HostPort.ofName("books.example.test", 80));
        // Spelled another way, the same path: normalised as Envoy's RBAC filter sees it.
        Verdict admin = Admission.admit(p, get.http("GET", "/a/../admin", RequestHeaders.NONE).build());
        assertThat(admin.reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(admin.resource()).map(Object::toString).hasValue("AuthorizationPolicy/istio-system/no-admin");
        // What the dry-run policy would have done stays with the refusal, for the log and the metrics.
        assertThat(admin.dryRun()).singleElement().satisfies(d -> assertThat(d.allowed()).isTrue());
        Verdict delete = Admission.admit(p, get.http("DELETE", "/books", RequestHeaders.NONE).build());
        assertThat(forward(delete).dryRun()).singleElement().satisfies(d -> assertThat(d.allowed()).isFalse());
        // A CONNECT is an HTTP request without a path: a DENY on paths does not match it.
        assertThat(Admission.admit(p, connect("books.example.test", 80).http("CONNECT", "", RequestHeaders.NONE)
                .build()).allowed()).isTrue();
    }

    @Test
    void theCallersNamespaceScopesTheLookupsElseThePolicysOwn() {
        LoadResult r = FolderLoader.fromFiles(Map.of("test.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: team-a}
                spec:
                  hosts: [api.example.test]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: NONE
                  exportTo: [.]
                """));
        assertThat(r.errors()).isEmpty();
        EgressPolicy p = EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY, GatewayLabels.unset(),
                "istio-system");
        assertThat(Admission.admit(p, connect("api.example.test", 443).build()).allowed()).isFalse();
        assertThat(Admission.admit(p, connect("api.example.test", 443).peer("spiffe://cluster.local/ns/team-a/sa/app")
                .build()).allowed()).isTrue();
        assertThat(Admission.admit(p, connect("api.example.test", 443).namespace("team-a").build()).allowed()).isTrue();
        Verdict other = Admission.admit(p, connect("api.example.test", 443).peer("cluster.local/ns/team-b/sa/app").build());
        assertThat(other.message()).contains("not exported to namespace team-b");
    }

    @Test
    void aGatewayServersRequestIsScopedByTheCallersNamespace() {
        LoadResult r = FolderLoader.fromFiles(Map.of("test.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: team-a}
                spec:
                  hosts: [api.example.test]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                  exportTo: [.]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress, namespace: istio-system}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: 80, name: https, protocol: HTTPS}
                    hosts: ["*/api.example.test"]
                    tls: {mode: ISTIO_MUTUAL}
                """));
        assertThat(r.errors()).isEmpty();
        EgressPolicy p = EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY, GatewayLabels.unset(),
                "istio-system");
        Facts.Builder request = Facts.of(ListenerKind.HTTP_GATEWAY, 80).listener(p.listener(80))
                .host(HostPort.ofName("api.example.test", 80));
        assertThat(Admission.admit(p, request.peer("cluster.local/ns/team-a/sa/app").build()).allowed()).isTrue();
        Verdict other = Admission.admit(p, request.peer("cluster.local/ns/team-b/sa/app").build());
        assertThat(other.message()).contains("not exported to namespace team-b");
    }

    private static Facts.Builder connect(String host, int port) {
        return Facts.of(ListenerKind.EXPLICIT_CONNECT, 3128).authority(HostPort.ofName(host, port));
    }

    private static Facts.Builder passthrough(EgressPolicy p, String sni) {
        return Facts.of(ListenerKind.TLS_PASSTHROUGH, 443).listener(p.listener(443)).local(GATEWAY_LOCAL).sni(sni);
    }

    private static Facts.Builder mutualTls(EgressPolicy p, String sni) {
        return Facts.of(ListenerKind.MUTUAL_TLS, 443).listener(p.listener(443)).local(GATEWAY_LOCAL).sni(sni);
    }

    private static Verdict.Forward forward(Verdict v) {
        assertThat(v).as(v.reason() + ": " + v.message()).isInstanceOf(Verdict.Forward.class);
        return (Verdict.Forward) v;
    }

    private static EgressPolicy article(String... files) throws IOException {
        Map<String, String> texts = new LinkedHashMap<>();
        for (String f : files) {
            texts.put(f, text(f));
        }
        LoadResult r = FolderLoader.fromFiles(texts);
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static String text(String article) throws IOException {
        String s = Files.readString(Path.of("examples/articles", article));
        return s.endsWith("\n") ? s : s + "\n";
    }

    private static EgressPolicy policy(String yaml) {
        return compile(OutboundPolicy.REGISTRY_ONLY, yaml);
    }

    private static EgressPolicy compile(OutboundPolicy mode, String yaml) {
        LoadResult r = FolderLoader.fromFiles(yaml.isEmpty() ? Map.of() : Map.of("test.yaml", yaml));
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), mode);
    }

    private static InetAddress address(String literal) {
        return ConnectionReplay.literal(literal);
    }
}
