package io.portcullis.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code networking.istio.io DestinationRule}: how to talk to a host once routed, in particular
 * the client TLS settings used for TLS origination and for the sidecar-to-gateway hop.
 */
public record DestinationRule(
        ResourceId id,
        String host,
        TrafficPolicy trafficPolicy,
        List<Subset> subsets,
        List<String> exportTo) implements Resource {

    public DestinationRule {
        subsets = List.copyOf(subsets);
        exportTo = List.copyOf(exportTo);
    }

    /**
     * {@code TrafficPolicy}; {@code loadBalancer} and {@code tls} may be null when absent.
     *
     * @param tunnel         {@code tunnel}: leave through an HTTP proxy with CONNECT
     * @param connectionPool {@code connectionPool}: the limits Portcullis enforces
     */
    public record TrafficPolicy(String loadBalancer, ClientTls tls, List<PortTrafficPolicy> portLevelSettings,
                                Optional<Tunnel> tunnel, Optional<ConnectionPool> connectionPool,
                                Optional<OutlierDetection> outlierDetection) {
        public TrafficPolicy {
            portLevelSettings = List.copyOf(portLevelSettings);
        }

        /** A policy without tunnel, connection pool or outlier detection. */
        public TrafficPolicy(String loadBalancer, ClientTls tls, List<PortTrafficPolicy> portLevelSettings) {
            this(loadBalancer, tls, portLevelSettings, Optional.empty(), Optional.empty(), Optional.empty());
        }

        /** A copy with other TLS settings (e.g. a bound {@code credentialName}), every other part kept. */
        public TrafficPolicy withTls(ClientTls newTls, List<PortTrafficPolicy> newPorts) {
            return new TrafficPolicy(loadBalancer, newTls, newPorts, tunnel, connectionPool, outlierDetection);
        }
    }

    /** {@code TrafficPolicy.PortTrafficPolicy}. */
    public record PortTrafficPolicy(int port, String loadBalancer, ClientTls tls, Optional<ConnectionPool> connectionPool,
                                    Optional<OutlierDetection> outlierDetection) {
        /** Port settings without a connection pool or outlier detection. */
        public PortTrafficPolicy(int port, String loadBalancer, ClientTls tls) {
            this(port, loadBalancer, tls, Optional.empty(), Optional.empty());
        }

        /** A copy with other TLS settings, every other part kept. */
        public PortTrafficPolicy withTls(ClientTls newTls) {
            return new PortTrafficPolicy(port, loadBalancer, newTls, connectionPool, outlierDetection);
        }
    }

    /**
     * The part of {@code OutlierDetection} Portcullis acts on, as Istio hands it to Envoy: two
     * detectors, each counting per endpoint in a row. {@code consecutive5xxErrors} (default 5, 0
     * turns it off) counts 5xx answers; {@code consecutiveGatewayErrors} (off unless set) counts
     * 502, 503 and 504. Failed connects and resets before an answer count for both (Envoy's
     * {@code split_external_local_origin_errors: false}), any other answer ends both streaks. A
     * streak that reaches its detector's count ejects the endpoint (tried last) for
     * {@code baseEjectionTime} (default 30 s) times the number of times it was ejected, while at
     * most {@code maxEjectionPercent} (default 10, at least one endpoint) of the endpoints are out.
     * That number of ejections decays: it drops by one for each {@code interval} (default 10 s) the
     * endpoint stays in service, as Envoy's ejection time backoff does.
     *
     * @param consecutive5xxErrors     empty: that detector is off
     * @param consecutiveGatewayErrors empty: that detector is off
     * @param interval                 how long an endpoint stays in service for its ejection count to drop by one
     */
    public record OutlierDetection(OptionalInt consecutive5xxErrors, OptionalInt consecutiveGatewayErrors,
                                   Duration baseEjectionTime, int maxEjectionPercent, Duration interval) {
        /** Envoy's and Istio's default {@code interval}. */
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

        /** With the default {@code interval}. */
        public OutlierDetection(OptionalInt consecutive5xxErrors, OptionalInt consecutiveGatewayErrors,
                                Duration baseEjectionTime, int maxEjectionPercent) {
            this(consecutive5xxErrors, consecutiveGatewayErrors, baseEjectionTime, maxEjectionPercent, DEFAULT_INTERVAL);
        }
    }

    /**
     * {@code TrafficPolicy.TunnelSettings}: the connection to the rule's host (an HTTP proxy) carries
     * {@code CONNECT targetHost:targetPort}, then the bytes.
     *
     * @param protocol {@code CONNECT} (the default) or {@code POST}, which Portcullis does not speak
     */
    public record Tunnel(String protocol, String targetHost, int targetPort) {
        public boolean isConnect() {
            return protocol.equals("CONNECT");
        }
    }

    /**
     * The parts of {@code ConnectionPoolSettings} Portcullis enforces; an absent limit is unlimited
     * (Envoy's defaults are effectively so), an absent duration the gateway's own.
     */
    public record ConnectionPool(
            OptionalInt maxConnections,
            Optional<Duration> connectTimeout,
            Optional<TcpKeepalive> tcpKeepalive,
            OptionalInt http1MaxPendingRequests,
            OptionalInt maxRequestsPerConnection,
            Optional<Duration> idleTimeout) {
    }

    /** {@code ConnectionPoolSettings.TCPSettings.TcpKeepalive}: absent parts keep the system's values. */
    public record TcpKeepalive(OptionalInt probes, Optional<Duration> time, Optional<Duration> interval) {
    }

    /** {@code Subset}. */
    public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
        public Subset {
            labels = Map.copyOf(labels);
        }
    }

    /** {@code ClientTLSSettings}. File paths are null when absent. */
    public record ClientTls(
            ClientTlsMode mode,
            String clientCertificate,
            String privateKey,
            String caCertificates,
            List<String> subjectAltNames,
            String sni,
            boolean insecureSkipVerify,
            java.util.Optional<CredentialRef> credential) {
        public ClientTls {
            subjectAltNames = List.copyOf(subjectAltNames);
        }

        /** Settings from files only, without {@code credentialName}. */
        public ClientTls(ClientTlsMode mode, String clientCertificate, String privateKey, String caCertificates,
                         List<String> subjectAltNames, String sni, boolean insecureSkipVerify) {
            this(mode, clientCertificate, privateKey, caCertificates, subjectAltNames, sni, insecureSkipVerify,
                    java.util.Optional.empty());
        }

        /** A copy with {@code credentialName} bound (see {@link CredentialBinder}). */
        public ClientTls withCredential(CredentialRef bound) {
            return new ClientTls(mode, clientCertificate, privateKey, caCertificates, subjectAltNames, sni,
                    insecureSkipVerify, java.util.Optional.of(bound));
        }
    }

    /** {@code ClientTLSSettings.TLSmode}. */
    public enum ClientTlsMode { DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL }
}
