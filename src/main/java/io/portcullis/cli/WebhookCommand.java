package io.portcullis.cli;

import io.portcullis.admin.webhook.AdmissionReviewRoute;
import io.portcullis.admin.webhook.AdmissionWebhook;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portcullis webhook}: the validating admission webhook, until SIGTERM or SIGINT. */
@Command(name = "webhook", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a Kubernetes validating admission webhook for the Istio kinds, over TLS.",
                "AdmissionReview (admission.k8s.io/v1) requests at " + AdmissionReviewRoute.PATH + " for ServiceEntry,"
                        + " Gateway, VirtualService, DestinationRule and AuthorizationPolicy objects are checked with"
                        + " the rules of 'portcullis validate'; an invalid one is refused with the resource, the field"
                        + " and the reason."},
        footer = {"", "Example:", "  ./portcullis webhook --listen 0.0.0.0:8443 --tls-cert /tls/tls.crt --tls-key /tls/tls.key"})
public final class WebhookCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = "0.0.0.0:8443",
            description = "Where to serve HTTPS; port 0 picks a free one (printed). Default: ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--tls-cert", required = true, paramLabel = "FILE",
            description = "PEM certificate chain the API server verifies (caBundle of the webhook configuration).")
    Path tlsCert;

    @Option(names = "--tls-key", required = true, paramLabel = "FILE", description = "PEM private key of --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-reload", paramLabel = "DURATION", defaultValue = "10s",
            description = "How often to look for a rotated --tls-cert/--tls-key. Default: ${DEFAULT-VALUE}.")
    Duration tlsReload;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress bind = HostPort.parse(listen, "--listen");
        for (Path p : new Path[] {tlsCert, tlsKey}) {
            if (!Files.isReadable(p)) {
                throw new ParameterException(spec.commandLine(), (p == tlsCert ? "--tls-cert" : "--tls-key")
                        + ": cannot read " + p);
            }
        }
        if (tlsReload.isNegative() || tlsReload.isZero()) {
            throw new ParameterException(spec.commandLine(), "--tls-reload: " + tlsReload + " (expected: > 0)");
        }
        AdmissionWebhook webhook;
        try {
            webhook = AdmissionWebhook.start(bind, tlsCert, tlsKey, tlsReload);
        } catch (IOException e) {
            throw new CliException("error: " + e.getMessage());
        }
        InetSocketAddress a = webhook.address();
        spec.commandLine().getOut().println("admission webhook on https://" + HostPort.format(a) + AdmissionReviewRoute.PATH);
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            webhook.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
