package io.portcullis.policy;

import java.net.InetAddress;

/**
 * Decides a past connection again, under any {@link EgressPolicy}, with the same lookups the
 * listener that accepted it used: the explicit proxy by name or address (then
 * AuthorizationPolicy, as {@code ExplicitProxyRouter} does), a Gateway listener by its kind (SNI,
 * Host, tcp route, mutual TLS), the sidecar's capture by the original destination. Pure; for
 * {@code diff}, never on the data path.
 */
public final class ConnectionReplay {
    private ConnectionReplay() {
    }

    public static Decision decide(EgressPolicy policy, ReplayQuery q) {
        String kind = q.listener().contains("_") ? q.listener().substring(0, q.listener().indexOf('_')) : q.listener();
        if (kind.equals("proxy")) {
            Decision d = q.host() != null ? policy.decideHost(q.host(), q.port())
                    : policy.decideAddress(q.address(), q.port());
            return authorize(policy, q, d, q.host() != null ? q.host() : q.address().getHostAddress(), null);
        }
        if (kind.equals("capture")) {
            if (q.address() == null) {
                return Decision.deny(Reason.NO_ORIGINAL_DST, "no original destination was recorded");
            }
            return policy.sidecar().decide(q.address(), q.port(), q.host() != null ? q.host() : q.sni(), q.sni() != null)
                    .asDecision();
        }
        ListenerSpec listener = policy.listener(q.localPort());
        if (listener == null || !listener.name().equals(q.listener())) {
            return Decision.deny(Reason.NO_ROUTE, "no Gateway server opens listener " + q.listener()
                    + " in this configuration");
        }
        byte[] local = q.localIp() == null ? null : q.localIp().getAddress();
        Decision d;
        if (listener.isTlsPassthrough()) {
            if (q.sni() == null) {
                return Decision.deny(Reason.NO_SNI, "no SNI was recorded");
            }
            d = policy.decideSni(listener, q.sni(), local);
        } else if (listener.isMutualTls()) {
            // The caller's namespace scopes it (exportTo, Sidecar) as it did live.
            String principal = q.principal() == null ? null
                    : q.principal().startsWith("spiffe://") ? q.principal().substring(9) : q.principal();
            d = policy.decideMutualTls(listener, q.sni(), local, namespace(principal));
        } else if (listener.isHttp()) {
            d = q.host() == null ? Decision.deny(Reason.BAD_REQUEST, "no Host was recorded")
                    : policy.decideHttpGateway(listener, q.host());
        } else {
            d = policy.decideTcp(listener, local);
        }
        return authorize(policy, q, d, q.sni() != null ? q.sni() : q.host(), q.sni());
    }

    private static Decision authorize(EgressPolicy policy, ReplayQuery q, Decision d, String host, String sni) {
        if (!d.allowed() || policy.authorizer().isEmpty()) {
            return d;
        }
        String principal = q.principal() == null ? null
                : q.principal().startsWith("spiffe://") ? q.principal().substring(9) : q.principal();
        AuthzResult r = policy.authorizer().evaluate(new AuthzRequest(principal, namespace(principal), q.sourceIp(),
                q.localIp(), q.localPort(), host, sni, q.http()));
        return r.allowed() ? d : Decision.deny(Reason.AUTHZ_DENIED, r.message());
    }

    private static String namespace(String principal) {
        if (principal == null) {
            return null;
        }
        int ns = principal.indexOf("/ns/");
        if (ns < 0) {
            return null;
        }
        int end = principal.indexOf('/', ns + 4);
        return end < 0 ? principal.substring(ns + 4) : principal.substring(ns + 4, end);
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
