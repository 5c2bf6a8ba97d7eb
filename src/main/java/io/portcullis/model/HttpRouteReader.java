package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.HttpRoute.Abort;
import io.portcullis.model.HttpRoute.Delay;
import io.portcullis.model.HttpRoute.DirectResponse;
import io.portcullis.model.HttpRoute.Fault;
import io.portcullis.model.HttpRoute.HeaderOperations;
import io.portcullis.model.HttpRoute.HttpDestination;
import io.portcullis.model.HttpRoute.HttpMatch;
import io.portcullis.model.HttpRoute.MatchKind;
import io.portcullis.model.HttpRoute.Redirect;
import io.portcullis.model.HttpRoute.Retries;
import io.portcullis.model.HttpRoute.Rewrite;
import io.portcullis.model.HttpRoute.StringMatch;
import io.portcullis.model.VirtualService.Destination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code VirtualService.http[]} into {@link HttpRoute} records. {@link HttpRouteCheck} has already
 * applied Istio's rules to the same JSON (a resource with an error is refused whole, so what is read here is
 * valid); this reader only maps, and warns, naming the field, about what Portcullis accepts but does not act on.
 */
final class HttpRouteReader {
    private static final String JWT_CLAIM = "@request.auth.claims.";

    private final Findings findings;

    private HttpRouteReader(Findings findings) {
        this.findings = findings;
    }

    static List<HttpRoute> read(Node spec) {
        JsonNode http = spec.raw("http");
        List<HttpRoute> out = new ArrayList<>();
        if (http == null || !http.isArray()) {
            return out;
        }
        HttpRouteReader reader = new HttpRouteReader(spec.findings());
        String base = spec.fieldPath("http");
        for (int i = 0; i < http.size(); i++) {
            JsonNode r = http.get(i);
            if (r != null && r.isObject()) {
                out.add(reader.route(r, i, base + "[" + i + "]"));
            }
        }
        return out;
    }

    private HttpRoute route(JsonNode r, int index, String at) {
        for (String f : List.of("mirror", "mirrors", "mirrorPercent", "mirrorPercentage", "mirror_percent",
                "mirror_percentage", "corsPolicy", "cors_policy")) {
            notActedOn(r, f, at, "mirroring and CORS are not served by an egress gateway");
        }
        notActedOn(r, "delegate", at, "delegate VirtualServices are not served; the route takes no request");
        List<HttpMatch> matches = new ArrayList<>();
        JsonNode m = r.path("match");
        for (int i = 0; i < m.size(); i++) {
            if (present(m.get(i))) {
                matches.add(match(m.get(i), at + ".match[" + i + "]"));
            }
        }
        List<HttpDestination> destinations = new ArrayList<>();
        JsonNode route = r.path("route");
        for (int i = 0; i < route.size(); i++) {
            JsonNode rd = route.get(i);
            if (present(rd) && present(rd.get("destination"))) {
                destinations.add(new HttpDestination(destination(rd.get("destination")), rd.path("weight").asInt(0),
                        headers(rd.path("headers").path("request")), headers(rd.path("headers").path("response"))));
            }
        }
        return new HttpRoute(r.path("name").asText(""), index, matches, destinations, rewrite(r.get("rewrite"), at),
                duration(field(r, "timeout")).filter(d -> !d.isZero()), retries(r.get("retries"), at),
                headers(r.path("headers").path("request")), headers(r.path("headers").path("response")),
                fault(r.get("fault"), at + ".fault"), redirect(r.get("redirect"), at + ".redirect"),
                directResponse(field(r, "directResponse")));
    }

    private HttpMatch match(JsonNode m, String at) {
        notActedOn(m, "sourceLabels", at, "Portcullis identifies callers by certificate, not by labels");
        notActedOn(m, "sourceNamespace", at, "not matched on HTTP routes yet");
        notActedOn(m, "statPrefix", at, "Envoy statistics prefixes do not apply");
        Map<String, StringMatch> headers = new LinkedHashMap<>();
        field(m, "headers").properties().forEach(e -> {
            if (e.getKey().startsWith(JWT_CLAIM)) {
                findings.warning(at + ".headers." + e.getKey(), "Portcullis validates no JWTs: a match on a claim"
                        + " never holds, so this match takes no request");
            }
            // An empty match ({}) asks only that the header be present: an empty prefix says that.
            headers.put(e.getKey().toLowerCase(Locale.ROOT),
                    stringMatch(e.getValue()).orElse(new StringMatch(MatchKind.PREFIX, "")));
        });
        Map<String, Optional<StringMatch>> without = new LinkedHashMap<>();
        field(m, "withoutHeaders").properties().forEach(e ->
                without.put(e.getKey().toLowerCase(Locale.ROOT), stringMatch(e.getValue())));
        Map<String, StringMatch> query = new LinkedHashMap<>();
        field(m, "queryParams").properties().forEach(e ->
                stringMatch(e.getValue()).ifPresent(s -> query.put(e.getKey(), s)));
        List<String> gateways = new ArrayList<>();
        m.path("gateways").forEach(g -> gateways.add(g.asText()));
        return new HttpMatch(m.path("name").asText(""), stringMatch(m.get("uri")), stringMatch(m.get("scheme")),
                stringMatch(m.get("method")), stringMatch(m.get("authority")), headers, without, query,
                m.path("port").asInt(0), gateways, field(m, "ignoreUriCase").asBoolean(false));
    }

