package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.portcullis.identity.SpiffeId;
import io.portcullis.policy.AuthzRequest;
import io.portcullis.policy.HttpAttributes;
import io.portcullis.policy.AuthzResult;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Applies the configuration's AuthorizationPolicies to a connection at a gateway listener: the
 * caller is its mTLS identity (when it has one) and its source address, the destination is the
 * listener's address and port, the host is the SNI or the proxy request's authority. A refusal is
 * recorded with {@code authz_denied}, the policy as the resource and the rule in the message.
 * Runs on the connection's event loop; costs nothing when no policy is configured.
 */
public final class GatewayAuthorization {
    private static final AuthzResult ALLOWED = new AuthzResult(true, null, "no AuthorizationPolicy applies");

    private GatewayAuthorization() {
    }

    /**
     * @param caller null without a client certificate (or one without SPIFFE ID)
     * @param host   the name the caller asked for (SNI, CONNECT authority), or null
     * @param sni    the TLS SNI, or null
     * @return whether the connection may proceed; when not, the refusal is in {@code log}
     */
    public static boolean permits(EgressPolicy policy, Channel ch, SpiffeId caller, String host, String sni,
                                  ConnectionLog log) {
        return evaluate(policy, ch, caller, host, sni, log).allowed();
    }

    /** Like {@link #permits}, returning the verdict with the policy and rule that decided. */
    public static AuthzResult evaluate(EgressPolicy policy, Channel ch, SpiffeId caller, String host, String sni,
                                       ConnectionLog log) {
        return evaluate(policy, ch, caller, host, sni, Optional.empty(), log);
    }

    /**
     * The verdict on one HTTP request ({@code http} present) or connection: what dry-run policies
     * would have done is counted and noted in {@code log} whatever the verdict.
     */
    public static AuthzResult evaluate(EgressPolicy policy, Channel ch, SpiffeId caller, String host, String sni,
                                       Optional<HttpAttributes> http, ConnectionLog log) {
        if (policy.authorizer().isEmpty()) {
            return ALLOWED;
        }
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ch.localAddress();
        AuthzResult result = policy.authorize(new AuthzRequest(
                caller == null ? null : caller.principal(), caller == null ? null : caller.namespace(),
                remote == null ? null : remote.getAddress(), local.getAddress(), local.getPort(), host, sni, http));
        for (AuthzResult.DryRun d : result.dryRun()) {
            log.dryRun(d.policy(), d.result(), d.message());
        }
        if (!result.allowed()) {
            log.refused(Reason.AUTHZ_DENIED, result.message(), result.policy());
        }
        return result;
    }
}
