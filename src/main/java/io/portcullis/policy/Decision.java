package io.portcullis.policy;

import io.portcullis.model.ResourceId;

/**
 * The verdict on one connection: allowed with where to send it, or refused with a reason and a
 * one-line message fit for the client.
 *
 * @param binding  the ServiceEntry port that allowed it; null when undeclared or refused
 * @param upstream where to connect; null when refused
 * @param message  one line for people, e.g. {@code no ServiceEntry allows api.other.test:443}
 */
public record Decision(Reason reason, PortBinding binding, UpstreamTarget upstream, String message) {

    public static Decision deny(Reason reason, String message) {
        return new Decision(reason, null, null, message);
    }

    public boolean allowed() {
        return reason.allows();
    }

    /** The resource that allowed the connection, or null. */
    public ResourceId resource() {
        return binding == null ? null : binding.entry().id();
    }
}
