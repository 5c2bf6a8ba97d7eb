package io.portcullis.proxy.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.TlsOrigination;
import io.portcullis.proxy.UpstreamException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client TLS contexts for TLS origination, one per distinct DestinationRule
 * {@code ClientTLSSettings} of a policy snapshot, built before the snapshot goes live (files are
 * read then, never on an event loop) and looked up per new upstream connection with the snapshot
 * the client connection was accepted under — so a connection keeps its configuration's TLS
 * settings for as long as it lives (the snapshots are weakly held: a snapshot no connection uses
 * any more takes its contexts with it). A setting that cannot be used (a file that does not read,
 * ISTIO_MUTUAL) is logged as an error when prepared and makes every request that needs it fail
 * with {@code upstream_tls_config}, never fall back to plain text. ISTIO_MUTUAL in a rule for the
 * sidecars' hop to this gateway (a host mesh routes send traffic to) is the articles' own
 * configuration, not an error: this gateway terminates that hop and never originates it.
 *
 * <p>BoringSSL (netty-tcnative) when it loads, the JDK otherwise. Verification is
 * {@link UpstreamTrustManager}'s: chain against {@code caCertificates} (default: the JVM's trust
 * store, which on Debian is the system's CA bundle), then the host or {@code subjectAltNames};
 * {@code insecureSkipVerify} turns both off and is logged as a warning.
 */
public final class OriginationContexts {
    private static final Logger LOG = LoggerFactory.getLogger(OriginationContexts.class);

    /** A built context, or why there is none. */
    private record Prepared(SslContext context, String problem) {
    }

    /** The most recently prepared snapshot: the lookup almost every connection makes, without a lock. */
    private record Latest(EgressPolicy snapshot, Map<ClientTls, Prepared> contexts) {
    }

    private final Map<EgressPolicy, Map<ClientTls, Prepared>> bySnapshot = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile Latest latest = new Latest(null, Map.of());

    /**
     * Builds the contexts for every TLS setting of the snapshot's DestinationRules; call before
     * the snapshot is made current, never on an event loop.
     */
    public void prepare(EgressPolicy snapshot) {
        Map<ClientTls, Prepared> next = new HashMap<>();
        for (Map.Entry<ClientTls, Written> e : settings(snapshot).entrySet()) {
            ClientTls tls = e.getKey();
            Written where = e.getValue();
            Prepared p;
            try {
                p = new Prepared(build(tls, snapshot.resources()), null);
                if (tls.insecureSkipVerify()) {
                    LOG.warn("{}: insecureSkipVerify is on: TLS originated with these settings accepts any server"
                            + " certificate for any name", where.location());
                }
            } catch (IOException | GeneralSecurityException | IllegalArgumentException | UnsupportedOperationException ex) {
                String problem = where.location() + ": cannot originate TLS: " + ex.getMessage();
                if (where.sidecarsHop() && tls.mode() == ClientTlsMode.ISTIO_MUTUAL) {
                    // The articles' own configuration: the rule for the sidecars' hop to this gateway,
                    // which this gateway terminates and never originates. Nothing is wrong.
                    LOG.debug("{}: ISTIO_MUTUAL to {} is the sidecars' hop to this gateway, not used here",
                            where.location(), where.host());
                } else {
                    LOG.error("{}; requests that need it get 502 (upstream_tls_config)", problem);
                }
                p = new Prepared(null, problem);
            }
            next.put(tls, p);
        }
        Map<ClientTls, Prepared> contexts = Map.copyOf(next);
        bySnapshot.put(snapshot, contexts);
        latest = new Latest(snapshot, contexts);
    }

    /**
     * The context for {@code origination} under {@code snapshot} (the policy that decided it), or
     * an {@link UpstreamException} saying why it cannot be used.
     */
    public SslContext context(EgressPolicy snapshot, TlsOrigination origination) throws UpstreamException {
        Latest now = latest;
        Map<ClientTls, Prepared> contexts = now.snapshot() == snapshot ? now.contexts() : bySnapshot.get(snapshot);
        Prepared p = contexts == null ? null : contexts.get(origination.tls());
        if (p == null) {
            throw new UpstreamException(Reason.UPSTREAM_TLS_CONFIG, origination.rule()
                    + ": TLS settings not prepared for this configuration");
        }
        if (p.context() == null) {
            throw new UpstreamException(Reason.UPSTREAM_TLS_CONFIG, p.problem());
        }
        return p.context();
    }

