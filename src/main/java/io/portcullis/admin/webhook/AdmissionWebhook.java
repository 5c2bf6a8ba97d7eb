package io.portcullis.admin.webhook;

import io.portcullis.admin.AdminServer;
import io.portcullis.admin.ServingCertificate;
import io.portcullis.proxy.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A running admission webhook: {@link AdmissionReviewRoute} at {@code /validate} and
 * {@code /healthz/ready}, over TLS with the certificate files, checked for rotation every
 * {@code reloadEvery}. Needs no configuration, no cluster credentials and no state: the API server
 * sends it every object it judges. Started by {@code portcullis webhook} and, in-JVM, by tests.
 */
public final class AdmissionWebhook implements AutoCloseable {
    private final AdminServer server;
    private final ScheduledExecutorService reload;

    private AdmissionWebhook(AdminServer server, ScheduledExecutorService reload) {
        this.server = server;
        this.reload = reload;
    }

    public static AdmissionWebhook start(InetSocketAddress bind, Path certFile, Path keyFile, Duration reloadEvery)
            throws IOException, InterruptedException {
        ServingCertificate certificate = ServingCertificate.load(certFile, keyFile);
        AdminServer server = AdminServer.start(Transport.best(), bind, () -> true, null,
                List.of(new AdmissionReviewRoute()), List.of(), Optional.empty(), certificate);
        ScheduledExecutorService reload = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "webhook-certs");
            t.setDaemon(true);
            return t;
        });
        long every = reloadEvery.toMillis();
        // reloadIfChanged logs its own failures, so the periodic task never ends early; close() stops it.
        ScheduledFuture<?> unused =
                reload.scheduleWithFixedDelay(certificate::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        return new AdmissionWebhook(server, reload);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        reload.shutdownNow();
        server.close();
    }
}
