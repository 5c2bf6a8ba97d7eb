package io.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.TlsOrigination;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.testsupport.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** Building origination contexts when a configuration is applied: what is logged, what a request then gets. */
class OriginationContextsTest {
    @TempDir
    Path tmp;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(OriginationContexts.class);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    private static EgressPolicy policy(String tls) {
        LoadResult r = FolderLoader.fromFiles(Map.of("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: books}
                spec:
                  host: books.example.test
                  trafficPolicy:
                    tls: %s
                """.formatted(tls)));
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static TlsOrigination origination(EgressPolicy p) {
        return p.origination("books.example.test", 443);
    }

    @Test
    void insecureSkipVerifyIsAWarningWhenApplied() throws Exception {
        EgressPolicy p = policy("{mode: SIMPLE, insecureSkipVerify: true}");
        OriginationContexts contexts = new OriginationContexts();
        contexts.prepare(p);
        assertThat(contexts.context(p, origination(p))).isNotNull();
        assertThat(logged.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("DestinationRule/default/books spec.trafficPolicy.tls",
                    "insecureSkipVerify is on");
        });
    }

    @Test
    void anUnreadableFileIsAnErrorWhenAppliedAnd502Later() {
        Path missing = tmp.resolve("nope.pem");
        EgressPolicy p = policy("{mode: SIMPLE, caCertificates: " + missing + "}");
        OriginationContexts contexts = new OriginationContexts();
        contexts.prepare(p);
        assertThat(logged.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).contains("caCertificates " + missing + " is not a readable file");
        });
        assertThatThrownBy(() -> contexts.context(p, origination(p))).isInstanceOfSatisfying(UpstreamException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UPSTREAM_TLS_CONFIG));
    }

    @Test
    void mutualReadsTheClientCertificateFilesAndIstioMutualIsRefused() throws Exception {
        TestCa ca = TestCa.create("contexts ca");
        TestCa.Leaf client = ca.issueClient("spiffe://test/ns/a/sa/b");
        Path cert = client.writeCertChainPem(tmp.resolve("c.pem"));
        Path key = client.writeKeyPem(tmp.resolve("k.pem"));
        EgressPolicy mutual = policy("{mode: MUTUAL, clientCertificate: " + cert + ", privateKey: " + key + "}");
        OriginationContexts contexts = new OriginationContexts();
        contexts.prepare(mutual);
        assertThat(contexts.context(mutual, origination(mutual))).isNotNull();

        EgressPolicy istio = policy("{mode: ISTIO_MUTUAL}");
        contexts.prepare(istio);
        assertThatThrownBy(() -> contexts.context(istio, origination(istio))).hasMessageContaining("ISTIO_MUTUAL");
        // A connection accepted under the previous configuration keeps its settings.
        assertThat(contexts.context(mutual, origination(mutual))).isNotNull();
    }

    @Test
    void resourcesWithoutRulesPrepareNothing() {
        OriginationContexts contexts = new OriginationContexts();
        contexts.prepare(EgressPolicy.empty(OutboundPolicy.REGISTRY_ONLY));
        assertThat(logged.list).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"06-mongo-tcp-via-egress-gateway-mtls.yaml", "08-mongo-tls-via-egress-gateway-mtls.yaml",
            "10-mongo-wildcard-tls-via-egress-gateway.yaml"})
    void theSidecarsRuleForTheirHopToThisGatewayIsNoError(String article) throws Exception {
        // The articles' DestinationRule for istio-egressgateway...: ISTIO_MUTUAL for the sidecars' hop,
        // which the gateway terminates and never originates.
        LoadResult r = FolderLoader.fromFiles(Map.of(article, Files.readString(Path.of("examples/articles", article))));
        assertThat(r.errors()).isEmpty();
        EgressPolicy p = EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY);
        logger.setLevel(Level.DEBUG);
        try {
            new OriginationContexts().prepare(p);
        } finally {
            logger.setLevel(null);
        }
        assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(logged.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .containsPattern("ISTIO_MUTUAL to istio-egressgateway[a-z-]*\\.istio-system\\.svc\\.cluster\\.local is the"
                        + " sidecars' hop to this gateway"));
    }

    @Test
    void istioMutualForADestinationTheGatewayServesIsStillAnError() {
        EgressPolicy p = policy("{mode: ISTIO_MUTUAL}");
        new OriginationContexts().prepare(p);
        assertThat(logged.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).contains("DestinationRule/default/books spec.trafficPolicy.tls: cannot"
                    + " originate TLS: mode ISTIO_MUTUAL");
        });
    }
}