    /**
     * Where a setting is written: the first place, and whether every rule that has it is for the
     * sidecars' hop to this gateway (then a setting the gateway cannot originate is no error).
     */
    private record Written(String location, String host, boolean sidecarsHop) {
        Written or(Written other) {
            return sidecarsHop && !other.sidecarsHop ? other : this;
        }
    }

    /** Every ClientTLSSettings of the rules (traffic policy, port level, subsets), with where it is written. */
    private static Map<ClientTls, Written> settings(EgressPolicy snapshot) {
        Map<ClientTls, Written> out = new LinkedHashMap<>();
        for (DestinationRule rule : snapshot.resources().destinationRules()) {
            boolean hop = snapshot.sidecar().isSidecarsHop(rule.host());
            collect(out, rule.trafficPolicy(), rule.id() + " spec.trafficPolicy", rule.host(), hop);
            for (int i = 0; i < rule.subsets().size(); i++) {
                collect(out, rule.subsets().get(i).trafficPolicy(), rule.id() + " spec.subsets[" + i + "].trafficPolicy",
                        rule.host(), hop);
            }
        }
        return out;
    }

    private static void collect(Map<ClientTls, Written> out, DestinationRule.TrafficPolicy policy, String where,
                                String host, boolean hop) {
        if (policy == null) {
            return;
        }
        if (policy.tls() != null && policy.tls().mode() != ClientTlsMode.DISABLE) {
            out.merge(policy.tls(), new Written(where + ".tls", host, hop), Written::or);
        }
        List<PortTrafficPolicy> ports = policy.portLevelSettings();
        for (int i = 0; i < ports.size(); i++) {
            ClientTls tls = ports.get(i).tls();
            if (tls != null && tls.mode() != ClientTlsMode.DISABLE) {
                out.merge(tls, new Written(where + ".portLevelSettings[" + i + "].tls", host, hop), Written::or);
            }
        }
    }

    static SslContext build(ClientTls tls, ResourceSet resources) throws IOException, GeneralSecurityException {
        if (tls.credential().isPresent()) {
            return build(tls, SecretMaterial.of(tls.credential().get(), resources));
        }
        return build(tls, (SecretMaterial) null);
    }

    /** @param secret the credentialName's material, or null for file paths */
    private static SslContext build(ClientTls tls, SecretMaterial secret) throws IOException, GeneralSecurityException {
        if (tls.mode() == ClientTlsMode.ISTIO_MUTUAL) {
            throw new UnsupportedOperationException("mode ISTIO_MUTUAL is the mesh's own mutual TLS; the gateway"
                    + " role originates SIMPLE and MUTUAL");
        }
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                // Names are checked by UpstreamTrustManager, which says which check failed.
                .endpointIdentificationAlgorithm(null)
                .trustManager(trustManager(tls, secret));
        if (tls.mode() == ClientTlsMode.MUTUAL && secret != null) {
            builder.keyManager(secret.privateKey(), secret.certificates("a client certificate"));
        } else if (tls.mode() == ClientTlsMode.MUTUAL) {
            File cert = readable(tls.clientCertificate(), "clientCertificate");
            File key = readable(tls.privateKey(), "privateKey");
            builder.keyManager(cert, key);
        }
        return builder.build();
    }

    private static TrustManager trustManager(ClientTls tls, SecretMaterial secret)
            throws IOException, GeneralSecurityException {
        if (tls.insecureSkipVerify()) {
            return InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0];
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        String source;
        if (secret != null && secret.hasCa()) {
            tmf.init(caStore(secret.caCertificates()));
            source = "the CA of " + secret.describe();
        } else if (tls.caCertificates() == null) {
            tmf.init((KeyStore) null);
            source = "the system trust store";
        } else {
            File ca = readable(tls.caCertificates(), "caCertificates");
            try (InputStream in = Files.newInputStream(ca.toPath())) {
                tmf.init(caStore(CertificateFactory.getInstance("X.509").generateCertificates(in)));
            }
            source = "caCertificates " + ca;
        }
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return new UpstreamTrustManager(x, tls.subjectAltNames(), source);
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager available");
    }

    private static KeyStore caStore(Collection<? extends Certificate> certs) throws IOException, GeneralSecurityException {
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("the CA bundle holds no certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        List<Certificate> list = new ArrayList<>(certs);
        for (int i = 0; i < list.size(); i++) {
            store.setCertificateEntry("ca-" + i, list.get(i));
        }
        return store;
    }

    private static File readable(String path, String field) throws IOException {
        if (path == null) {
            throw new IOException(field + " is not set");
        }
        Path p = Path.of(path);
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
            throw new IOException(field + " " + path + " is not a readable file");
        }
        return p.toFile();
    }
}
