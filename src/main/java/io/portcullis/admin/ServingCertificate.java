package io.portcullis.admin;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.portcullis.identity.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS server certificate and key (the webhook's, the admin API's), read from PEM files ({@code kubernetes.io/tls}
 * Secret keys mounted as files, or cert-manager's). {@link #reloadIfChanged()} re-reads them when
 * either file's modification time changed, so a rotated certificate reaches new connections
 * without a restart; a pair that does not load keeps the previous one in service, with an error.
 * {@link #get()} is called on the event loop and only reads a volatile field.
 */
public final class ServingCertificate implements Supplier<SslContext> {
    private static final Logger LOG = LoggerFactory.getLogger(ServingCertificate.class);

    private final Path certFile;
    private final Path keyFile;
    private volatile SslContext context;
    private List<FileTime> loadedTimes;

    private ServingCertificate(Path certFile, Path keyFile) {
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    /**
     * Loads the certificate chain and private key files, checked for changes by {@link #reloadIfChanged()}.
     *
     * @throws IOException naming the file that does not hold a certificate chain or a private key
     */
    public static ServingCertificate load(Path certFile, Path keyFile) throws IOException {
        ServingCertificate c = new ServingCertificate(certFile, keyFile);
        c.loadedTimes = c.times();
        c.context = build(certFile, keyFile);
        return c;
    }

    @Override
    public SslContext get() {
        return context;
    }

    /** On a timer thread: whether a changed pair was loaded. */
    public synchronized boolean reloadIfChanged() {
        try {
            List<FileTime> now = times();
            if (now.equals(loadedTimes)) {
                return false;
            }
            context = build(certFile, keyFile);
            loadedTimes = now;
            LOG.info("serving certificate reloaded from {}", certFile);
            return true;
        } catch (IOException | RuntimeException e) {
            // Half-written during a rotation, most likely; the next check sees the whole pair.
            LOG.error("keeping the previous serving certificate: {}", e.getMessage());
            return false;
        }
    }

    private List<FileTime> times() throws IOException {
        return List.of(Files.getLastModifiedTime(certFile), Files.getLastModifiedTime(keyFile));
    }

    private static SslContext build(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = Pem.readCertificates(certFile);
        return SslContextBuilder.forServer(Pem.readPrivateKey(keyFile), chain.toArray(new X509Certificate[0]))
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .build();
    }
}
