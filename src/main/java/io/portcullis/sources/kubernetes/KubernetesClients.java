package io.portcullis.sources.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the API client: from {@code --kubeconfig} when given, else fabric8's auto-configuration
 * ({@code $KUBECONFIG}, {@code ~/.kube/config}, or inside a pod the service account's token, CA
 * and namespace). On the JDK's HttpClient, so no second Netty enters the process.
 */
final class KubernetesClients {
    /** First watch reconnect after this, doubling with each failure up to 32 times as long, 8 s (fabric8's backoff). */
    private static final int RECONNECT_MILLIS = 250;

    private KubernetesClients() {
    }

    static KubernetesClient create(KubernetesSettings settings) {
        Config config;
        if (settings.kubeconfig().isPresent()) {
            Path file = settings.kubeconfig().get();
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("--kubeconfig: cannot read " + file);
            }
            config = Config.fromKubeconfig(null, file.toFile());
        } else {
            config = Config.autoConfigure(null);
        }
        config.setWatchReconnectInterval(RECONNECT_MILLIS);
        config.setRequestRetryBackoffInterval(RECONNECT_MILLIS);
        // Single calls (discovery, status, Events) retry briefly; the informers have their own backoff.
        config.setRequestRetryBackoffLimit(2);
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory()).build();
    }
}
