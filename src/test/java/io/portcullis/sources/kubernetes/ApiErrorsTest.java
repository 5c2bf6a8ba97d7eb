package io.portcullis.sources.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {
    @Test
    void aForbiddenCallNamesTheVerbsAndTheResourceToGrant() {
        var e = new KubernetesClientException(new StatusBuilder().withCode(403)
                .withMessage("secrets \"x\" is forbidden: User \"system:serviceaccount:egress:portcullis\" cannot watch"
                        + " resource \"secrets\"").build());
        assertThat(ApiErrors.describe(e, "list, watch", "secrets", "in namespace egress"))
                .isEqualTo("403 Forbidden: the API server refused to list, watch secrets in namespace egress; grant this"
                        + " gateway's ServiceAccount the verbs [list, watch] on secrets (RBAC) (the server says: secrets"
                        + " \"x\" is forbidden: User \"system:serviceaccount:egress:portcullis\" cannot watch resource"
                        + " \"secrets\")");
        assertThat(ApiErrors.isForbidden(e)).isTrue();
    }

    @Test
    void anUnreachableServerSaysWhatFailed() {
        var e = new KubernetesClientException("Operation: [list]  for kind: [ServiceEntry]",
                new ConnectException("Connection refused"));
        assertThat(ApiErrors.describe(e, "list, watch", "serviceentries.networking.istio.io", "in all namespaces"))
                .isEqualTo("cannot list, watch serviceentries.networking.istio.io in all namespaces: ConnectException"
                        + " (Connection refused)");
    }
}
