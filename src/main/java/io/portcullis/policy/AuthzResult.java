package io.portcullis.policy;

import io.portcullis.model.ResourceId;

/**
 * The verdict of the AuthorizationPolicies on one connection.
 *
 * @param policy  the policy that decided (the matching DENY, the matching ALLOW, or the one ALLOW
 *                policy that did not match); null when no policy applies
 * @param message for a refusal: which policy and rule, e.g. {@code denied by
 *                AuthorizationPolicy/istio-system/deny-b rules[0]}
 */
public record AuthzResult(boolean allowed, ResourceId policy, String message) {
    static final AuthzResult NO_POLICY = new AuthzResult(true, null, "no AuthorizationPolicy applies");
}
