package io.portcullis.sources.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;

/**
 * What an API failure means to an operator. A {@code 403} is missing RBAC: the message names the
 * verb and the resource the ServiceAccount needs, as a ClusterRole rule would.
 */
final class ApiErrors {
    private ApiErrors() {
    }

    /**
     * @param verbs    the RBAC verbs of the failed call, e.g. {@code list, watch}
     * @param resource the resource as RBAC names it, e.g. {@code serviceentries.networking.istio.io}
     * @param where    e.g. {@code in all namespaces}
     */
    static String describe(Throwable t, String verbs, String resource, String where) {
        KubernetesClientException k = find(t);
        if (k != null && k.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
            return "403 Forbidden: the API server refused to " + verbs + " " + resource + " " + where
                    + "; grant this gateway's ServiceAccount the verbs [" + verbs + "] on " + resource
                    + " (RBAC)" + serverSays(k);
        }
        if (k != null && k.getCode() == HttpURLConnection.HTTP_UNAUTHORIZED) {
            return "401 Unauthorized: the API server did not accept this gateway's credentials to " + verbs + " "
                    + resource + " " + where + serverSays(k);
        }
        if (k != null && k.getCode() > 0) {
            return "cannot " + verbs + " " + resource + " " + where + ": HTTP " + k.getCode() + serverSays(k);
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return "cannot " + verbs + " " + resource + " " + where + ": " + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : " (" + root.getMessage() + ")");
    }

    static boolean isForbidden(Throwable t) {
        KubernetesClientException k = find(t);
        return k != null && k.getCode() == HttpURLConnection.HTTP_FORBIDDEN;
    }

    private static String serverSays(KubernetesClientException k) {
        return k.getStatus() != null && k.getStatus().getMessage() != null ? " (the server says: "
                + k.getStatus().getMessage() + ")" : "";
    }

    private static KubernetesClientException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof KubernetesClientException k) {
                return k;
            }
        }
        return null;
    }
}
