package io.portcullis.telemetry;

import io.netty.util.NetUtil;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.Decision;
import io.portcullis.policy.Reason;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Everything one connection leaves behind: filled in as it goes, on the connection's event loop,
 * and written as one access-log line when it closes. The first refusal wins: a later error on
 * the way down does not overwrite why a connection was refused.
 */
public final class ConnectionLog {
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private final String listener;
    private final String client;
    private String sourcePrincipal;
    private String originalDestination;
    private String requestedHost;
    private int requestedPort;
    private Reason reason;
    private String message;
    private ResourceId resource;
    private String upstream;
    private long bytesFromClient;
    private long bytesToClient;
    private int requests;
    private boolean finished;

    public ConnectionLog(String listener, SocketAddress client) {
        this.listener = listener;
        this.client = format(client);
    }

    /** The caller's identity from its mutual-TLS certificate, e.g. {@code spiffe://cluster.local/ns/a/sa/b}. */
    public void sourcePrincipal(String principal) {
        this.sourcePrincipal = principal;
    }

    /** Where a captured connection was going before iptables redirected it (sidecar role). */
    public void originalDestination(SocketAddress address) {
        this.originalDestination = format(address);
    }

    public void requested(String host, int port) {
        if (requestedHost == null) {
            this.requestedHost = host;
            this.requestedPort = port;
        }
    }

    public void decided(Decision decision) {
        if (reason == null || reason.allows()) {
            this.reason = decision.reason();
            this.message = decision.message();
            this.resource = decision.resource();
        }
    }

    /** Records a refusal or failure that ends the connection, unless one is already recorded. */
    public void refused(Reason why, String detail) {
        if (reason == null || reason.allows()) {
            this.reason = why;
            this.message = detail;
        }
    }

    /** Like {@link #refused(Reason, String)}, naming the resource that refused (e.g. an AuthorizationPolicy). */
    public void refused(Reason why, String detail, ResourceId by) {
        if (reason == null || reason.allows()) {
            this.reason = why;
            this.message = detail;
            this.resource = by;
        }
    }

    public void upstream(SocketAddress address) {
        this.upstream = format(address);
    }

    public void addFromClient(long n) {
        bytesFromClient += n;
    }

    public void addToClient(long n) {
        bytesToClient += n;
    }

    public void request() {
        requests++;
    }

    /** The client's address as logged, e.g. {@code 10.0.0.2:41234}. */
    public String client() {
        return client;
    }

    public Reason reason() {
        return reason;
    }

    /** Marks the log finished; true the first time only, so a connection is logged once. */
    public boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        return true;
    }

    /** One line, {@code key=value} pairs in a fixed order; values with spaces are quoted. */
    public String toLine() {
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        Reason r = reason == null ? Reason.BAD_REQUEST : reason;
        StringBuilder sb = new StringBuilder(256);
        sb.append(start).append(" listener=").append(listener)
                .append(" client=").append(client);
        if (sourcePrincipal != null) {
            sb.append(" source_principal=").append(sourcePrincipal);
        }
        if (originalDestination != null) {
            sb.append(" original_dst=").append(originalDestination);
        }
        sb.append(" requested=").append(requestedHost == null ? "-" : requestedHost + ":" + requestedPort)
                .append(" decision=").append(reason == null ? "closed" : r.allows() ? "allowed" : "denied")
                .append(" reason=").append(reason == null ? "client_closed" : r.code())
                .append(" resource=").append(resource == null ? "-" : resource.toString())
                .append(" upstream=").append(upstream == null ? "-" : upstream)
                .append(" bytes_sent=").append(bytesFromClient)
                .append(" bytes_received=").append(bytesToClient);
        if (requests > 0) {
            sb.append(" requests=").append(requests);
        }
        sb.append(" duration_ms=").append(durationMs);
        if (message != null && (reason == null || !r.allows())) {
            sb.append(" message=\"").append(message.replace("\"", "'")).append('"');
        }
        return sb.toString();
    }

    private static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress isa && isa.getAddress() != null) {
            // RFC 5952 form for IPv6 (fd00::1, not fd00:0:0:0:0:0:0:1).
            String host = NetUtil.toAddressString(isa.getAddress());
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + isa.getPort();
        }
        return String.valueOf(address);
    }
}
