package io.portcullis.proxy.mtls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.portcullis.identity.MeshCredentials;
import io.portcullis.identity.MeshIdentity;
import io.portcullis.identity.Pem;
import io.portcullis.identity.WorkloadCertificate;
import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import io.portcullis.model.Gateway.ServerTls;
import io.portcullis.model.Gateway.ServerTlsMode;
import io.portcullis.model.ResourceSet;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.proxy.tls.SecretMaterial;
import io.portcullis.policy.ListenerSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The TLS contexts of the current configuration: one server context per terminating Gateway
 * listener ({@code MUTUAL}, {@code ISTIO_MUTUAL}), one per server of a listener that terminates
 * TLS for HTTP ({@code SIMPLE}, {@code OPTIONAL_MUTUAL}, picked by SNI) and one client context per
 * {@code DestinationRule} TLS setting (the sidecar's hop to the gateway). Built by
 * {@link #update} on the configuration thread, since it reads certificate files, and swapped as
 * one immutable snapshot; the data plane only looks contexts up. BoringSSL (netty-tcnative) when
 * it loads, the JDK otherwise.
 *
 * <p>Certificate paths: the Istio 1.0 mount paths {@code /etc/certs/cert-chain.pem},
 * {@code /etc/certs/key.pem} and {@code /etc/certs/root-cert.pem} stand for this process's mesh
 * identity ({@code --mesh-certs}), so the articles' YAML works as printed; any other path is a file.
 */
public final class TlsContexts {
    /** A context, or why there is none (certificates missing or unreadable); exactly one is set. */
    public record Lookup(SslContext context, String problem) {
        static Lookup of(SslContext context) {
            return new Lookup(context, null);
        }

        static Lookup failed(String problem) {
            return new Lookup(null, problem);
        }
    }

    private record Snapshot(Map<ServerTls, Lookup> servers, Map<ClientTls, Lookup> clients) {
    }

    private final MeshCredentials mesh;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of());

    /** @param mesh this process's identity, or null without {@code --mesh-certs} */
    public TlsContexts(MeshCredentials mesh) {
        this.mesh = mesh;
    }

    public MeshCredentials mesh() {
        return mesh;
    }

    /**
     * Builds the contexts {@code policy} needs and makes them current; returns one message per
     * setting that could not be built (those connections are refused with {@code tls_unavailable}).
     * Call off the event loop, before the policy is published.
     */
    public synchronized List<String> update(EgressPolicy policy) {
        MeshIdentity identity = mesh == null ? null : mesh.current();
        List<String> problems = new ArrayList<>();
        Map<ServerTls, Lookup> servers = new HashMap<>();
        for (ListenerSpec l : policy.listeners()) {
            if (l.isMutualTls() && l.tls() != null && !servers.containsKey(l.tls())) {
                Lookup lookup = buildServer(l.tls(), identity, policy.resources());
                servers.put(l.tls(), lookup);
                if (lookup.problem() != null) {
                    problems.add("listener on port " + l.port() + " (" + l.servers().get(0).gateway() + "): "
                            + lookup.problem());
                }
            }
            if (l.terminatesTls()) {
                // One context per server: the ClientHello's SNI picks the server, and its certificate.
                for (ListenerSpec.ServerRef server : l.servers()) {
                    if (server.tls() != null && !servers.containsKey(server.tls())) {
                        Lookup lookup = buildServer(server.tls(), identity, policy.resources());
                        servers.put(server.tls(), lookup);
                        if (lookup.problem() != null) {
                            problems.add("listener on port " + l.port() + " (" + server.gateway() + " hosts "
                                    + server.hosts() + "): " + lookup.problem());
                        }
                    }
                }
            }
        }
        Map<ClientTls, Lookup> clients = new HashMap<>();
        for (DestinationRule dr : policy.resources().destinationRules()) {
            for (ClientTls tls : clientSettings(dr)) {
                if (tls.mode() != ClientTlsMode.DISABLE && !clients.containsKey(tls)) {
                    Lookup lookup = buildClient(tls, identity, policy.resources());
                    clients.put(tls, lookup);
                    if (lookup.problem() != null) {
                        problems.add(dr.id() + " tls " + tls.mode() + ": " + lookup.problem());
                    }
                }
            }
        }
        snapshot = new Snapshot(Map.copyOf(servers), Map.copyOf(clients));
        return problems;
    }

    /** The server context for a terminating listener's settings. Safe on an event loop. */
    public Lookup server(ServerTls tls) {
        Lookup l = tls == null ? null : snapshot.servers().get(tls);
        return l != null ? l : Lookup.failed("no TLS context prepared for this listener yet");
    }

    /** The client context for a DestinationRule TLS setting. Safe on an event loop. */
    public Lookup client(ClientTls tls) {
        Lookup l = snapshot.clients().get(tls);
        return l != null ? l : Lookup.failed("no TLS context prepared for " + tls.mode() + " yet");
    }

    private static List<ClientTls> clientSettings(DestinationRule dr) {
        List<ClientTls> out = new ArrayList<>();
        addSettings(dr.trafficPolicy(), out);
        dr.subsets().forEach(s -> addSettings(s.trafficPolicy(), out));
        return out;
    }

    private static void addSettings(TrafficPolicy policy, List<ClientTls> out) {
        if (policy == null) {
            return;
        }
        if (policy.tls() != null) {
            out.add(policy.tls());
        }
        for (PortTrafficPolicy p : policy.portLevelSettings()) {
            if (p.tls() != null) {
                out.add(p.tls());
            }
        }
    }

    private static Lookup buildServer(ServerTls tls, MeshIdentity identity, ResourceSet resources) {
        try {
            KeyMaterial key;
            List<X509Certificate> trust;
            boolean clientCertificates = tls.mode() != ServerTlsMode.SIMPLE;
            if (tls.mode() == ServerTlsMode.ISTIO_MUTUAL) {
                if (identity == null) {
                    return Lookup.failed("tls.mode ISTIO_MUTUAL presents the mesh identity: start with --mesh-certs DIR");
                }
                key = new KeyMaterial(identity.key(), identity.chain());
                trust = identity.roots();
            } else if (tls.credential().isPresent()) {
                // credentialName: the server certificate, its key and the CAs that verify clients, from one Secret.
                SecretMaterial secret = SecretMaterial.of(tls.credential().get(), resources);
                key = new KeyMaterial(secret.privateKey(), List.of(secret.certificates("a server certificate")));
                trust = clientCertificates ? List.of(secret.caArray()) : List.of();
            } else {
                key = new KeyMaterial(privateKey(tls.privateKey(), identity), certificates(tls.serverCertificate(), identity));
                trust = clientCertificates ? certificates(tls.caCertificates(), identity) : List.of();
            }
            SslContextBuilder b = SslContextBuilder.forServer(key.key(), key.chain().toArray(new X509Certificate[0]))
                    .sslProvider(provider());
            if (clientCertificates) {
                // OPTIONAL_MUTUAL asks for a client certificate and verifies one that is given; a
                // client without one is served (Istio's OPTIONAL_MUTUAL).
                b.trustManager(trust.toArray(new X509Certificate[0]))
                        .clientAuth(tls.mode() == ServerTlsMode.OPTIONAL_MUTUAL ? ClientAuth.OPTIONAL : ClientAuth.REQUIRE);
            }
            return Lookup.of(b.build());
        } catch (IOException | RuntimeException e) {
            return Lookup.failed(e.getMessage());
        }
    }

    private static Lookup buildClient(ClientTls tls, MeshIdentity identity, ResourceSet resources) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider());
            if (tls.mode() == ClientTlsMode.ISTIO_MUTUAL) {
                if (identity == null) {
                    return Lookup.failed("tls.mode ISTIO_MUTUAL presents the mesh identity: start with --mesh-certs DIR");
                }
                b.keyManager(identity.key(), identity.chain().toArray(new X509Certificate[0]));
                b.trustManager(identity.roots().toArray(new X509Certificate[0]));
            } else if (tls.credential().isPresent()) {
                SecretMaterial secret = SecretMaterial.of(tls.credential().get(), resources);
                if (tls.mode() == ClientTlsMode.MUTUAL) {
                    b.keyManager(secret.privateKey(), secret.certificates("a client certificate"));
                }
                if (tls.insecureSkipVerify()) {
                    b.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (secret.hasCa()) {
                    b.trustManager(secret.caArray());
                }
            } else {
                if (tls.mode() == ClientTlsMode.MUTUAL) {
                    b.keyManager(privateKey(tls.privateKey(), identity),
                            certificates(tls.clientCertificate(), identity).toArray(new X509Certificate[0]));
                }
                if (tls.insecureSkipVerify()) {
                    b.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (tls.caCertificates() != null) {
                    b.trustManager(certificates(tls.caCertificates(), identity).toArray(new X509Certificate[0]));
                }
            }
            // A gateway's certificate names its own identity, not the host the app asked for: only
            // SIMPLE (TLS origination to the real host) checks the name; subjectAltNames are checked
            // after the handshake (see SubjectAltNames).
            boolean verifyHost = tls.mode() == ClientTlsMode.SIMPLE && !tls.insecureSkipVerify()
                    && tls.subjectAltNames().isEmpty();
            b.endpointIdentificationAlgorithm(verifyHost ? "HTTPS" : null);
            return Lookup.of(b.build());
        } catch (IOException | RuntimeException e) {
            return Lookup.failed(e.getMessage());
        }
    }

    private record KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
    }

    private static List<X509Certificate> certificates(String path, MeshIdentity identity) throws IOException {
        if (MeshIdentity.isIstioMountPath(path)) {
            requireMesh(path, identity);
            return path.endsWith(WorkloadCertificate.ROOT_CERT) ? identity.roots() : identity.chain();
        }
        return Pem.readCertificates(Path.of(path));
    }

    private static PrivateKey privateKey(String path, MeshIdentity identity) throws IOException {
        if (MeshIdentity.isIstioMountPath(path)) {
            requireMesh(path, identity);
            if (!path.endsWith(WorkloadCertificate.KEY)) {
                throw new IOException(path + " holds certificates, not a private key");
            }
            return identity.key();
        }
        return Pem.readPrivateKey(Path.of(path));
    }

    private static void requireMesh(String path, MeshIdentity identity) throws IOException {
        if (identity == null) {
            throw new IOException(path + " is the Istio mount of the mesh identity: start with --mesh-certs DIR");
        }
    }

    private static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }
}
