package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.TlsOrigination;
import io.portcullis.policy.Verdict;
import java.util.Optional;

/** What a {@link RequestRouter} decided for one request head. */
sealed interface Route {

    /**
     * Answer with the reason's status and close.
     *
     * @param status the status to answer with instead of the reason's own (e.g. 421 for a request
     *               misdirected on a TLS connection); empty for the reason's
     */
    record Refuse(Reason reason, String message, Optional<HttpResponseStatus> status) implements Route {
        Refuse(Reason reason, String message) {
            this(reason, message, Optional.empty());
        }
    }

    /**
     * Forward the request as the verdict says.
     *
     * @param hostHeader the Host header the upstream gets
     * @param snapshot   the policy that decided (its TLS contexts apply); null when the verdict originates no TLS
     * @param actions    what the VirtualService http route that took the request does to it; {@link RouteActions#NONE}
     */
    record Forward(Verdict.Forward verdict, Authority authority, String hostHeader, EgressPolicy snapshot,
                   RouteActions actions) implements Route {

        /** A request no VirtualService http route took. */
        Forward(Verdict.Forward verdict, Authority authority, String hostHeader, EgressPolicy snapshot) {
            this(verdict, authority, hostHeader, snapshot, RouteActions.NONE);
        }

        /** TLS to originate, or null for plain HTTP. */
        TlsOrigination tls() {
            return verdict.origination().orElse(null);
        }
    }

    /** Answer here, as the route says (redirect, direct response), without going upstream. */
    record Answer(RouteActions.LocalReply reply, String routeName) implements Route {
    }

    /** Open a CONNECT tunnel as the verdict says (explicit proxy only). */
    record Tunnel(Verdict.Forward verdict, Authority authority) implements Route {
    }
}
