package io.portcullis.policy;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.Protocol;
import io.portcullis.model.ResourceId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one answer of {@link Admission#admit} for one connection or request: refused, or forwarded
 * with everything the data plane needs to carry it out. The connection's record learns of it in
 * one way ({@code ConnectionLog.decided}).
 */
public sealed interface Verdict permits Verdict.Refusal, Verdict.Forward {

    Reason reason();

    /** One line for people, e.g. {@code no ServiceEntry allows api.other.test:443}. */
    String message();

    /** The resource that decided: the ServiceEntry that allowed, the AuthorizationPolicy that refused. */
    Optional<ResourceId> resource();

    /** The destination as the client named it, for the access log; empty when it named none (TCP). */
    Optional<HostPort> requested();

    /**
     * What the {@code istio.io/dry-run} AuthorizationPolicies would have done, whatever the verdict:
     * logged and counted by the connection's record, never enforced.
     */
    List<AuthzResult.DryRun> dryRun();

    default boolean allowed() {
        return this instanceof Forward;
    }

    /** The ServiceEntry port that allowed the connection, when one did. */
    default Optional<PortBinding> binding() {
        return this instanceof Forward f ? f.matched() : Optional.empty();
    }

    /** Refused: nothing is connected; the client hears {@code reason}. */
    record Refusal(Reason reason, String message, Optional<ResourceId> resource, Optional<HostPort> requested,
                   List<AuthzResult.DryRun> dryRun) implements Verdict {
        public Refusal {
            if (reason.allows()) {
                throw new IllegalArgumentException(reason + " does not refuse");
            }
            dryRun = List.copyOf(dryRun);
        }

        /** A refusal no dry-run policy was evaluated for. */
        public Refusal(Reason reason, String message, Optional<ResourceId> resource, Optional<HostPort> requested) {
            this(reason, message, resource, requested, List.of());
        }
    }

    /**
     * Allowed: where to connect and how.
     *
     * @param reason        {@code declared} or {@code undeclared_allowed} (ALLOW_ANY)
     * @param target        where to connect (the entry's endpoints, the original destination, a
     *                      route's host, the egress gateway)
     * @param matched       the ServiceEntry port that allowed it; empty when undeclared
     * @param origination   TLS to originate for plain HTTP, from the DestinationRule
     * @param upstreamTls   client TLS towards the upstream for a sidecar ({@code ISTIO_MUTUAL} to the
     *                      egress gateway), with the SNI to announce
     * @param route         the VirtualService whose route decided
     * @param viaGateway    whether a route sends it to another, mesh-internal host (the egress gateway)
     * @param owed          the checks still owed once bytes arrive, in order
     * @param authorization the AuthorizationPolicies' verdict (allowed), naming the policy that allowed
     * @param routedTo      the destination a route sends it to when that is another host than the matched
     *                      entry's (a sidecar's mesh route to the egress gateway, with its subset): its
     *                      DestinationRule governs the upstream connection and its cluster names the metrics
     *                      ({@code outbound|443|cnn|gw}); empty when the matched entry is the destination
     *                      (no route, or one whose destination was decided by name: a Gateway server's, the
     *                      explicit proxy's)
     * @param upstreamSettings the DestinationRule's pool, balancing and tunnel settings for the upstream
     *                      connection, looked up in the snapshot that admitted it ({@link Admission#admit})
     */
    record Forward(Reason reason, String message, UpstreamTarget target, Optional<PortBinding> matched,
                   Optional<TlsOrigination> origination, Optional<UpstreamTls> upstreamTls, Optional<ResourceId> route,
                   boolean viaGateway, List<OwedCheck> owed, AuthzResult authorization, Optional<HostPort> requested,
                   Optional<RoutedDestination> routedTo, Optional<UpstreamSettings> upstreamSettings)
            implements Verdict {
        public Forward {
            if (!reason.allows()) {
                throw new IllegalArgumentException(reason + " does not allow");
            }
            Objects.requireNonNull(target, "target");
            owed = List.copyOf(owed);
        }

        /** A forward that no mesh route sent elsewhere, its upstream settings not yet looked up. */
        public Forward(Reason reason, String message, UpstreamTarget target, Optional<PortBinding> matched,
                       Optional<TlsOrigination> origination, Optional<UpstreamTls> upstreamTls,
                       Optional<ResourceId> route, boolean viaGateway, List<OwedCheck> owed, AuthzResult authorization,
                       Optional<HostPort> requested) {
            this(reason, message, target, matched, origination, upstreamTls, route, viaGateway, owed, authorization,
                    requested, Optional.empty(), Optional.empty());
        }

        @Override
        public Optional<ResourceId> resource() {
            return matched.map(b -> b.entry().id());
        }

        @Override
        public List<AuthzResult.DryRun> dryRun() {
            return authorization.dryRun();
        }

        /** The protocol of the ServiceEntry port: which sniffer watches the bytes, whether the tunnel is inspected. */
        public Optional<Protocol> protocol() {
            return matched.map(b -> b.port().protocol());
        }

        /** The ServiceEntry port number that allowed it, else {@code fallback} (undeclared). */
        public int servicePort(int fallback) {
            return matched.map(b -> b.port().number()).orElse(fallback);
        }

        /** The owed check of type {@code type}, if this verdict owes one. */
        public <T extends OwedCheck> Optional<T> owed(Class<T> type) {
            // A loop, not a stream: asked several times per connection, on the event loop.
            for (OwedCheck check : owed) {
                if (type.isInstance(check)) {
                    return Optional.of(type.cast(check));
                }
            }
            return Optional.empty();
        }

        /** The same verdict sent to {@code other} (a sidecar rerouting on mismatch). */
        public Forward withTarget(UpstreamTarget other) {
            return new Forward(reason, message, other, matched, origination, upstreamTls, route, viaGateway, owed,
                    authorization, requested, routedTo, upstreamSettings);
        }

        /** The same verdict with the upstream settings of the snapshot that admitted it. */
        public Forward withUpstreamSettings(Optional<UpstreamSettings> settings) {
            return new Forward(reason, message, target, matched, origination, upstreamTls, route, viaGateway, owed,
                    authorization, requested, routedTo, settings);
        }
    }

    /**
     * Client TLS a sidecar opens towards its upstream.
     *
     * @param sni the SNI to announce: the app's own when it sent one (the article's
     *            forward_downstream_sni), else the DestinationRule's {@code sni}
     */
    record UpstreamTls(ClientTls tls, Optional<String> sni) {
    }
}
