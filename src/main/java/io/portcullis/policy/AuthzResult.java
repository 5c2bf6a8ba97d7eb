package io.portcullis.policy;

import io.portcullis.model.ResourceId;
import java.util.List;

/**
 * The verdict of the AuthorizationPolicies on one connection or HTTP request.
 *
 * @param policy  the policy that decided (the matching DENY, the matching ALLOW, or the one ALLOW
 *                policy that did not match); null when no policy applies
 * @param message for a refusal: which policy and rule, e.g. {@code denied by
 *                AuthorizationPolicy/istio-system/deny-b rules[0]}
 * @param dryRun  what the {@code istio.io/dry-run} policies would have done (Envoy's shadow rules:
 *                one result for the dry-run DENY policies, one for the dry-run ALLOW policies, each
 *                present only when such policies exist); never part of {@link #allowed}
 */
public record AuthzResult(boolean allowed, ResourceId policy, String message, List<DryRun> dryRun) {
    static final AuthzResult NO_POLICY = new AuthzResult(true, null, "no AuthorizationPolicy applies");

    public AuthzResult {
        dryRun = List.copyOf(dryRun);
    }

    public AuthzResult(boolean allowed, ResourceId policy, String message) {
        this(allowed, policy, message, List.of());
    }

    /**
     * What the dry-run policies of one action would have decided, as Envoy's
     * {@code shadow_effective_policy_id} and {@code shadow_engine_result}.
     *
     * @param policy  the dry-run policy that matched, or for a dry-run ALLOW set that did not match its only
     *                policy; null when several ALLOW policies all failed to match
     * @param message e.g. {@code would deny: denied by AuthorizationPolicy/ns/p rules[0]}
     */
    public record DryRun(ResourceId policy, boolean allowed, String message) {
        /** Envoy's {@code shadow_engine_result}: {@code allowed} or {@code denied}. */
        public String result() {
            return allowed ? "allowed" : "denied";
        }
    }
}
