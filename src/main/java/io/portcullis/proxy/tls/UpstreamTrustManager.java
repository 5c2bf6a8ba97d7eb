package io.portcullis.proxy.tls;

import io.portcullis.policy.HostCanonicalizer;
import io.portcullis.policy.Reason;
import java.net.Socket;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies an upstream's certificate for TLS origination in two steps, so a failure says exactly
 * what is wrong: first the chain, by the delegate (the DestinationRule's {@code caCertificates}
 * or the system trust store) — untrusted issuer, expired, not yet valid; then the name — one of
 * the DestinationRule's {@code subjectAltNames} when it has some, else the host the request was
 * allowed for (the engine's peer host). Failures are {@link UpstreamCertificateException}s with
 * their reason code. Called by the TLS engine on the connection's event loop.
 */
final class UpstreamTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final List<String> subjectAltNames;
    private final String trustSource;

    /**
     * @param subjectAltNames names one of which the certificate must carry; empty: the peer host
     * @param trustSource     where the trusted CAs come from, for messages
     */
    UpstreamTrustManager(X509ExtendedTrustManager delegate, List<String> subjectAltNames, String trustSource) {
        this.delegate = delegate;
        this.subjectAltNames = List.copyOf(subjectAltNames);
        this.trustSource = trustSource;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw classify(chain, e);
        }
        checkName(chain[0], engine == null ? null : engine.getPeerHost());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw classify(chain, e);
        }
        checkName(chain[0], null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServerTrusted(chain, authType, (SSLEngine) null);
    }

    private void checkName(X509Certificate leaf, String peerHost) throws CertificateException {
        List<String> wanted = subjectAltNames;
        if (wanted.isEmpty()) {
            if (peerHost == null) {
                throw new UpstreamCertificateException(Reason.UPSTREAM_CERT_NAME_MISMATCH,
                        "no host name to verify the certificate against", null);
            }
            wanted = List.of(HostCanonicalizer.canonical(peerHost.indexOf(':') >= 0 ? "[" + peerHost + "]" : peerHost));
        }
        for (String name : wanted) {
            if (ServerNameVerifier.matches(leaf, name)) {
                return;
            }
        }
        throw new UpstreamCertificateException(Reason.UPSTREAM_CERT_NAME_MISMATCH, "the certificate names "
                + ServerNameVerifier.names(leaf) + ", not " + (wanted.size() == 1 ? wanted.get(0)
                : "any of the DestinationRule's subjectAltNames " + wanted), null);
    }

    private UpstreamCertificateException classify(X509Certificate[] chain, CertificateException e) {
        X509Certificate leaf = chain[0];
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof CertificateExpiredException || (c instanceof CertPathValidatorException v
                    && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED)) {
                return new UpstreamCertificateException(Reason.UPSTREAM_CERT_EXPIRED, "the certificate "
                        + subject(leaf) + " has expired (valid until " + leaf.getNotAfter().toInstant() + ")", e);
            }
            if (c instanceof CertificateNotYetValidException || (c instanceof CertPathValidatorException v
                    && v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                return new UpstreamCertificateException(Reason.UPSTREAM_CERT_NOT_YET_VALID, "the certificate "
                        + subject(leaf) + " is not valid yet (valid from " + leaf.getNotBefore().toInstant() + ")", e);
            }
            if (c instanceof CertPathValidatorException v && v.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
                break;
            }
        }
        return new UpstreamCertificateException(Reason.UPSTREAM_CERT_UNTRUSTED, "the certificate " + subject(leaf)
                + " is issued by " + chain[chain.length - 1].getIssuerX500Principal().getName()
                + ", which is not a CA trusted by " + trustSource, e);
    }

    private static String subject(X509Certificate leaf) {
        List<String> names = ServerNameVerifier.names(leaf);
        return names.isEmpty() ? leaf.getSubjectX500Principal().getName() : "for " + String.join(", ", names);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("the gateway does not authenticate clients on origination contexts");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("the gateway does not authenticate clients on origination contexts");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the gateway does not authenticate clients on origination contexts");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
