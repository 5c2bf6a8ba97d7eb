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
     */
    record Forward(Decision decision, Authority authority, String hostHeader, TlsOrigination tls,
                   EgressPolicy snapshot) implements Route {
    }

    /** Open a CONNECT tunnel to the decision's upstream (explicit proxy only). */
    record Tunnel(Decision decision, Authority authority) implements Route {
    }
}
