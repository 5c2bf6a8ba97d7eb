package io.portcullis.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.Problem;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyResult;
import io.portcullis.sources.store.StoredObject;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The JSON bodies of the admin API that are not resources: Kubernetes' {@code Status} for
 * errors (with {@code problems}: file, resource, field and reason of each validation finding),
 * resource lists, apply results. One place, so the CLI and any other client read one shape.
 */
public final class ApiBodies {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ApiBodies() {
    }

    /** {@code {"kind":"Status","status":"Failure","code":…,"reason":…,"message":…,"problems":[…]}}. */
    public static String status(int code, String reason, String message, List<Problem> problems) {
        return ObjectText.json(statusTree(code, reason, message, problems));
    }

    static ObjectNode statusTree(int code, String reason, String message, List<Problem> problems) {
        ObjectNode s = F.objectNode();
        s.put("kind", "Status").put("apiVersion", "v1").put("status", code < 400 ? "Success" : "Failure")
                .put("code", code).put("reason", reason).put("message", message);
        if (!problems.isEmpty()) {
            s.set("problems", problems(problems));
        }
        return s;
    }

    static ArrayNode problems(List<Problem> problems) {
        ArrayNode a = F.arrayNode();
        for (Problem p : problems) {
            ObjectNode o = a.addObject();
            o.put("severity", p.severity().name().toLowerCase(Locale.ROOT));
            if (p.file() != null) {
                o.put("file", p.file());
            }
            if (p.resource() != null) {
                o.putObject("resource").put("kind", p.resource().kind()).put("namespace", p.resource().namespace())
                        .put("name", p.resource().name());
            }
            if (p.field() != null) {
                o.put("field", p.field());
            }
            o.put("reason", p.reason());
            o.put("message", p.toString());
        }
        return a;
    }

    /** A Kubernetes list: {@code {"apiVersion":…,"kind":"ServiceEntryList","metadata":{…},"items":[…]}}. */
    static ObjectNode list(ResourceKind kind, List<StoredObject> objects) {
        ObjectNode list = F.objectNode();
        list.put("apiVersion", kind.preferredApiVersion()).put("kind", kind.kind() + "List");
        list.putObject("metadata").put("resourceVersion", "");
        ArrayNode items = list.putArray("items");
        objects.forEach(o -> items.add(o.object()));
        return list;
    }

    /**
     * The same list as {@link #list}, as compact JSON made from each resource's JSON written once
     * ({@link StoredObject#json}): serving thousands costs a copy of their bytes.
     */
    static byte[] listJson(ResourceKind kind, List<StoredObject> objects) {
        ObjectNode head = F.objectNode();
        head.put("apiVersion", kind.preferredApiVersion()).put("kind", kind.kind() + "List");
        head.putObject("metadata").put("resourceVersion", "");
        String start;
        try {
            start = ObjectText.compactMapper().writeValueAsString(head);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + objects.size() * 512);
        out.writeBytes((start.substring(0, start.length() - 1) + ",\"items\":[").getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < objects.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(objects.get(i).json());
        }
        out.writeBytes("]}\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** What {@code POST /apply} did, resource by resource. */
    static ObjectNode applyResult(ApplyResult r) {
        ObjectNode out = F.objectNode();
        out.put("kind", "ApplyResult").put("dryRun", r.dryRun());
        ArrayNode results = out.putArray("results");
        for (ApplyResult.Outcome o : r.outcomes()) {
            results.addObject().put("kind", o.kind().kind()).put("group", o.kind().group())
                    .put("namespace", o.namespace()).put("name", o.name()).put("action", o.action().text())
                    .put("resourceVersion", o.resourceVersion());
        }
        out.set("warnings", problems(r.warnings()));
        return out;
    }
}
