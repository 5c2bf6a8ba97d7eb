package io.portcullis.telemetry;

import io.portcullis.model.ResourceId;
import io.portcullis.policy.Reason;
import java.time.Instant;

/**
 * What one connection left behind, frozen when it closed: the immutable copy of a
 * {@link ConnectionLog} that the access-log writer formats off the event loop and the metrics
 * count. Text fields are never null: {@code -} stands for "none", as in Envoy's access log.
 *
 * @param listener          the listener's name, e.g. {@code proxy_3128} or {@code tcp_27017}
 * @param downstreamRemoteAddress the client's address ({@code %DOWNSTREAM_REMOTE_ADDRESS%})
 * @param downstreamLocalAddress the address the client connected to ({@code %DOWNSTREAM_LOCAL_ADDRESS%})
 * @param method            the first HTTP request's method, {@code -} for TLS/TCP listeners
 * @param path              the first HTTP request's path, {@code -} for CONNECT and TLS/TCP
 * @param httpProtocol      e.g. {@code HTTP/1.1}, {@code -} for TLS/TCP
 * @param responseCode      the last HTTP status sent to the client; 0 when none (TLS/TCP)
 * @param authorityAddress  the HTTP authority (CONNECT target or absolute-URI host), {@code -} otherwise
 * @param serverName        the TLS SNI the client sent ({@code %REQUESTED_SERVER_NAME%})
 * @param reason            why it was allowed or refused; null when the client left before a decision
 * @param message           one line for people about a refusal, {@code -} when allowed
 * @param resource          the ServiceEntry that allowed it, or null
 * @param upstreamHostAddress the upstream address connected to ({@code %UPSTREAM_HOST%})
 * @param upstreamLocalAddress the gateway's own address on the upstream connection
 * @param bytesReceived     bytes from the client ({@code %BYTES_RECEIVED%})
 * @param bytesSent         bytes to the client ({@code %BYTES_SENT%})
 * @param sourcePrincipal   the client's identity (SPIFFE ID from its certificate), {@code -} if none
 * @param requestedAddress  the host (or address) and port the client asked for, whatever the protocol; {@code -} if none
 * @param originalDestinationAddress where a captured connection was going (sidecar role), {@code -} otherwise
 * @param httpRoute         the VirtualService route that took the request or connection ({@code %ROUTE_NAME%}): its http
 *                          route, or a sidecar's mesh tls/tcp route; {@code -} if none
 * @param routeFlags        Envoy flags the route's actions added ({@code FI}, {@code DI}, {@code URX}), {@code -} if none
 */
