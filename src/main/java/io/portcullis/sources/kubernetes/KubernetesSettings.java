package io.portcullis.sources.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How {@code run --source kubernetes} reaches and follows the API server.
 *
 * @param kubeconfig     {@code --kubeconfig}; empty: {@code $KUBECONFIG}, {@code ~/.kube/config} or, inside a
 *                       pod, the service account (fabric8's auto-configuration)
 * @param namespaces     {@code --namespace}, repeatable; empty: all namespaces
 * @param leaseNamespace where the status writers' Lease lives; empty: the client's namespace (a pod's own)
 * @param identity       this replica's name in the Lease and in Events; empty: the host name and a random suffix
 * @param leaseDuration  how long a leader's Lease holds without renewal
 */
public record KubernetesSettings(Optional<Path> kubeconfig, List<String> namespaces, Optional<String> leaseNamespace,
                                 Optional<String> identity, Duration leaseDuration) {
    public static final String LEASE_NAME = "portcullis-status-writer";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);

    public KubernetesSettings {
        namespaces = List.copyOf(namespaces);
    }

    public static KubernetesSettings of(Optional<Path> kubeconfig, List<String> namespaces) {
        return new KubernetesSettings(kubeconfig, namespaces, Optional.empty(), Optional.empty(), DEFAULT_LEASE);
    }

    public KubernetesSettings withLeaseDuration(Duration d) {
        return new KubernetesSettings(kubeconfig, namespaces, leaseNamespace, identity, d);
    }

    public KubernetesSettings withIdentity(String id) {
        return new KubernetesSettings(kubeconfig, namespaces, leaseNamespace, Optional.of(id), leaseDuration);
    }
}
