package io.portcullis.model;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a {@code v1 Secret} that holds TLS material ({@code credentialName}). {@code data} is
 * base64, {@code stringData} plain text (as {@code kubectl} accepts it); a key in both takes
 * {@code stringData}'s value, as the API server does. Messages never quote a value.
 */
final class SecretMapper {
    /** Istio's two spellings, in its order of precedence: kubernetes.io/tls first, then the generic form. */
    private static final List<String> CERT = List.of("tls.crt", "cert");
    private static final List<String> KEY = List.of("tls.key", "key");
    private static final List<String> CA = List.of("ca.crt", "cacert");

    private SecretMapper() {
    }

    static TlsSecret map(ResourceId id, Node top) {
        String type = top.string("type");
        top.allow("immutable");
        Map<String, String> data = top.stringMap("data");
        Map<String, String> stringData = top.stringMap("stringData");
        java.util.HashMap<String, String> decoded = new java.util.HashMap<>();
        data.forEach((k, v) -> {
            try {
                decoded.put(k, new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                top.error("data", "the value of \"" + k + "\" is not base64");
            }
        });
        decoded.putAll(stringData);
        Optional<String> cert = first(decoded, CERT);
        Optional<String> key = first(decoded, KEY);
        Optional<String> ca = first(decoded, CA);
        if (cert.isEmpty() && key.isEmpty() && ca.isEmpty()) {
            top.error("data", "holds no TLS material (expected: tls.crt, tls.key and ca.crt of a kubernetes.io/tls"
                    + " Secret, or cert, key and cacert)" + (type == null ? "" : "; type is " + type));
        } else if (cert.isPresent() != key.isPresent()) {
            top.error("data", (cert.isPresent() ? "a certificate without its key" : "a key without its certificate")
                    + " (expected: both tls.crt and tls.key, or both cert and key)");
        }
        return new TlsSecret(id, cert, key, ca);
    }

    private static Optional<String> first(Map<String, String> entries, List<String> names) {
        return names.stream().map(entries::get).filter(v -> v != null && !v.isBlank()).findFirst();
    }
}
