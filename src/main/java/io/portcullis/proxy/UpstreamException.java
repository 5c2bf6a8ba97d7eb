package io.portcullis.proxy;

import io.portcullis.policy.Reason;

/** An upstream could not be reached; carries the reason code the client and the log get. */
public final class UpstreamException extends Exception {
    private final Reason reason;

    public UpstreamException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
