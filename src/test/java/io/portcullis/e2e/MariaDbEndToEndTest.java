package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.MariaDbServerProcess;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TempConfigDir;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Consuming External TCP Services" (article 03) with the mariadb client in an app namespace and a
 * real mariadbd: the legacy EgressRule by address, straight out; then through the egress gateway
 * over mutual TLS, where the server speaks first (its greeting must cross two TLS handshakes
 * without waiting for the client).
 */
class MariaDbEndToEndTest {
    private static final String GATEWAY = "istio-egressgateway.istio-system.svc.cluster.local";

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;
    static MariaDbServerProcess db;

    @BeforeAll
    static void setUp() {
        Cli.requireCommand("mariadb");
        lab = NetnsLab.create(1);
        app = lab.app(0);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
        db = MariaDbServerProcess.startOn(app.hostIp());
    }

    @AfterAll
    static void tearDown() {
        if (db != null) {
            db.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private Cli.Result query(String sql) {
        return app.exec("mariadb", "--no-defaults", "--connect-timeout=10", "-h", app.hostIp(), "-P",
                String.valueOf(db.port()), "-u", "root", "--batch", "--skip-column-names", "-e", sql);
    }

    @Test
    void theLegacyEgressRuleLetsTheMysqlClientOut() throws Exception {
        try (TempConfigDir config = TempConfigDir.create();
             SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null,
                     Files.writeString(tmp.resolve("hosts-direct"), "\n"))) {
            Cli.Result denied = query("SELECT 1");
            assertThat(denied.exitCode()).isNotZero();

            config.write("mysql.yaml", """
                    apiVersion: config.istio.io/v1alpha2
                    kind: EgressRule
                    metadata:
                      name: mysql
                      namespace: default
                    spec:
                      destination:
                        service: %s/32
                      ports:
                      - port: %d
                        protocol: tcp
                    """.formatted(app.hostIp(), db.port()));
            sidecar.awaitApplied(2);
            Cli.Result answer = query("SELECT 6*7");
            assertThat(answer.stdout().trim()).as(answer.toString()).isEqualTo("42");
            assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                    .contains("resource=EgressRule/default/mysql", "upstream=" + app.hostIp() + ":" + db.port());
        }
    }

    @Test
    void mysqlThroughTheGatewayOverMutualTls() throws Exception {
        MeshCerts mesh = MeshCerts.create(tmp.resolve("mesh"));
        Path gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        Path appCerts = mesh.issue("shop", "orders");
        try (RunningGateway g = RunningGateway.startWithHosts(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getByName("0.0.0.0")), MeshOptions.gateway(gatewayCerts), List.of())) {
            int gatewayPort = g.applyOnFreePort("mysql.yaml", port -> """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: mysql}
                    spec:
                      hosts: [mysql.shop.test]
                      addresses: [%1$s]
                      ports: [{number: %2$d, name: mysql, protocol: MYSQL}]
                      location: MESH_EXTERNAL
                      resolution: STATIC
                      endpoints: [{address: %1$s}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway, namespace: istio-system}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %3$d, name: tls-mysql, protocol: TLS}
                        hosts: [mysql.shop.test]
                        tls: {mode: ISTIO_MUTUAL}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: egressgateway-for-mysql}
                    spec:
                      host: %4$s
                      trafficPolicy:
                        tls: {mode: ISTIO_MUTUAL, sni: mysql.shop.test}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: mysql-through-egress-gateway}
                    spec:
                      hosts: [mysql.shop.test]
                      gateways: [mesh, istio-system/istio-egressgateway]
                      tcp:
                      - match: [{gateways: [mesh], port: %2$d}]
                        route: [{destination: {host: %4$s, port: {number: %3$d}}}]
                      - match: [{gateways: [istio-system/istio-egressgateway], port: %3$d}]
                        route: [{destination: {host: mysql.shop.test, port: {number: %2$d}}}]
                    """.formatted(app.hostIp(), db.port(), port, GATEWAY));
            try (SidecarProcess sidecar = SidecarProcess.start(app, g.config.path(), appCerts,
                    Files.writeString(tmp.resolve("hosts-gw"), app.hostIp() + " " + GATEWAY + "\n"))) {
                Cli.Result answer = query("CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE IF NOT EXISTS shop.orders"
                        + " (id INT); INSERT INTO shop.orders VALUES (7); SELECT SUM(id) FROM shop.orders");
                assertThat(answer.stdout().trim()).as(answer.toString()).isEqualTo("7");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                        .contains("upstream=" + app.hostIp() + ":" + gatewayPort);
                assertThat(g.awaitAccessLine(l -> l.contains("listener=tls_" + gatewayPort)))
                        .contains("source_principal=spiffe://cluster.local/ns/shop/sa/orders", "decision=allowed",
                                "upstream=" + app.hostIp() + ":" + db.port());
            }
        }
    }
}
