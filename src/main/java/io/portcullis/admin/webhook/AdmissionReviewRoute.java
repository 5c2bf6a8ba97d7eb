package io.portcullis.admin.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.admin.AdminRequest;
import io.portcullis.admin.AdminResponse;
import io.portcullis.admin.AdminRoute;
import io.portcullis.model.ParsedFile;
import io.portcullis.model.Problem;
import io.portcullis.model.ResourceParser;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * {@code POST /validate}: a validating admission webhook speaking {@code admission.k8s.io/v1}
 * {@code AdmissionReview}. The object of a CREATE or UPDATE of one of the five Istio kinds goes
 * through the same parser and per-resource rules as {@code portcullis validate}; an error answers
 * {@code allowed: false} with every error, in Portcullis's form (resource, field, reason), in
 * {@code status.message}; warnings go to {@code response.warnings}, which kubectl prints.
 *
 * <p>Rules that span resources (a VirtualService naming a Gateway, an undeclared destination) are
 * not checked here: the webhook sees one object at a time, in whatever order a client creates them,
 * as Istio's own webhook does. Runs on the admin event loop: parsing one object is CPU work only.
 */
public final class AdmissionReviewRoute implements AdminRoute {
    public static final String PATH = "/validate";
    static final Set<String> KINDS = Set.of("ServiceEntry", "Gateway", "VirtualService", "DestinationRule",
            "AuthorizationPolicy", "Sidecar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CLUSTER_METADATA = List.of("generateName", "selfLink", "ownerReferences",
            "finalizers", "deletionGracePeriodSeconds");

    @Override
    public boolean serves(String path) {
        return path.equals(PATH);
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest request) {
        if (!request.method().equals("POST")) {
            return CompletableFuture.completedFuture(AdminResponse.text(405, PATH + " takes POST of an AdmissionReview"));
        }
        AdminResponse response;
        try {
            response = json(200, review(JSON.readTree(request.body())));
        } catch (BadReview | JsonProcessingException e) {
            response = AdminResponse.text(400, "not an admission.k8s.io/v1 AdmissionReview: " + e.getMessage());
        }
        return CompletableFuture.completedFuture(response);
    }

    /** The AdmissionReview answering {@code review}. */
    static ObjectNode review(JsonNode review) throws BadReview {
        if (review == null || !review.isObject() || !"admission.k8s.io/v1".equals(review.path("apiVersion").asText())
                || !"AdmissionReview".equals(review.path("kind").asText())) {
            throw new BadReview("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview");
        }
        JsonNode request = review.get("request");
        if (request == null || !request.isObject() || !request.path("uid").isTextual()) {
            throw new BadReview("request.uid is missing");
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode response = answer.putObject("response");
        response.put("uid", request.get("uid").textValue());
        Verdict verdict = verdict(request);
        response.put("allowed", verdict.errors().isEmpty());
        if (!verdict.errors().isEmpty()) {
            ObjectNode status = response.putObject("status");
            status.put("code", 422).put("reason", "Invalid").put("status", "Failure");
            status.put("message", verdict.errors().stream().map(Problem::toString).collect(Collectors.joining("; ")));
        }
        if (!verdict.warnings().isEmpty()) {
            ArrayNode warnings = response.putArray("warnings");
            verdict.warnings().forEach(w -> warnings.add(w));
        }
        return answer;
    }

    private record Verdict(List<Problem> errors, List<String> warnings) {
    }

    private static Verdict verdict(JsonNode request) {
        String operation = request.path("operation").asText();
        String kind = request.path("kind").path("kind").asText();
        if (!operation.equals("CREATE") && !operation.equals("UPDATE")) {
            return new Verdict(List.of(), List.of());
        }
        if (!KINDS.contains(kind)) {
            return new Verdict(List.of(), List.of("Portcullis does not validate " + kind + "; the webhook configuration"
                    + " should send only " + KINDS.stream().sorted().toList()));
        }
        JsonNode object = request.get("object");
        if (object == null || !object.isObject()) {
            return new Verdict(List.of(Problem.error(null, null, null, "request.object is missing")), List.of());
        }
        ObjectNode copy = ((ObjectNode) object).deepCopy();
        if (copy.path("metadata").isObject()) {
            ObjectNode metadata = (ObjectNode) copy.get("metadata");
            if (metadata.has("deletionTimestamp")) {
                // Being deleted: only its finalizers still change, and refusing that would keep it forever.
                return new Verdict(List.of(), List.of());
            }
            // Written by the cluster and its controllers, not by the resource's author: not Portcullis's to judge.
            metadata.remove(CLUSTER_METADATA);
            // The API server may leave the namespace to the request; the resource's name needs it.
            if (!metadata.has("namespace") && request.path("namespace").isTextual()) {
                metadata.put("namespace", request.get("namespace").textValue());
            }
        }
        ParsedFile parsed = ResourceParser.parse("object.json", new String(toJson(copy), StandardCharsets.UTF_8));
        // No file in the message: the API server does not know it, and kubectl names it in front.
        List<Problem> problems = parsed.problems().stream()
                .map(p -> new Problem(p.severity(), null, p.resource(), p.field(), p.reason())).toList();
        List<Problem> errors = problems.stream().filter(Problem::isError).toList();
        List<String> warnings = problems.stream().filter(p -> !p.isError()).map(Problem::toString).toList();
        return new Verdict(errors, warnings);
    }

    private static byte[] toJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serializes", e);
        }
    }

    private static AdminResponse json(int status, JsonNode body) {
        return new AdminResponse(status, "application/json", toJson(body), List.of());
    }

    /** A request body that is not an AdmissionReview v1. */
    static final class BadReview extends Exception {
        BadReview(String message) {
            super(message);
        }
    }
}
