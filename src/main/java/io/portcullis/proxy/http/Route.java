package io.portcullis.proxy.http;

import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.TlsOrigination;

/** What a {@link RequestRouter} decided for one request head. */
sealed interface Route {

    /** Answer with the reason's status and close. */
    record Refuse(Reason reason, String message) implements Route {
    }

    /**
     * Forward the request to the decision's upstream.
     *
     * @param hostHeader the Host header the upstream gets
     * @param tls        TLS to originate, or null for plain HTTP
     * @param snapshot   the policy that decided (its TLS contexts apply); null when {@code tls} is
     * @param actions    what the VirtualService http route that took the request does to it; {@link RouteActions#NONE}
     */
    record Forward(Decision decision, Authority authority, String hostHeader, TlsOrigination tls,
                   EgressPolicy snapshot, RouteActions actions) implements Route {

        /** A request no VirtualService http route took. */
        Forward(Decision decision, Authority authority, String hostHeader, TlsOrigination tls, EgressPolicy snapshot) {
            this(decision, authority, hostHeader, tls, snapshot, RouteActions.NONE);
        }
    }

    /** Answer here, as the route says (redirect, direct response), without going upstream. */
    record Answer(RouteActions.LocalReply reply, String routeName) implements Route {
    }

    /** Open a CONNECT tunnel to the decision's upstream (explicit proxy only). */
    record Tunnel(Decision decision, Authority authority) implements Route {
    }
}