    /** {@code exact}, {@code prefix} or {@code regex}; empty for {@code {}} (Istio: matches anything present). */
    private static Optional<StringMatch> stringMatch(JsonNode sm) {
        if (!present(sm)) {
            return Optional.empty();
        }
        for (MatchKind kind : MatchKind.values()) {
            JsonNode v = sm.get(kind.name().toLowerCase(Locale.ROOT));
            if (present(v)) {
                return Optional.of(new StringMatch(kind, v.asText()));
            }
        }
        return Optional.empty();
    }

    private static Destination destination(JsonNode d) {
        String subset = d.path("subset").asText("");
        return new Destination(HostSyntax.lower(d.path("host").asText("")), subset.isEmpty() ? null : subset,
                d.path("port").path("number").asInt(0));
    }

    private static HeaderOperations headers(JsonNode ops) {
        if (!present(ops)) {
            return HeaderOperations.NONE;
        }
        Map<String, String> set = new LinkedHashMap<>();
        ops.path("set").properties().forEach(e -> set.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText("")));
        Map<String, String> add = new LinkedHashMap<>();
        ops.path("add").properties().forEach(e -> add.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText("")));
        List<String> remove = new ArrayList<>();
        ops.path("remove").forEach(n -> remove.add(n.asText("").toLowerCase(Locale.ROOT)));
        return new HeaderOperations(set, add, remove);
    }

    private Optional<Rewrite> rewrite(JsonNode rw, String at) {
        if (!present(rw)) {
            return Optional.empty();
        }
        notActedOn(rw, "uriRegexRewrite", at + ".rewrite", "regex rewrites are not served yet; the path is unchanged");
        String uri = rw.path("uri").asText("");
        String authority = rw.path("authority").asText("");
        return uri.isEmpty() && authority.isEmpty() ? Optional.empty() : Optional.of(new Rewrite(uri, authority));
    }

    private Retries retries(JsonNode r, String at) {
        if (!present(r)) {
            return Retries.ISTIO_DEFAULT;
        }
        notActedOn(r, "retryRemoteLocalities", at + ".retries", "there are no localities at an egress gateway");
        notActedOn(r, "backoff", at + ".retries", "retries follow at once");
        int attempts = r.path("attempts").asInt(0);
        String on = field(r, "retryOn").asText("");
        Set<String> retryOn = on.isEmpty() ? Retries.ISTIO_DEFAULT.retryOn()
                : new LinkedHashSet<>(Arrays.asList(on.split(",")));
        return new Retries(attempts, duration(field(r, "perTryTimeout")), retryOn);
    }

    private Optional<Fault> fault(JsonNode f, String at) {
        if (!present(f)) {
            return Optional.empty();
        }
        Optional<Delay> delay = Optional.empty();
        JsonNode d = f.get("delay");
        if (present(d)) {
            notActedOn(d, "exponentialDelay", at + ".delay", "not supported by Istio either");
            delay = duration(field(d, "fixedDelay")).map(fixed -> new Delay(fixed, percent(d)));
        }
        Optional<Abort> abort = Optional.empty();
        JsonNode a = f.get("abort");
        if (present(a)) {
            notActedOn(a, "grpcStatus", at + ".abort", "gRPC is not served");
            if (present(field(a, "httpStatus"))) {
                abort = Optional.of(new Abort(field(a, "httpStatus").asInt(), percent(a)));
            }
        }
        return delay.isEmpty() && abort.isEmpty() ? Optional.empty() : Optional.of(new Fault(delay, abort));
    }

    /** {@code percentage.value}, else the deprecated integer {@code percent}; absent: 0, as Istio documents. */
    private static double percent(JsonNode n) {
        JsonNode p = n.get("percentage");
        if (present(p)) {
            return p.isObject() ? p.path("value").asDouble(0) : p.asDouble(0);
        }
        return n.path("percent").asDouble(0);
    }

    private Optional<Redirect> redirect(JsonNode r, String at) {
        if (!present(r)) {
            return Optional.empty();
        }
        notActedOn(r, "derivePort", at, "the request's port is kept unless port is given");
        notActedOn(r, "prefixRewrite", at, "not served yet; use uri");
        int code = field(r, "redirectCode").asInt(0);
        return Optional.of(new Redirect(r.path("uri").asText(""), r.path("authority").asText(""),
                r.path("scheme").asText(""), r.path("port").asInt(0), code == 0 ? 301 : code));
    }

    private static Optional<DirectResponse> directResponse(JsonNode d) {
        if (!present(d)) {
            return Optional.empty();
        }
        JsonNode body = d.path("body");
        String text = body.path("string").asText("");
        if (text.isEmpty() && body.has("bytes")) {
            try {
                text = new String(Base64.getDecoder().decode(body.path("bytes").asText("")), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                text = "";
            }
        }
        return Optional.of(new DirectResponse(d.path("status").asInt(200), text));
    }

    private static Optional<Duration> duration(JsonNode v) {
        return present(v) ? IstioDuration.parse(v.asText()) : Optional.empty();
    }

    /** A field by its camelCase or snake_case name (protobuf JSON accepts both). */
    private static JsonNode field(JsonNode n, String camel) {
        JsonNode v = n.get(camel);
        return present(v) ? v : n.path(Node.snakeCase(camel));
    }

    private void notActedOn(JsonNode n, String name, String at, String why) {
        if (present(n.get(name))) {
            findings.warning(at + "." + name, "accepted but not acted on by Portcullis (" + why + ")");
        }
    }

    private static boolean present(JsonNode v) {
        return v != null && !v.isNull() && !v.isMissingNode();
    }
}
