package io.portcullis.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads the SPIFFE ID a certificate carries in its URI SAN (the identity Istio authorizes on). */
public final class PeerIdentity {
    private static final int URI_SAN = 6;

    private PeerIdentity() {
    }

    /** The certificate's SPIFFE ID, or null when it has none (or more than one, which SPIFFE forbids). */
    public static @Nullable SpiffeId spiffeIdOf(X509Certificate certificate) {
        @Nullable SpiffeId found = null;
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans == null) {
                return null;
            }
            for (List<?> san : sans) {
                if (san.size() == 2 && Integer.valueOf(URI_SAN).equals(san.get(0)) && san.get(1) instanceof String uri
                        && uri.startsWith(SpiffeId.SCHEME + "://")) {
                    if (found != null) {
                        return null;
                    }
                    found = SpiffeId.parse(uri);
                }
            }
        } catch (CertificateParsingException | IllegalArgumentException e) {
            return null;
        }
        return found;
    }
}
