package io.portcullis.proxy.mtls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/** {@code ClientTLSSettings.subjectAltNames}: the peer certificate must carry one of them as a DNS or URI SAN. */
public final class SubjectAltNames {
    private static final int DNS = 2;
    private static final int URI = 6;

    private SubjectAltNames() {
    }

    /** Whether {@code certificate} carries one of {@code wanted} (exact DNS or URI SAN); true when none are wanted. */
    public static boolean matches(X509Certificate certificate, List<String> wanted) {
        if (wanted.isEmpty()) {
            return true;
        }
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans == null) {
                return false;
            }
            for (List<?> san : sans) {
                Object type = san.get(0);
                if ((Integer.valueOf(DNS).equals(type) || Integer.valueOf(URI).equals(type)) && wanted.contains(san.get(1))) {
                    return true;
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        return false;
    }
}