public record ConnectionRecord(
        Instant start,
        long durationMillis,
        String listener,
        LoggedAddress downstreamRemoteAddress,
        LoggedAddress downstreamLocalAddress,
        String method,
        String path,
        String httpProtocol,
        int responseCode,
        String userAgent,
        String forwardedFor,
        String requestId,
        LoggedAddress authorityAddress,
        String serverName,
        Reason reason,
        String message,
        ResourceId resource,
        Destination destination,
        LoggedAddress upstreamHostAddress,
        LoggedAddress upstreamLocalAddress,
        long bytesReceived,
        long bytesSent,
        int requests,
        String sourcePrincipal,
        LoggedAddress requestedAddress,
        LoggedAddress originalDestinationAddress,
        String httpRoute,
        String routeFlags) {

    /** A record of fields already written as text (tools, tests). */
    public ConnectionRecord(Instant start, long durationMillis, String listener, String downstreamRemote,
                            String downstreamLocal, String method, String path, String httpProtocol, int responseCode,
                            String userAgent, String forwardedFor, String requestId, String authority,
                            String serverName, Reason reason, String message, ResourceId resource,
                            Destination destination, String upstreamHost, String upstreamLocal, long bytesReceived,
                            long bytesSent, int requests, String sourcePrincipal, String requested,
                            String originalDestination, String httpRoute, String routeFlags) {
        this(start, durationMillis, listener, LoggedAddress.text(downstreamRemote), LoggedAddress.text(downstreamLocal),
                method, path, httpProtocol, responseCode, userAgent, forwardedFor, requestId,
                LoggedAddress.text(authority), serverName, reason, message, resource, destination,
                LoggedAddress.text(upstreamHost), LoggedAddress.text(upstreamLocal), bytesReceived, bytesSent, requests,
                sourcePrincipal, LoggedAddress.text(requested), LoggedAddress.text(originalDestination), httpRoute,
                routeFlags);
    }

    /** A record without an http route (TLS, TCP, or HTTP that no VirtualService http route took). */
    public ConnectionRecord(Instant start, long durationMillis, String listener, String downstreamRemote,
                            String downstreamLocal, String method, String path, String httpProtocol, int responseCode,
                            String userAgent, String forwardedFor, String requestId, String authority,
                            String serverName, Reason reason, String message, ResourceId resource,
                            Destination destination, String upstreamHost, String upstreamLocal, long bytesReceived,
                            long bytesSent, int requests, String sourcePrincipal, String requested,
                            String originalDestination) {
        this(start, durationMillis, listener, downstreamRemote, downstreamLocal, method, path, httpProtocol,
                responseCode, userAgent, forwardedFor, requestId, authority, serverName, reason, message, resource,
                destination, upstreamHost, upstreamLocal, bytesReceived, bytesSent, requests, sourcePrincipal,
                requested, originalDestination, "-", "-");
    }

    /** The client's address ({@code %DOWNSTREAM_REMOTE_ADDRESS%}), written on first use. */
    public String downstreamRemote() {
        return downstreamRemoteAddress.text();
    }

    /** The address the client connected to, or where a captured connection was going ({@code %DOWNSTREAM_LOCAL_ADDRESS%}). */
    public String downstreamLocal() {
        return downstreamLocalAddress.text();
    }

    /** The HTTP authority (CONNECT target or absolute-URI host), {@code -} otherwise. */
    public String authority() {
        return authorityAddress.text();
    }

    /** The upstream address connected to ({@code %UPSTREAM_HOST%}). */
    public String upstreamHost() {
        return upstreamHostAddress.text();
    }

    /** The gateway's own address on the upstream connection ({@code %UPSTREAM_LOCAL_ADDRESS%}). */
    public String upstreamLocal() {
        return upstreamLocalAddress.text();
    }

    /** The host (or address) and port the client asked for, whatever the protocol; {@code -} if none. */
    public String requested() {
        return requestedAddress.text();
    }

    /** Where a captured connection was going (sidecar role), {@code -} otherwise. */
    public String originalDestination() {
        return originalDestinationAddress.text();
    }

    /**
     * What policy decided: {@code allowed} (also when the upstream then failed, or the connection
     * idled out: see {@link #upstreamOutcome()}), {@code denied}, or {@code closed} when the client
     * left before a decision.
     */
    public String decision() {
        return reason == null ? "closed" : reason == Reason.INTERNAL_ERROR ? "error" : allowed() ? "allowed" : "denied";
    }

    /** Whether policy let the connection through, whatever happened upstream afterwards. */
    public boolean allowed() {
        return reason != null && !reason.isDenial();
    }

    /** The upstream failure's reason code when the allowed connection failed upstream, else {@code -}. */
    public String upstreamOutcome() {
        return reason != null && reason.isUpstreamFailure() ? reason.code() : "-";
    }

    /** The reason code, {@code client_closed} when there was no decision. */
    public String reasonCode() {
        return reason == null ? "client_closed" : reason.code();
    }

    /** Envoy's flags: the route's own ({@code DI,URX}) before the reason's ({@code UT}), comma-separated as Envoy does. */
    public String responseFlags() {
        String byReason = ResponseFlags.of(reason);
        if (routeFlags.equals(ResponseFlags.NONE)) {
            return byReason;
        }
        return byReason.equals(ResponseFlags.NONE) ? routeFlags : routeFlags + "," + byReason;
    }

    /**
     * Istio's route name: the VirtualService http route that took the request, else the allowing resource,
     * {@code allow_any} or {@code block_all}.
     */
    public String routeName() {
        if (!httpRoute.equals("-")) {
            return httpRoute;
        }
        if (resource != null) {
            return resource.toString();
        }
        if (reason == null) {
            return "-";
        }
        return Destination.PASSTHROUGH.equals(destination.cluster()) ? "allow_any" : "block_all";
    }

    /** Envoy's reason an upstream connection failed, else {@code -}. */
    public String upstreamFailure() {
        return reason != null && reason.isUpstreamFailure() ? message : "-";
    }
}
