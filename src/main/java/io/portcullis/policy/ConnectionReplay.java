package io.portcullis.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Decides a past connection again, under any {@link EgressPolicy}, through {@link Admission#admit}
 * as the listener that accepted it did: the recorded facts are replayed as that listener kind's
 * {@link Facts} (the explicit proxy by name or address, a Gateway listener by its kind, the
 * sidecar's capture by the original destination). Pure; for {@code diff}, never on the data path.
 */
public final class ConnectionReplay {
    private ConnectionReplay() {
    }

    public static Verdict decide(EgressPolicy policy, ReplayQuery q) {
        String kind = q.listener().contains("_") ? q.listener().substring(0, q.listener().indexOf('_')) : q.listener();
        if (kind.equals("proxy")) {
            HostPort authority = q.host() != null ? HostPort.ofName(q.host(), q.port())
                    : new HostPort(q.address().getHostAddress(), q.port(), Optional.of(q.address()));
            return Admission.admit(policy, common(Facts.of(ListenerKind.EXPLICIT_CONNECT, q.localPort()), q)
                    .authority(authority).build());
        }
        if (kind.equals("capture")) {
            if (q.address() == null) {
                return refusal(Reason.NO_ORIGINAL_DST, "no original destination was recorded");
            }
            Facts.Builder f = common(Facts.of(ListenerKind.SIDECAR_CAPTURE, q.port()), q)
                    .originalDestination(new InetSocketAddress(q.address(), q.port())).sni(q.sni());
            if (q.sni() == null && q.host() != null) {
                f.host(HostPort.ofName(q.host(), q.port()));
            }
            return Admission.admit(policy, f.build());
        }
        ListenerSpec listener = policy.listener(q.localPort());
        if (listener == null || !listener.name().equals(q.listener())) {
            return refusal(Reason.NO_ROUTE, "no Gateway server opens listener " + q.listener() + " in this configuration");
        }
        ListenerKind lk = listener.isTlsPassthrough() ? ListenerKind.TLS_PASSTHROUGH
                : listener.isMutualTls() ? ListenerKind.MUTUAL_TLS
                : listener.isHttp() ? ListenerKind.HTTP_GATEWAY : ListenerKind.TCP;
        if (lk == ListenerKind.TLS_PASSTHROUGH && q.sni() == null) {
            return refusal(Reason.NO_SNI, "no SNI was recorded");
        }
        if (lk == ListenerKind.HTTP_GATEWAY && q.host() == null) {
            return refusal(Reason.BAD_REQUEST, "no Host was recorded");
        }
        Facts.Builder f = common(Facts.of(lk, listener.port()), q).listener(listener).sni(q.sni());
        if (q.host() != null) {
            f.host(HostPort.ofName(q.host(), listener.port()));
        }
        return Admission.admit(policy, f.build());
    }

    private static Facts.Builder common(Facts.Builder f, ReplayQuery q) {
        if (q.sourceIp() != null) {
            f.remote(new InetSocketAddress(q.sourceIp(), 0));
        }
        if (q.localIp() != null) {
            f.local(new InetSocketAddress(q.localIp(), q.localPort()));
        }
        // What AuthorizationPolicies saw of its HTTP request (an explicit proxy's CONNECT), else a connection.
        q.http().ifPresent(h -> f.http(h.method(), h.path() == null ? "" : h.path(),
                name -> h.headers().values(name.toLowerCase(java.util.Locale.ROOT))));
        return f.peer(q.principal());
    }

    private static Verdict refusal(Reason reason, String message) {
        return new Verdict.Refusal(reason, message, Optional.empty(), Optional.empty());
    }

    /** An address literal's bytes as an {@link InetAddress}, without a lookup; null when not a literal. */
    public static InetAddress literal(String s) {
        byte[] b = s == null ? null : io.portcullis.model.Cidr.literalBytes(s);
        if (b == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
