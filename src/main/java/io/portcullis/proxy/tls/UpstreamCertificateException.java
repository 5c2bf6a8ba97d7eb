package io.portcullis.proxy.tls;

import io.portcullis.policy.Reason;
import java.security.cert.CertificateException;

/** Why the gateway refused an upstream's certificate during TLS origination, with the reason code. */
public final class UpstreamCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;
    private final transient Reason reason;

    UpstreamCertificateException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The first {@link UpstreamCertificateException} in {@code t}'s cause chain, or null. */
    public static UpstreamCertificateException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof UpstreamCertificateException u) {
                return u;
            }
        }
        return null;
    }
}
