package io.portcullis.sources.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.portcullis.model.ResourceKind;
import io.portcullis.model.TlsSecret;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes where a user looks why an object was skipped: the object's {@code status} in Istio's
 * shape ({@code validationMessages} with IST0106 SchemaValidationError, and a condition
 * {@code Accepted=False} whose message is the validator's), and a {@code Warning} Event. Only the
 * leader calls it (see {@link Leadership}); it writes a status only when it differs from what the
 * object shows, and an Event once per object and message while it leads. Runs on the source's
 * thread; blocking HTTP calls.
 */
final class StatusWriter {
    private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT_REASON = "Rejected";
    private static final String DOC = "https://istio.io/latest/docs/reference/config/analysis/ist0106/";

    private final KubernetesClient client;
    private final String identity;
    private final Set<String> evented = new HashSet<>();

    StatusWriter(KubernetesClient client, String identity) {
        this.client = client;
        this.identity = identity;
    }

    /** Forgets which Events were sent: a new leadership term reports every rejection once again. */
    void newTerm() {
        evented.clear();
    }

    void write(ClusterSnapshot snapshot) {
        for (Rejection r : snapshot.rejections()) {
            String message = r.message();
            if (!isSecret(r.object()) && !r.object().statusMark().equals(java.util.Optional.of(message))) {
                patchStatus(r.object(), rejectedStatus(r.object(), message));
            }
            if (evented.add(r.object().uid() + "\n" + message)) {
                event(r.object(), message);
            }
        }
        for (ApiObject cleared : snapshot.cleared()) {
            patchStatus(cleared, clearedStatus());
        }
    }

    private static boolean isSecret(ApiObject o) {
        return o.kind().equals(TlsSecret.KIND);
    }

    private static ObjectNode rejectedStatus(ApiObject o, String message) {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode status = patch.putObject("status");
        ArrayNode messages = status.putArray("validationMessages");
        ObjectNode m = messages.addObject();
        m.putObject("type").put("code", "IST0106").put("name", "SchemaValidationError");
        m.put("level", "ERROR");
        m.put("documentationUrl", DOC);
        ObjectNode c = status.putArray("conditions").addObject();
        c.put("type", "Accepted");
        c.put("status", "False");
        c.put("reason", ApiObjects.CONDITION_REASON);
        c.put("message", message);
        c.put("lastTransitionTime", Instant.now().toString());
        c.put("observedGeneration", o.generation());
        status.put("observedGeneration", o.generation());
        return patch;
    }

    /** A merge patch that removes what {@link #rejectedStatus} wrote. */
    private static ObjectNode clearedStatus() {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode status = patch.putObject("status");
        status.putNull("validationMessages");
        status.putNull("conditions");
        return patch;
    }

    private void patchStatus(ApiObject o, ObjectNode patch) {
        ResourceKind kind = ResourceKind.of(o.apiVersion(), o.kind()).orElse(null);
        if (kind == null) {
            return;
        }
        String version = o.apiVersion().substring(o.apiVersion().indexOf('/') + 1);
        try {
            client.genericKubernetesResources(new WatchedKind(kind, version).context())
                    .inNamespace(o.namespace()).withName(o.name()).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                LOG.warn("status of {}: {}", o, ApiErrors.describe(e, "patch", kind.qualifiedPlural() + "/status",
                        "in namespace " + o.namespace()));
            }
        }
    }

    private void event(ApiObject o, String message) {
        String now = Instant.now().toString();
        Event event = new EventBuilder()
                .withNewMetadata().withNamespace(o.namespace())
                .withName(o.name() + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(o.apiVersion()).withKind(o.kind())
                        .withNamespace(o.namespace()).withName(o.name()).withUid(o.uid()).build())
                .withType("Warning").withReason(EVENT_REASON)
                .withMessage(o.kind() + " " + o.name() + " skipped by Portcullis: " + message)
                .withNewSource().withComponent("portcullis").withHost(identity).endSource()
                .withReportingComponent("portcullis").withReportingInstance(identity)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(o.namespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warn("event for {}: {}", o, ApiErrors.describe(e, "create", "events", "in namespace " + o.namespace()));
        }
    }
}
