package io.portcullis.telemetry;

import io.portcullis.model.Protocol;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one connection leaves behind: filled in as it goes, on the connection's event loop,
 * and frozen into one {@link ConnectionRecord} when it closes, which feeds both the access log
 * and the metrics. The first refusal wins: a later error on the way down does not overwrite why
 * a connection was refused. Not thread-safe: only the connection's event loop touches it.
 */
public final class ConnectionLog {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLog.class);
    /** Characters of dry-run notes after which a connection's line takes no more (a long tunnel's many requests). */
    private static final int MAX_DRY_RUN_NOTES = 1024;
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private final String listener;
    /** The addresses as the sockets gave them: written as text on the access-log writer, not here ({@link LoggedAddress}). */
    private final LoggedAddress client;
    /** The local address, or, for a captured connection, where it was going before iptables redirected it. */
    private LoggedAddress local;
    private final ConnectionObserver observer;
    private final ProtocolMetrics protocolMetrics;
    private String requestedHost;
    private int requestedPort;
    /** {@link #requestedHost} and {@link #requestedPort} for the record: the requested destination and the authority. */
    private LoggedAddress requested = LoggedAddress.NONE;
    private String serverName;
    private Reason reason;
    private String message;
    private ResourceId resource;
    private Protocol protocol;
    private Destination destination = Destination.NONE;
    private boolean decidedOnce;
    private boolean established;
    private LoggedAddress upstream = LoggedAddress.NONE;
    private LoggedAddress upstreamLocal = LoggedAddress.NONE;
    private long bytesFromClient;
    private long bytesToClient;
    private int requests;
    private String method;
    private String path;
    private String httpProtocol;
    private String userAgent;
    private String forwardedFor;
    private String requestId;
    private long requestStartNanos;
    private int responseCode;
    private String sourcePrincipal;
    private LoggedAddress originalDestination = LoggedAddress.NONE;
    /** What dry-run AuthorizationPolicies would have done with this connection or exchange, or null. */
    private String dryRun;
    private boolean finished;
    /** The VirtualService http route of the current exchange, and the Envoy flags its actions added. */
    private String httpRoute;
    private String routeFlags;
    /** Where each finished HTTP exchange's line goes; null: one line per connection (tests, tools). */
    private Consumer<ConnectionRecord> exchangeSink;
    /** A CONNECT or a 101 made this connection a tunnel: from then on it is one line, written at close. */
    private boolean tunnel;
    /** An HTTP exchange started and its line is not written yet. */
    private boolean exchangePending;
    /** Exchange lines written so far: once there is one, the close writes a line only for a pending exchange. */
    private int exchangesWritten;
    private Instant exchangeStart;
    private long exchangeStartNanos;
    private long bytesFromClientBefore;
    private long bytesToClientBefore;

    /** A log that feeds no metrics (tests, tools). */
    public ConnectionLog(String listener, SocketAddress client) {
        this(listener, client, null, ConnectionObserver.NONE, null);
    }

    /**
     * @param protocolMetrics where protocol sniffers count, or null for no sniffing
     */
    public ConnectionLog(String listener, SocketAddress client, SocketAddress local, ConnectionObserver observer,
                         ProtocolMetrics protocolMetrics) {
        this.listener = listener;
        this.client = LoggedAddress.of(client);
        this.local = LoggedAddress.of(local);
        this.observer = observer;
        this.protocolMetrics = protocolMetrics;
    }

    /**
     * Where a captured connection was going before iptables redirected it (sidecar role): logged
     * as the downstream local address, as Envoy does for an original-destination listener.
     */
    public void originalDestination(SocketAddress address) {
        this.local = LoggedAddress.of(address);
        this.originalDestination = this.local;
    }

    public void requested(String host, int port) {
        if (requestedHost == null) {
            this.requestedHost = host;
            this.requestedPort = port;
            this.requested = LoggedAddress.of(host, port);
        }
    }

    /** The SNI of a TLS ClientHello ({@code %REQUESTED_SERVER_NAME%}). */
    public void serverName(String sni) {
        this.serverName = sni;
    }

    /**
     * The verdict of {@code Admission.admit} on this connection (or on its current HTTP request): the
     * one way the record learns what was decided. The destination as requested is recorded with it
     * (the first one wins), then the reason, the resource that decided (the ServiceEntry that allowed,
     * the AuthorizationPolicy that refused), the protocol and the destination; the metrics observer
     * hears of the first decision. What dry-run AuthorizationPolicies would have done is noted and
     * counted whatever the verdict.
     */
    public void decided(Verdict verdict) {
        verdict.requested().ifPresent(r -> requested(r.host(), r.port()));
        verdict.dryRun().forEach(d -> dryRun(d.policy(), d.result(), d.message()));
        if (reason == null || reason.allows()) {
            this.reason = verdict.reason();
            this.message = verdict.message();
            this.resource = verdict.resource().orElse(null);
            this.protocol = verdict instanceof Verdict.Forward f ? f.protocol().orElse(null) : null;
            this.destination = Destination.of(verdict.binding(), verdict.allowed(), requestedHost, requestedPort);
            if (verdict instanceof Verdict.Forward f) {
                // A sidecar's mesh route to another host: the destination is that host's cluster (the egress gateway's
                // subset), and the route's VirtualService names the line's route unless an http route took the request.
                f.routedTo().ifPresent(r -> destination = Destination.routed(r));
                if (httpRoute == null) {
                    f.route().ifPresent(r -> httpRoute = r.toString());
                }
            }
            if (!decidedOnce) {
                decidedOnce = true;
                observer.decided(this);
            }
        }
    }

    /**
     * A refusal by a resource outside admission (a VirtualService http route that matched no request
     * of a host it serves): recorded as a refusal verdict, so it is logged and counted as one.
     */
    public void refused(Reason why, String detail, ResourceId by) {
        decided(new Verdict.Refusal(why, detail, java.util.Optional.ofNullable(by), java.util.Optional.empty()));
    }

    /**
     * A request the gateway answers itself, as a VirtualService http route says (redirect, direct
     * response): allowed, with no upstream and no ServiceEntry.
     */
    public void answered(String detail) {
        if (reason == null || reason.allows()) {
            this.reason = Reason.DECLARED;
            this.message = detail;
            this.resource = null;
            this.protocol = null;
            this.destination = Destination.of(java.util.Optional.empty(), true, requestedHost, requestedPort);
            if (!decidedOnce) {
                decidedOnce = true;
                observer.decided(this);
            }
        }
    }

    /** Records a refusal or failure that ends the connection, unless one is already recorded. */
    public void refused(Reason why, String detail) {
        if (reason == null || reason.allows()) {
            this.reason = why;
            this.message = detail;
            if (destination.equals(Destination.NONE)) {
                // Refused before any decision (no SNI, bad request, timeout): it went nowhere, as Istio's black hole.
                destination = Destination.of(java.util.Optional.empty(), false, requestedHost, requestedPort);
            }
        }
    }

    /**
     * An {@code istio.io/dry-run} AuthorizationPolicy set was evaluated: counted, and named in the
     * access line's message (after a refusal's own message), as Istio exposes Envoy's
     * {@code shadow_effective_policy_id} and {@code shadow_engine_result}.
     *
     * @param policy the deciding policy, or null when several ALLOW policies all missed
     * @param result {@code allowed} or {@code denied}
     */
    public void dryRun(ResourceId policy, String result, String detail) {
        observer.authzDryRun(policy == null ? "-" : policy.toString(), result);
        String note = "dry-run " + result + ": " + detail;
        if (dryRun == null) {
            dryRun = note;
        } else if (!dryRun.contains(note) && dryRun.length() < MAX_DRY_RUN_NOTES) {
            // A tunnel's requests share one line: repeated verdicts are told once, and the line stays bounded.
            dryRun = dryRun + "; " + note;
        }
    }

    public void upstream(SocketAddress address) {
        this.upstream = LoggedAddress.of(address);
    }

    /** The gateway's own address on the upstream connection ({@code %UPSTREAM_LOCAL_ADDRESS%}). */
    public void upstreamLocal(SocketAddress address) {
        this.upstreamLocal = LoggedAddress.of(address);
    }

    /** The first upstream is connected and bytes flow both ways: the client's set-up time ends here. */
    public void relayed() {
        if (!established) {
            established = true;
            observer.established(System.nanoTime() - startNanos);
        }
    }

    /** The client's authenticated identity, e.g. {@code spiffe://cluster.local/ns/a/sa/b}. */
    public void sourcePrincipal(String principal) {
        this.sourcePrincipal = principal;
    }

    public void addFromClient(long n) {
        bytesFromClient += n;
        observer.bytesFromClient(n);
    }

    public void addToClient(long n) {
        bytesToClient += n;
        observer.bytesToClient(n);
    }

    public void request() {
        requests++;
        requestStartNanos = System.nanoTime();
    }

    /**
     * From now on each HTTP exchange that is not a tunnel (CONNECT, 101) is written to {@code sink}
     * as its own line when its response ends, as Envoy's HTTP connection manager does; the
     * connection's close then writes a line only for an exchange still under way.
     */
    public void exchangesTo(Consumer<ConnectionRecord> sink) {
        this.exchangeSink = sink;
    }

    /** An HTTP request head arrived; its fields go to its own access line (the first one's, once a tunnel). */
    public void request(String method, String path, String protocol, String userAgent, String forwardedFor,
                        String requestId) {
        if (exchangeSink != null && !tunnel && exchangesWritten > 0) {
            startExchange();
        }
        request();
        if (!tunnel) {
            exchangePending = true;
            exchangeStart = Instant.now();
            exchangeStartNanos = requestStartNanos;
            tunnel = "CONNECT".equals(method);
        }
        if (this.method == null) {
            this.method = method;
            this.path = path;
            this.httpProtocol = protocol;
            this.userAgent = userAgent;
            this.forwardedFor = forwardedFor;
            this.requestId = requestId;
        }
    }

    /** The current HTTP exchange ended with {@code status} sent to the client ({@code 101}: it became a tunnel). */
    public void responded(int status) {
        responseCode = status;
        observer.responded(this, status, requestStartNanos == 0 ? 0 : System.nanoTime() - requestStartNanos);
        if (status == 101) {
            tunnel = true;
        }
        if (exchangeSink != null && exchangePending && !tunnel) {
            exchangePending = false;
            exchangesWritten++;
            ConnectionRecord r = snapshot();
            bytesFromClientBefore = bytesFromClient;
            bytesToClientBefore = bytesToClient;
            exchangeSink.accept(r);
        }
    }

    /** Forgets the previous exchange's request, decision and response: the next line is this exchange's own. */
    private void startExchange() {
        method = null;
        path = null;
        httpProtocol = null;
        userAgent = null;
        forwardedFor = null;
        requestId = null;
        requestedHost = null;
        requestedPort = 0;
        requested = LoggedAddress.NONE;
        reason = null;
        message = null;
        resource = null;
        protocol = null;
        destination = Destination.NONE;
        upstream = LoggedAddress.NONE;
        upstreamLocal = LoggedAddress.NONE;
        responseCode = 0;
        dryRun = null;
        httpRoute = null;
        routeFlags = null;
    }

    /** The VirtualService http route that took the current exchange ({@code %ROUTE_NAME%}). */
    public void httpRoute(String name) {
        this.httpRoute = name;
    }

    /** An Envoy response flag a route action caused ({@code FI}, {@code DI}, {@code URX}), for the current exchange. */
    public void routeFlag(String flag) {
        if (routeFlags == null) {
            routeFlags = flag;
        } else if (!java.util.Arrays.asList(routeFlags.split(",")).contains(flag)) {
            routeFlags = routeFlags + "," + flag;
        }
    }

    /** Envoy's flags for the current exchange: its route's ({@code FI}, {@code DI}, {@code URX}) and its reason's. */
    public String responseFlags() {
        String byReason = ResponseFlags.of(reason);
        if (routeFlags == null) {
            return byReason;
        }
        return byReason.equals(ResponseFlags.NONE) ? routeFlags : routeFlags + "," + byReason;
    }

    /** The client's address as logged, e.g. {@code 10.0.0.2:41234} (written here on first use: for warnings). */
    public String client() {
        return client.text();
    }

    public Reason reason() {
        return reason;
    }

    /** The protocol of the ServiceEntry port that allowed the connection, or null. */
    public Protocol protocol() {
        return protocol;
    }

    public Destination destination() {
        return destination;
    }

    public String listener() {
        return listener;
    }

    public String sourcePrincipal() {
        return sourcePrincipal;
    }

    /** Where protocol sniffers of this connection count, or null when none should run. */
    public ProtocolMetrics protocolMetrics() {
        return protocolMetrics;
    }

    long bytesFromClient() {
        return bytesFromClient;
    }

    long bytesToClient() {
        return bytesToClient;
    }

    /** Marks the log finished; true the first time only, so a connection is logged once. */
    public boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        return true;
    }

    /**
     * Freezes the connection into its record, tells the observer, and returns it; null if already
     * done, or when every HTTP exchange of the connection already has its own line.
     */
    public ConnectionRecord close() {
        if (!finish()) {
            return null;
        }
        ConnectionRecord r = snapshot();
        try {
            observer.closed(r);
        } catch (RuntimeException e) {
            // A metrics failure must not cost the access-log line.
            LOG.warn("counting the closed connection from {} failed", client, e);
        }
        return exchangesWritten > 0 && !exchangePending ? null : r;
    }

    /** The record as of now. */
    public ConnectionRecord snapshot() {
        // An exchange's line (per-exchange mode, not a tunnel) starts with its request and counts the
        // bytes since the previous line: a connection's lines add up to its totals.
        boolean exchange = exchangeSink != null && !tunnel && exchangeStart != null;
        Instant start = exchange ? exchangeStart : this.start;
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - (exchange ? exchangeStartNanos : startNanos));
        long fromClient = bytesFromClient - bytesFromClientBefore;
        long toClient = bytesToClient - bytesToClientBefore;
        int requests = exchange ? 1 : this.requests;
        // One LoggedAddress for both: the authority of an HTTP request is the destination it requested, written once.
        LoggedAddress authority = method == null ? LoggedAddress.NONE : requested;
        return new ConnectionRecord(start, durationMs, listener, client, local, dash(method), dash(path),
                dash(httpProtocol), responseCode, dash(userAgent), dash(forwardedFor), dash(requestId), authority,
                dash(serverName), reason, message(), resource,
                destination, upstream, upstreamLocal, fromClient, toClient, requests,
                dash(sourcePrincipal), requested, originalDestination, dash(httpRoute), dash(routeFlags));
    }

    /** A refusal's message, then what dry-run policies would have done; {@code -} for neither. */
    private String message() {
        String refusal = reason == null || reason.allows() ? null : message;
        if (dryRun == null) {
            return dash(refusal);
        }
        return refusal == null || refusal.isEmpty() ? dryRun : refusal + "; " + dryRun;
    }

    /** The access line in the default (Envoy text) format, as of now. */
    public String toLine() {
        return AccessLogFormat.TEXT.format(snapshot());
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
