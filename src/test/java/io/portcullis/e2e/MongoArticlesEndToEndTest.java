package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.MongoProbe;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "Consuming External MongoDB Services", every topology, end to end: the official MongoDB driver
 * in an app namespace (its own JVM, unchanged: it connects to the database's address or name),
 * the sidecar capturing it, the egress gateway in this JVM, and a MongoDB wire-protocol server
 * (mongo-java-server; a second one with TLS for the TLS sections). The articles' YAML on free
 * ports: {@code $MONGODB_IP} is the host side of the namespace's veth.
 */
class MongoArticlesEndToEndTest {
    private static final Duration PROBE = Duration.ofSeconds(90);
    private static final String GATEWAY = "istio-egressgateway.istio-system.svc.cluster.local";
    private static final String SNI_GATEWAY = "istio-egressgateway-with-sni-proxy.istio-system.svc.cluster.local";

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;
    static Path gatewayCerts;
    static Path appCerts;
    static Path caPem;
    static MongoServer mongo;
    static MongoServer mongoTls;
    static int mongoPort;
    static int mongoTlsPort;

    @BeforeAll
    static void setUp() throws Exception {
        lab = NetnsLab.create(1);
        app = lab.app(0);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
        app.hosts(app.hostIp() + " mongo.example.test", app.hostIp() + " db1.example.test");
        MeshCerts mesh = MeshCerts.create(tmp.resolve("mesh"));
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        appCerts = mesh.issue("default", "mongo-client");

        mongo = new MongoServer(new MemoryBackend());
        mongo.bind(app.hostIp(), 0);
        mongoPort = mongo.getLocalAddress().getPort();
        TestCa ca = TestCa.create("mongo ca");
        caPem = ca.writeCaPem(tmp.resolve("mongo-ca.pem"));
        TestCa.Leaf leaf = ca.issueServer("mongo.example.test", "*.example.test");
        mongoTls = new MongoServer(new MemoryBackend());
        mongoTls.enableSsl(leaf.privateKey(), null, leaf.chain().toArray(new X509Certificate[0]));
        mongoTls.bind(app.hostIp(), 0);
        mongoTlsPort = mongoTls.getLocalAddress().getPort();
    }

    @AfterAll
    static void tearDown() {
        if (mongo != null) {
            mongo.shutdownNow();
        }
        if (mongoTls != null) {
            mongoTls.shutdownNow();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** One topology: its configuration, what the app connects to, and which gateway listener (if any) it crosses. */
    record Topology(String name, String yaml, String uri, boolean tls, String gatewayListener, boolean mutualTls) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> topologies() {
        String ip = "%IP%";
        String tcpEntry = """
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata:
                  name: mongo
                spec:
                  hosts: [my-mongo.tcp.svc]
                  addresses: [%IP%/32]
                  ports:
                  - {number: %M%, name: tcp, protocol: TCP}
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints:
                  - address: %IP%
                """;
        String tcpUri = "mongodb://" + ip + ":%M%/?directConnection=true";
        String tlsUri = "mongodb://mongo.example.test:%MT%/?directConnection=true";
        return Stream.of(
                Arguments.of(new Topology("04 TCP, no gateway", tcpEntry, tcpUri, false, null, false)),
                Arguments.of(new Topology("05 TCP via the egress gateway", tcpEntry + "---\n" + """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: Gateway
                        metadata:
                          name: istio-egressgateway
                        spec:
                          selector: {istio: egressgateway}
                          servers:
                          - port: {number: %G%, name: tcp, protocol: TCP}
                            hosts: [my-mongo.tcp.svc]
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: DestinationRule
                        metadata:
                          name: egressgateway-for-mongo
                        spec:
                          host: %GW%
                          subsets:
                          - name: mongo
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: DestinationRule
                        metadata:
                          name: mongo
                        spec:
                          host: my-mongo.tcp.svc
                        ---
                        """ + tcpVirtualService(), tcpUri, false, "tcp_%G%", false)),
                Arguments.of(new Topology("06 TCP via the gateway, mutual TLS", tcpEntry + "---\n" + """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: Gateway
                        metadata:
                          name: istio-egressgateway
                        spec:
                          selector: {istio: egressgateway}
                          servers:
                          - port: {number: %G%, name: tls, protocol: TLS}
                            hosts: [my-mongo.tcp.svc]
                            tls:
                              mode: MUTUAL
                              serverCertificate: /etc/certs/cert-chain.pem
                              privateKey: /etc/certs/key.pem
                              caCertificates: /etc/certs/root-cert.pem
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: DestinationRule
                        metadata:
                          name: egressgateway-for-mongo
                        spec:
                          host: %GW%
                          subsets:
                          - name: mongo
                            trafficPolicy:
                              loadBalancer: {simple: ROUND_ROBIN}
                              portLevelSettings:
                              - port: {number: %G%}
                                tls: {mode: ISTIO_MUTUAL, sni: my-mongo.tcp.svc}
                        ---
                        """ + tcpVirtualService(), tcpUri, false, "tls_%G%", true)),
                Arguments.of(new Topology("07 TLS, no gateway", """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: ServiceEntry
                        metadata:
                          name: mongo
                        spec:
                          hosts: [mongo.example.test]
                          ports:
                          - {number: %MT%, name: tls, protocol: TLS}
                          resolution: DNS
                        """, tlsUri, true, null, false)),
                Arguments.of(new Topology("08 TLS via the gateway, mutual TLS", tlsEntry() + """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: Gateway
                        metadata:
                          name: istio-egressgateway
                        spec:
                          selector: {istio: egressgateway}
                          servers:
                          - port: {number: %G%, name: tls, protocol: TLS}
                            hosts: [mongo.example.test]
                            tls:
                              mode: MUTUAL
                              serverCertificate: /etc/certs/cert-chain.pem
                              privateKey: /etc/certs/key.pem
                              caCertificates: /etc/certs/root-cert.pem
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: DestinationRule
                        metadata:
                          name: egressgateway-for-mongo
                        spec:
                          host: %GW%
                          subsets:
                          - name: mongo
                            trafficPolicy:
                              portLevelSettings:
                              - port: {number: %G%}
                                tls: {mode: ISTIO_MUTUAL, sni: mongo.example.test}
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: VirtualService
                        metadata:
                          name: direct-mongo-through-egress-gateway
                        spec:
                          hosts: [mongo.example.test]
                          gateways: [mesh, istio-egressgateway]
                          tls:
                          - match:
                            - gateways: [mesh]
                              port: %MT%
                              sni_hosts: [mongo.example.test]
                            route:
                            - destination: {host: %GW%, subset: mongo, port: {number: %G%}}
                          tcp:
                          - match:
                            - gateways: [istio-egressgateway]
                              port: %G%
                            route:
                            - destination: {host: mongo.example.test, port: {number: %MT%}}
                              weight: 100
                        """, tlsUri, true, "tls_%G%", true)),
                Arguments.of(new Topology("09 TLS via the gateway, passthrough", tlsEntry() + """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: Gateway
                        metadata:
                          name: istio-egressgateway
                        spec:
                          selector: {istio: egressgateway}
                          servers:
                          - port: {number: %G%, name: tls, protocol: TLS}
                            hosts: [mongo.example.test]
                            tls: {mode: PASSTHROUGH}
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: DestinationRule
                        metadata:
                          name: egressgateway-for-mongo
                        spec:
                          host: %GW%
                          subsets:
                          - name: mongo
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: VirtualService
                        metadata:
                          name: direct-mongo-through-egress-gateway
                        spec:
                          hosts: [mongo.example.test]
                          gateways: [mesh, istio-egressgateway]
                          tls:
                          - match:
                            - gateways: [mesh]
                              port: %MT%
                              sni_hosts: [mongo.example.test]
                            route:
                            - destination: {host: %GW%, subset: mongo, port: {number: %G%}}
                          - match:
                            - gateways: [istio-egressgateway]
                              port: %G%
                              sni_hosts: [mongo.example.test]
                            route:
                            - destination: {host: mongo.example.test, port: {number: %MT%}}
                              weight: 100
                        """, tlsUri, true, "tls_%G%", false)),
                Arguments.of(new Topology("10 wildcard TLS via the SNI-proxying gateway", """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: ServiceEntry
                        metadata:
                          name: mongo
                        spec:
                          hosts: ["*.example.test"]
                          ports:
                          - {number: %MT%, name: tls-mongodb, protocol: TLS}
                          location: MESH_EXTERNAL
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: Gateway
                        metadata:
                          name: istio-egressgateway-with-sni-proxy
                        spec:
                          selector: {istio: egressgateway-with-sni-proxy}
                          servers:
                          - port: {number: %G%, name: tls, protocol: TLS}
                            hosts: ["*.example.test"]
                            tls:
                              mode: MUTUAL
                              serverCertificate: /etc/certs/cert-chain.pem
                              privateKey: /etc/certs/key.pem
                              caCertificates: /etc/certs/root-cert.pem
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: DestinationRule
                        metadata:
                          name: mtls-for-egress-gateway
                        spec:
                          host: %SNIGW%
                          subsets:
                          - name: mongo
                            trafficPolicy:
                              loadBalancer: {simple: ROUND_ROBIN}
                              portLevelSettings:
                              - port: {number: %G%}
                                tls: {mode: ISTIO_MUTUAL}
                        ---
                        apiVersion: networking.istio.io/v1alpha3
                        kind: VirtualService
                        metadata:
                          name: direct-mongo-through-egress-gateway
                        spec:
                          hosts: ["*.example.test"]
                          gateways: [mesh, istio-egressgateway-with-sni-proxy]
                          tls:
                          - match:
                            - gateways: [mesh]
                              port: %MT%
                              sni_hosts: ["*.example.test"]
                            route:
                            - destination: {host: %SNIGW%, subset: mongo, port: {number: %G%}}
                              weight: 100
                        """, "mongodb://db1.example.test:%MT%/?directConnection=true", true, "tls_%G%", true)));
    }

    private static String tcpVirtualService() {
        return """
                apiVersion: networking.istio.io/v1alpha3
                kind: VirtualService
                metadata:
                  name: direct-mongo-through-egress-gateway
                spec:
                  hosts: [my-mongo.tcp.svc]
                  gateways: [mesh, istio-egressgateway]
                  tcp:
                  - match:
                    - gateways: [mesh]
                      destinationSubnets: [%IP%/32]
                      port: %M%
                    route:
                    - destination: {host: %GW%, subset: mongo, port: {number: %G%}}
                  - match:
                    - gateways: [istio-egressgateway]
                      port: %G%
                    route:
                    - destination: {host: my-mongo.tcp.svc, port: {number: %M%}}
                      weight: 100
                """;
    }

    private static String tlsEntry() {
        return """
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata:
                  name: mongo
                spec:
                  hosts: [mongo.example.test]
                  ports:
                  - {number: %MT%, name: tls, protocol: TLS}
                  - {number: %G%, name: tls-port-for-egress-gateway, protocol: TLS}
                  resolution: DNS
                  location: MESH_EXTERNAL
                ---
                """;
    }

    /** Placeholders: they are resolved once the namespace (and so the addresses) exist. */
    private static String fill(String text, int gatewayPort) {
        return text.replace("%G%", String.valueOf(gatewayPort)).replace("%GW%", GATEWAY).replace("%SNIGW%", SNI_GATEWAY);
    }

    private static String addresses(String text) {
        return text.replace("%IP%", app.hostIp()).replace("%MT%", String.valueOf(mongoTlsPort))
                .replace("%M%", String.valueOf(mongoPort));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void theMongoDriverReachesTheDatabase(Topology t) throws Exception {
        List<String> names = List.of(app.hostIp() + " mongo.example.test", app.hostIp() + " db1.example.test",
                app.hostIp() + " " + GATEWAY, app.hostIp() + " " + SNI_GATEWAY);
        Path sidecarHosts = Files.writeString(Files.createTempFile(tmp, "hosts", ".txt"), String.join("\n", names) + "\n");
        try (RunningGateway g = RunningGateway.startWithHosts(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getByName("0.0.0.0")), MeshOptions.gateway(gatewayCerts), names)) {
            // %G%, the gateway's port, is named in the YAML: picked free, and again should another process take it.
            int gatewayPort = t.gatewayListener() == null ? 0 : g.applyOnFreePort("mongo.yaml",
                    p -> addresses(fill(t.yaml(), p)));
            if (t.gatewayListener() == null) {
                g.apply("mongo.yaml", addresses(fill(t.yaml(), gatewayPort)));
            }
            try (SidecarProcess sidecar = SidecarProcess.start(app, g.config.path(), appCerts, sidecarHosts)) {
                String uri = addresses(fill(t.uri(), gatewayPort));
                Cli.Result probe = t.tls()
                        ? app.exec(PROBE, java(), "-cp", System.getProperty("java.class.path"), MongoProbe.class.getName(),
                                uri, caPem.toString())
                        : app.exec(PROBE, java(), "-cp", System.getProperty("java.class.path"), MongoProbe.class.getName(),
                                uri);
                assertThat(probe.stdout()).as(probe.toString()).contains("found {\"_id\"", "\"item\": \"egress\"");

                String sidecarLine = sidecar.awaitAccessLine(l -> l.contains("decision=allowed"));
                assertThat(sidecarLine).contains("resource=ServiceEntry/default/mongo");
                if (t.gatewayListener() == null) {
                    assertThat(g.accessLines()).noneMatch(l -> l.contains("decision="));
                    assertThat(sidecarLine).contains("upstream=" + app.hostIp() + ":");
                } else {
                    String listener = fill(t.gatewayListener(), gatewayPort);
                    String line = g.awaitAccessLine(l -> l.contains("listener=" + listener)
                            && l.contains("decision=allowed"));
                    assertThat(line).contains("upstream=" + app.hostIp() + ":" + (t.tls() ? mongoTlsPort : mongoPort));
                    if (t.mutualTls()) {
                        assertThat(line).contains("source_principal=spiffe://cluster.local/ns/default/sa/mongo-client");
                    }
                }
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
