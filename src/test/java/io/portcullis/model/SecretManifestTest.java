package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code v1 Secret} manifests for credentialName, and the binding of credentialName to them. */
class SecretManifestTest {
    private static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private static final String KEY = "-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n-----END PRIVATE KEY-----\n";

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String tlsSecret(String name, String cert) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %s, namespace: egress}
                type: kubernetes.io/tls
                data: {tls.crt: %s, tls.key: %s, ca.crt: %s}
                """.formatted(name, b64(cert), b64(KEY), b64(CERT));
    }

    private static final String RULE = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: books, namespace: egress}
            spec:
              host: books.example.test
              trafficPolicy:
                tls: {mode: MUTUAL, credentialName: books-client}
            """;

    @Test
    void aKubernetesTlsSecretIsReadAndNeverPrinted() {
        ParsedFile f = ResourceParser.parse("s.yaml", tlsSecret("books-client", CERT));
        assertThat(f.problems()).isEmpty();
        TlsSecret s = (TlsSecret) f.resources().get(0);
        assertThat(s.certificate()).contains(CERT);
        assertThat(s.privateKey()).contains(KEY);
        assertThat(s.caCertificates()).contains(CERT);
        assertThat(s.toString()).doesNotContain("PRIVATE KEY").doesNotContain("secret-key-bytes")
                .startsWith("Secret/egress/books-client");
    }

    @Test
    void istiosGenericFormIsReadFromStringData() {
        ParsedFile f = ResourceParser.parse("s.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: generic}
                type: Opaque
                stringData:
                  cert: "%s"
                  key: "%s"
                  cacert: "%s"
                """.formatted(CERT.replace("\n", "\\n"), KEY.replace("\n", "\\n"), CERT.replace("\n", "\\n")));
        assertThat(f.problems()).isEmpty();
        TlsSecret s = (TlsSecret) f.resources().get(0);
        assertThat(s.certificate()).contains(CERT);
        assertThat(s.caCertificates()).contains(CERT);
    }

    @Test
    void aSecretWithoutTlsMaterialIsAnErrorThatQuotesNoValue() {
        ParsedFile f = ResourceParser.parse("s.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: password}
                data: {password: %s}
                """.formatted(b64("hunter2")));
        assertThat(f.problems()).singleElement().asString()
                .isEqualTo("s.yaml: Secret/default/password data: holds no TLS material (expected: tls.crt, tls.key and"
                        + " ca.crt of a kubernetes.io/tls Secret, or cert, key and cacert)")
                .doesNotContain("hunter2");
    }

    @Test
    void credentialNameIsBoundToTheSecretOfTheRulesNamespaceAndARotationChangesTheSettings() {
        LoadResult before = FolderLoader.fromFiles(Map.of("rule.yaml", RULE, "secret.yaml", tlsSecret("books-client", CERT)));
        assertThat(before.problems()).isEmpty();
        ClientTls tls = before.resources().destinationRules().get(0).trafficPolicy().tls();
        assertThat(tls.credential()).hasValueSatisfying(c -> {
            assertThat(c.secretId()).contains(new ResourceId("Secret", "egress", "books-client"));
            assertThat(c.fingerprint()).isPresent();
        });

        String rotatedCert = CERT.replace("MIIB", "MIIC");
        LoadResult after = FolderLoader.fromFiles(Map.of("rule.yaml", RULE, "secret.yaml",
                tlsSecret("books-client", rotatedCert)));
        assertThat(after.resources().destinationRules().get(0).trafficPolicy().tls()).isNotEqualTo(tls);
    }

    @Test
    void aMissingSecretIsAWarningNotARefusal() {
        LoadResult r = FolderLoader.fromFiles(Map.of("rule.yaml", RULE));
        assertThat(r.hasErrors()).isFalse();
        assertThat(r.warnings()).singleElement().asString().isEqualTo("rule.yaml: DestinationRule/egress/books"
                + ": credentialName \"books-client\": no Secret/egress/books-client (yet); TLS that needs it fails until"
                + " it exists");
    }
}
