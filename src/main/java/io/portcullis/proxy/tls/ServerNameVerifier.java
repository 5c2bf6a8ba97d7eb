package io.portcullis.proxy.tls;

import io.portcullis.policy.HostCanonicalizer;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Whether a server certificate names a host, by its subjectAltName extension only (RFC 6125 and
 * the CA/Browser Forum rules: the common name is not consulted). DNS names match exactly or with
 * one wildcard that is the whole left-most label and stands for exactly one label; IP literals
 * match iPAddress entries; a DestinationRule's {@code subjectAltNames} may also name URI SANs
 * (SPIFFE IDs). Pure and thread-safe.
 */
final class ServerNameVerifier {
    private static final int DNS = 2;
    private static final int URI = 6;
    private static final int IP = 7;

    private ServerNameVerifier() {
    }

    /** Whether {@code leaf} names {@code expected}: a canonical host name or IP literal, or a URI. */
    static boolean matches(X509Certificate leaf, String expected) {
        byte[] ip = expected.contains("://") ? null : HostCanonicalizer.literal(expected);
        for (List<?> san : sans(leaf)) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1));
            if (type == IP && ip != null) {
                byte[] b = HostCanonicalizer.literal(value);
                if (b != null && Arrays.equals(b, ip)) {
                    return true;
                }
            } else if (type == DNS && ip == null && dnsMatches(value.toLowerCase(Locale.ROOT), expected.toLowerCase(Locale.ROOT))) {
                return true;
            } else if (type == URI && value.equals(expected)) {
                return true;
            }
        }
        return false;
    }

    /** The DNS, IP and URI SANs of {@code leaf}, for messages. */
    static List<String> names(X509Certificate leaf) {
        List<String> out = new ArrayList<>();
        for (List<?> san : sans(leaf)) {
            int type = (Integer) san.get(0);
            if (type == DNS || type == IP || type == URI) {
                out.add(String.valueOf(san.get(1)));
            }
        }
        return out;
    }

    static boolean dnsMatches(String pattern, String host) {
        String p = pattern.endsWith(".") ? pattern.substring(0, pattern.length() - 1) : pattern;
        if (!p.startsWith("*.")) {
            return p.equals(host);
        }
        String suffix = p.substring(1);
        if (suffix.indexOf('*') >= 0 || suffix.chars().filter(c -> c == '.').count() < 2) {
            // A wildcard over a public suffix-like name (*.com) or a second wildcard never matches.
            return false;
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot).equals(suffix);
    }

    private static Collection<List<?>> sans(X509Certificate leaf) {
        try {
            Collection<List<?>> all = leaf.getSubjectAlternativeNames();
            return all == null ? List.of() : all;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
