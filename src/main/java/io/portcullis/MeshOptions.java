package io.portcullis;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How {@code portcullis run} takes part in the mesh.
 *
 * @param role            the gateway (explicit proxy and Gateway listeners) or a workload's sidecar (capture listener)
 * @param meshCerts       {@code --mesh-certs}: this process's identity (cert-chain.pem, key.pem, root-cert.pem); null for none
 * @param captureBinds    the sidecar's capture listeners (the addresses iptables REDIRECT delivers to)
 * @param onMismatch      what the sidecar does when an SNI or Host does not resolve to the original destination
 * @param certsReload     how often the mesh certificate files are checked for rotation
 */
public record MeshOptions(Role role, Path meshCerts, List<InetSocketAddress> captureBinds, OnMismatch onMismatch,
                          Duration certsReload) {
    /** The default capture port, Istio's outbound capture port. */
    public static final int DEFAULT_CAPTURE_PORT = 15001;

    public MeshOptions {
        captureBinds = List.copyOf(captureBinds);
    }

    /** {@code --role}. */
    public enum Role { GATEWAY, SIDECAR }

    /** {@code --on-mismatch}: refuse the connection, or send it where the name resolves instead. */
    public enum OnMismatch { REFUSE, REROUTE }

    /** A gateway without a mesh identity: what {@code run} was before mesh mode. */
    public static MeshOptions gateway() {
        return gateway(null);
    }

    public static MeshOptions gateway(Path meshCerts) {
        return new MeshOptions(Role.GATEWAY, meshCerts, List.of(), OnMismatch.REFUSE, Duration.ofSeconds(5));
    }

    public boolean isSidecar() {
        return role == Role.SIDECAR;
    }
}
