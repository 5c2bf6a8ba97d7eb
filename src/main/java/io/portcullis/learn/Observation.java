package io.portcullis.learn;

import io.portcullis.model.Cidr;
import io.portcullis.model.IstioPrincipal;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionRecord;
import java.util.Locale;
import java.util.Optional;

/**
 * The facts of one decided connection that learning, replay and the live view use, taken from
 * its {@link ConnectionRecord} off the event loop. Text fields are null when absent.
 *
 * @param at          when the connection started, epoch milliseconds
 * @param listener    e.g. {@code proxy_3128}, {@code tls_443}, {@code capture_15001}
 * @param host        the name the client asked for (CONNECT authority, Host, SNI); null when it named an address or nothing
 * @param address     the IP the client asked for or was connected to; null when unknown
 * @param port        the destination port
 * @param sni         the TLS SNI the client sent, or null
 * @param principal   the caller's SPIFFE ID, or null
 * @param sourceIp    the caller's address (no port)
 * @param local       the address:port the client connected to (for replay: a Gateway listener's address)
 * @param allowed     the verdict
 * @param reason      its reason code
 * @param message     one line about a refusal, or null
 * @param resource    the resource that allowed or refused it ({@code ServiceEntry/ns/name}), or null
 * @param undeclared  no resource declared the destination (allowed by ALLOW_ANY or refused for it)
 */
public record Observation(long at, String listener, String host, String address, int port, SeenProtocol protocol,
                          String sni, String principal, String sourceIp, String local, boolean allowed, Reason reason,
                          String message, String resource, boolean undeclared, long bytesReceived, long bytesSent) {

    /** The connection's facts, or empty when the client left before a decision or named no destination. */
    public static Optional<Observation> of(ConnectionRecord r) {
        if (r.reason() == null) {
            return Optional.empty();
        }
        HostPort requested = HostPort.parse(r.requested()).orElse(null);
        String sni = dashToNull(r.serverName());
        String host = null;
        String address = null;
        int port = 0;
        if (requested != null) {
            port = requested.port();
            if (Cidr.literalBytes(requested.host()) != null) {
                address = requested.host();
            } else {
                host = requested.host();
            }
        }
        if (host == null && sni != null) {
            host = sni.toLowerCase(Locale.ROOT);
        }
        // The original destination and the upstream are parsed only when the request named no address.
        HostPort original = address == null ? HostPort.parse(r.originalDestination()).orElse(null) : null;
        if (address == null && original != null) {
            address = original.host();
            port = port == 0 ? original.port() : port;
        }
        HostPort upstream = address == null ? HostPort.parse(r.upstreamHost()).orElse(null) : null;
        if (address == null && upstream != null) {
            address = upstream.host();
            port = port == 0 ? upstream.port() : port;
        }
        if (host == null && address == null) {
            return Optional.empty();
        }
        String source = HostPort.parse(r.downstreamRemote()).map(HostPort::host).orElse(r.downstreamRemote());
        boolean undeclared = r.resource() == null && r.reason() != Reason.AUTHZ_DENIED;
        return Optional.of(new Observation(r.start().toEpochMilli(), r.listener(), host, address, port,
                protocol(r, sni), sni, dashToNull(r.sourcePrincipal()), source, r.downstreamLocal(),
                r.allowed(), r.reason(), dashToNull(r.message()),
                r.resource() == null ? null : r.resource().toString(), undeclared, r.bytesReceived(), r.bytesSent()));
    }


    /** The destination as seen: the name when there is one, else the address. */
    public String destination() {
        return host != null ? host : address;
    }

    /** Whether this connection is a candidate for a suggestion: undeclared, or refused by an AuthorizationPolicy. */
    public boolean isCandidate() {
        return reason == Reason.AUTHZ_DENIED || (undeclared && (reason == Reason.UNDECLARED_ALLOWED
                || reason == Reason.NO_SERVICE_ENTRY));
    }

    /** The caller's namespace, from its SPIFFE ID ({@code spiffe://td/ns/NS/sa/SA}), or null. */
    public String namespace() {
        return principal == null ? null : IstioPrincipal.namespaceOf(principal).orElse(null);
    }

    /** Who called, as shown: the principal, else the source address. */
    public String caller() {
        return principal != null ? principal : sourceIp;
    }

    private static SeenProtocol protocol(ConnectionRecord r, String sni) {
        String listener = r.listener();
        int underscore = listener.indexOf('_');
        String kind = underscore < 0 ? listener : listener.substring(0, underscore);
        switch (kind) {
            case "mongo" -> {
                return SeenProtocol.MONGO;
            }
            case "mysql" -> {
                return SeenProtocol.MYSQL;
            }
            case "redis" -> {
                return SeenProtocol.REDIS;
            }
            default -> {
                // not a database listener: decided by what was seen below
            }
        }
        if (sni != null) {
            return SeenProtocol.TLS;
        }
        if (!r.method().equals("-") && !r.method().equals("CONNECT")) {
            return SeenProtocol.HTTP;
        }
        // A CONNECT to port 443 carries TLS as a rule; the tunnel's ClientHello is not recorded today.
        return r.method().equals("CONNECT") && r.requested().endsWith(":443") ? SeenProtocol.TLS : SeenProtocol.TCP;
    }

    private static String dashToNull(String s) {
        return s == null || s.equals("-") || s.isEmpty() ? null : s;
    }

    /** {@code host:port} or {@code [v6]:port}. */
    record HostPort(String host, int port) {

        static Optional<HostPort> parse(String s) {
            if (s == null || s.equals("-")) {
                return Optional.empty();
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String h = s.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            try {
                return Optional.of(new HostPort(h.toLowerCase(Locale.ROOT), Integer.parseInt(s.substring(colon + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
