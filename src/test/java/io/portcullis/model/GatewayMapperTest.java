package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.model.Gateway.Server;
import io.portcullis.model.Gateway.ServerTls;
import io.portcullis.model.Gateway.ServerTlsMode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GatewayMapperTest {

    static String gw(String spec) {
        return """
                apiVersion: networking.istio.io/v1alpha3
                kind: Gateway
                metadata:
                  name: egress
                spec:
                """ + spec.indent(2);
    }

    @Test
    void mapsServersWithTls() {
        Gateway g = single(gw("""
                selector: {istio: egressgateway}
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: [Mongo.Example.TEST, "ns1/*.example.com", "./api.example.com", "*"]
                  name: mongo
                  tls:
                    mode: MUTUAL
                    serverCertificate: /etc/certs/cert-chain.pem
                    privateKey: /etc/certs/key.pem
                    caCertificates: /etc/certs/root-cert.pem
                    subjectAltNames: [spiffe://cluster.local/ns/default/sa/sleep]
                - port: {number: 7777, name: tcp, protocol: TCP}
                  hosts: [my-mongo.tcp.svc]
                """), Gateway.class);
        assertThat(g.selector()).isEqualTo(Map.of("istio", "egressgateway"));
        assertThat(g.servers()).hasSize(2);
        Server tls = g.servers().get(0);
        assertThat(tls.port()).isEqualTo(new ServicePort(443, "tls", Protocol.TLS, 0));
        assertThat(tls.hosts()).containsExactly("mongo.example.test", "ns1/*.example.com", "./api.example.com", "*");
        assertThat(tls.name()).isEqualTo("mongo");
        assertThat(tls.tls()).isEqualTo(new ServerTls(ServerTlsMode.MUTUAL, "/etc/certs/cert-chain.pem",
                "/etc/certs/key.pem", "/etc/certs/root-cert.pem", List.of("spiffe://cluster.local/ns/default/sa/sleep")));
        assertThat(g.servers().get(1).tls()).isNull();
    }

    @Test
    void tlsWithoutModePassesThroughAsInIstio() {
        Gateway g = single(gw("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: ["*.example.com"]
                  tls: {}
                """), Gateway.class);
        assertThat(g.servers().get(0).tls().mode()).isEqualTo(ServerTlsMode.PASSTHROUGH);
    }

    @Test
    void credentialNameSatisfiesSimpleAndIsCarriedAsTheServersSecret() {
        Gateway g = single(gw("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [api.example.com]
                  tls: {mode: SIMPLE, credential_name: api-cert}
                """), Gateway.class);
        assertThat(g.servers().get(0).tls().credential()).contains(CredentialRef.unbound("api-cert"));
    }

    @Test
    void httpServerMayCarryOnlyAnHttpsRedirect() {
        warning(gw("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [api.example.com]
                  tls: {httpsRedirect: true}
                """), "spec.servers[0].tls.httpsRedirect", "not acted on");
    }

    @Test
    void fieldsPortcullisDoesNotActOnAreWarnings() {
        String yaml = gw("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [api.example.com]
                  bind: 0.0.0.0
                  defaultEndpoint: 127.0.0.1:8080
                  tls:
                    mode: SIMPLE
                    serverCertificate: /c.pem
                    privateKey: /k.pem
                    minProtocolVersion: TLSV1_2
                    maxProtocolVersion: TLSV1_3
                    cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256]
                """);
        for (String field : List.of("spec.servers[0].bind", "spec.servers[0].defaultEndpoint",
                "spec.servers[0].tls.minProtocolVersion", "spec.servers[0].tls.maxProtocolVersion",
                "spec.servers[0].tls.cipherSuites")) {
            warning(yaml, field, "not acted on");
        }
    }

    @Test
    void passthroughIgnoresCertificatesWithAWarning() {
        warning(gw("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: [api.example.com]
                  tls: {mode: PASSTHROUGH, serverCertificate: /c.pem}
                """), "spec.servers[0].tls.serverCertificate", "ignored with mode PASSTHROUGH");
    }

    @Test
    void aServerBoundToAUnixSocketIsAcceptedButNotServed() {
        String yaml = gw("""
                servers:
                - port: {number: 0, name: http, protocol: HTTP}
                  hosts: [api.example.com]
                  bind: unix:///var/run/gw.sock
                - port: {number: 80, name: http2, protocol: HTTP}
                  hosts: [api.example.com]
                """);
        warning(yaml, "spec.servers[0].bind", "so this server is not served");
        assertThat(single(yaml, Gateway.class).servers()).extracting(s -> s.port().number()).containsExactly(80);
    }

    static Stream<Arguments> istioRules() {
        return Stream.of(
                arguments("a short name", """
                        servers:
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [api]
                        """, "spec.servers[0].hosts[0]", "is a short name"),
                arguments("a partial wildcard", """
                        servers:
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: ["*api.example.com"]
                        """, "spec.servers[0].hosts[0]", "is a partial wildcard"),
                arguments("a port with a unix bind", """
                        servers:
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [api.example.com]
                          bind: unix:///var/run/gw.sock
                        """, "spec.servers[0].port.number", "80"),
                arguments("two certificate sources", """
                        servers:
                        - port: {number: 443, name: https, protocol: HTTPS}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, credentialName: api, serverCertificate: /c.pem, privateKey: /k.pem}
                        """, "spec.servers[0].tls", "give the server's certificate one way only"),
                arguments("a tlsCertificates entry without its key", """
                        servers:
                        - port: {number: 443, name: https, protocol: HTTPS}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, tlsCertificates: [{serverCertificate: /c.pem}]}
                        """, "spec.servers[0].tls.tlsCertificates[0].privateKey", "required with mode SIMPLE"),
                arguments("a CRL with SIMPLE", """
                        servers:
                        - port: {number: 443, name: https, protocol: HTTPS}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem, caCrl: /crl.pem}
                        """, "spec.servers[0].tls.caCrl", "has no use with mode SIMPLE"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("istioRules")
    void refusesWhatIstioRefuses(String rule, String spec, String field, String fragment) {
        onlyError(gw(spec), field, fragment);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("a server has no addresses (the Redis workshop's mistake)", """
                        servers:
                        - port: {number: 6379, name: tcp-redis, protocol: TCP}
                          hosts: [redis.domain]
                          addresses: [127.0.0.1]
                        """, "spec.servers[0].addresses", "unknown field (Gateway.Server has no field \"addresses\")"),
                arguments("servers required", """
                        selector: {istio: egressgateway}
                        """, "spec.servers", "required"),
                arguments("port required", """
                        servers:
                        - hosts: [api.example.com]
                        """, "spec.servers[0].port", "required"),
                arguments("port number required", """
                        servers:
                        - port: {name: tcp, protocol: TCP}
                          hosts: [api.example.com]
                        """, "spec.servers[0].port.number", "required"),
                arguments("port name required", """
                        servers:
                        - port: {number: 6379, protocol: TCP}
                          hosts: [api.example.com]
                        """, "spec.servers[0].port.name", "required"),
                arguments("port protocol required", """
                        servers:
                        - port: {number: 6379, name: tcp}
                          hosts: [api.example.com]
                        """, "spec.servers[0].port.protocol", "required (expected one of: HTTP, HTTPS,"),
                arguments("port protocol known", """
                        servers:
                        - port: {number: 53, name: dns, protocol: UDP}
                          hosts: [api.example.com]
                        """, "spec.servers[0].port.protocol", "\"UDP\" is not a supported protocol"),
                arguments("targetPort has no meaning on a Gateway", """
                        servers:
                        - port: {number: 6379, name: tcp, protocol: TCP, targetPort: 7379}
                          hosts: [api.example.com]
                        """, "spec.servers[0].port.targetPort", "no impact on Gateways"),
                arguments("hosts required", """
                        servers:
                        - port: {number: 6379, name: tcp, protocol: TCP}
                        """, "spec.servers[0].hosts", "required"),
                arguments("host namespace is a name", """
                        servers:
                        - port: {number: 6379, name: tcp, protocol: TCP}
                          hosts: [a.example.com, "Bad_NS/api.example.com"]
                        """, "spec.servers[0].hosts[1]", "\"Bad_NS\" in \"Bad_NS/api.example.com\" is not a namespace"),
                arguments("host is a name", """
                        servers:
                        - port: {number: 6379, name: tcp, protocol: TCP}
                          hosts: ["ns/a..example.com"]
                        """, "spec.servers[0].hosts[0]", "is not a valid host name"),
                arguments("TLS server needs tls", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [api.example.com]
                        """, "spec.servers[0].tls", "required for a TLS server"),
                arguments("TCP server has no tls", """
                        servers:
                        - port: {number: 443, name: tcp, protocol: TCP}
                          hosts: [api.example.com]
                          tls: {mode: PASSTHROUGH}
                        """, "spec.servers[0].tls", "a TCP server cannot have TLS settings"),
                arguments("HTTP server has no certificates", """
                        servers:
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}
                        """, "spec.servers[0].tls", "a plain-text HTTP server cannot have TLS settings"),
                arguments("tls mode case-sensitive", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [api.example.com]
                          tls: {mode: passthrough}
                        """, "spec.servers[0].tls.mode", "expected one of: PASSTHROUGH, SIMPLE, MUTUAL,"
                        + " AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL"),
                arguments("SIMPLE needs a certificate", """
                        servers:
                        - port: {number: 443, name: https, protocol: HTTPS}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, privateKey: /k.pem}
                        """, "spec.servers[0].tls.serverCertificate", "required with mode SIMPLE"),
                arguments("SIMPLE needs a key", """
                        servers:
                        - port: {number: 443, name: https, protocol: HTTPS}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, serverCertificate: /c.pem}
                        """, "spec.servers[0].tls.privateKey", "required with mode SIMPLE"),
                arguments("MUTUAL needs client CAs", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [api.example.com]
                          tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}
                        """, "spec.servers[0].tls.caCertificates", "required with mode MUTUAL"),
                arguments("ISTIO_MUTUAL brings its own certificate", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [api.example.com]
                          tls: {mode: ISTIO_MUTUAL, serverCertificate: /c.pem}
                        """, "spec.servers[0].tls.serverCertificate", "must not be set with mode ISTIO_MUTUAL"),
                arguments("unknown tls field", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [api.example.com]
                          tls: {mode: PASSTHROUGH, sni: api.example.com}
                        """, "spec.servers[0].tls.sni", "Gateway.ServerTLSSettings has no field \"sni\""),
                arguments("port names unique across servers", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [a.example.com]
                          tls: {mode: PASSTHROUGH}
                        - port: {number: 8443, name: tls, protocol: TLS}
                          hosts: [b.example.com]
                          tls: {mode: PASSTHROUGH}
                        """, "spec.servers[1].port.name", "is already used by spec.servers[0]"),
                arguments("server names unique", """
                        servers:
                        - port: {number: 443, name: tls, protocol: TLS}
                          hosts: [a.example.com]
                          name: s
                          tls: {mode: PASSTHROUGH}
                        - port: {number: 6379, name: redis, protocol: TCP}
                          hosts: [b.example.com]
                          name: s
                        """, "spec.servers[1].name", "server name \"s\" is already used by spec.servers[0]"),
                arguments("selector values are strings", """
                        selector: {istio: egressgateway, replicas: 2}
                        servers:
                        - port: {number: 6379, name: tcp, protocol: TCP}
                          hosts: [api.example.com]
                        """, "spec.selector.replicas", "expected a string, got number 2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refuses(String rule, String spec, String field, String fragment) {
        onlyError(gw(spec), field, fragment);
    }

    @Test
    void gatewayNameIsADnsLabel() {
        onlyError("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress.gateway}
                spec:
                  servers:
                  - port: {number: 6379, name: tcp, protocol: TCP}
                    hosts: [api.example.com]
                """, "metadata.name", "not a valid Gateway name");
    }
}
