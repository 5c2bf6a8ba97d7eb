package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Istio's rules for VirtualService {@code http} routes: a route Istio would refuse is refused here as well, so
 * that a file {@code validate} passes is one Istio takes. {@link HttpRouteReader} then maps what passed.
 */
final class HttpRouteCheck {
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~A-Za-z0-9]+");
    private static final Set<String> PSEUDO_HEADERS = Set.of(":method", ":scheme", ":authority", ":path", ":status");
    private static final Set<String> CORS_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*");
    private static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "reset", "reset-before-request",
            "connect-failure", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "envoy-ratelimited", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable");
    private static final Set<String> GRPC_STATUS = Set.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
            "DATA_LOSS", "UNAUTHENTICATED");
    private static final String JWT_CLAIM = "@request.auth.claims.";
    private static final int MAX_REGEX = 1024;

    private final Findings findings;

    private HttpRouteCheck(Findings findings) {
        this.findings = findings;
    }

    /**
     * Checks every route of {@code spec.http}.
     *
     * @param delegate     whether the VirtualService has no hosts (Istio's delegate, included by another)
     * @param boundToMesh  whether it applies to sidecars (no gateways, or the gateway {@code mesh})
     */
    static void check(Node spec, boolean delegate, boolean boundToMesh) {
        JsonNode http = spec.raw("http");
        if (http == null || !http.isArray()) {
            return;
        }
        HttpRouteCheck c = new HttpRouteCheck(spec.findings());
        String base = spec.fieldPath("http");
        for (int i = 0; i < http.size(); i++) {
            JsonNode route = http.get(i);
            String at = base + "[" + i + "]";
            if (route == null || !route.isObject()) {
                c.findings.error(at, "an http route must be an object");
                continue;
            }
            c.route(route, at, delegate, boundToMesh);
        }
    }

    private void route(JsonNode r, String at, boolean delegate, boolean boundToMesh) {
        conflicts(r, at, delegate);
        JsonNode matches = r.path("match");
        for (int i = 0; i < matches.size(); i++) {
            match(matches.get(i), at + ".match[" + i + "]", boundToMesh);
        }
        headerOperations(r.path("headers"), at + ".headers");
        cors(r.path("corsPolicy"), at + ".corsPolicy");
        fault(r.get("fault"), at + ".fault");
        JsonNode mirrorPercent = r.get("mirrorPercent");
        if (present(mirrorPercent) && number(mirrorPercent) > 100) {
            findings.error(at + ".mirrorPercent", "must be at most 100");
        }
        JsonNode mirrorPercentage = r.get("mirrorPercentage");
        if (present(mirrorPercentage)) {
            percentRange(number(mirrorPercentage.path("value")), at + ".mirrorPercentage");
        }
        if (present(r.get("mirror"))) {
            destination(r.get("mirror"), at + ".mirror");
        }
        JsonNode mirrors = r.path("mirrors");
        for (int i = 0; i < mirrors.size(); i++) {
            JsonNode m = mirrors.get(i);
            String mAt = at + ".mirrors[" + i + "]";
            if (!present(m.get("destination"))) {
                findings.error(mAt + ".destination", "required");
                continue;
            }
            destination(m.get("destination"), mAt + ".destination");
            if (present(m.get("percentage"))) {
                percentRange(number(m.path("percentage").path("value")), mAt + ".percentage");
            }
        }
        redirect(r, at);
        directResponse(r.get("directResponse"), at + ".directResponse");
        retries(r.get("retries"), at + ".retries");
        rewrite(r.get("rewrite"), r.path("headers"), at);
        routeDestinations(r.path("route"), at + ".route");
        duration(r.get("timeout"), at + ".timeout");
    }

    private void conflicts(JsonNode r, String at, boolean delegate) {
        boolean hasRoute = r.path("route").size() > 0;
        boolean redirect = present(r.get("redirect"));
        boolean direct = present(r.get("directResponse"));
        if (present(r.get("delegate")) && !delegate) {
            if (redirect) {
                findings.error(at + ".redirect", "a route with delegate cannot also redirect");
            }
            if (present(r.get("route"))) {
                findings.error(at + ".route", "a route with delegate cannot also have destinations");
            }
            return;
        }
        if (delegate && present(r.get("delegate"))) {
            findings.error(at + ".delegate", "a delegate VirtualService cannot delegate again");
        }
        if (redirect) {
            for (String f : List.of("fault", "rewrite", "directResponse")) {
                if (present(r.get(f))) {
                    findings.error(at + "." + f, "cannot be combined with redirect");
                }
            }
            if (hasRoute) {
                findings.error(at + ".route", "cannot be combined with redirect");
            }
        } else if (direct) {
            for (String f : List.of("fault", "rewrite")) {
                if (present(r.get(f))) {
                    findings.error(at + "." + f, "cannot be combined with directResponse");
                }
            }
            if (hasRoute) {
                findings.error(at + ".route", "cannot be combined with directResponse");
            }
        } else if (!hasRoute) {
            findings.error(at, "an http route needs route, redirect or directResponse");
        }
        if (present(r.get("mirror")) && r.path("mirrors").size() > 0) {
            findings.error(at + ".mirrors", "cannot be combined with mirror");
        }
    }

    private void match(JsonNode m, String at, boolean boundToMesh) {
        if (!present(m)) {
            return;
        }
        for (String field : List.of("headers", "withoutHeaders")) {
            Iterator<Map.Entry<String, JsonNode>> it = m.path(field).properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String where = at + "." + field + "." + e.getKey();
                String name = e.getKey();
                if (name.isEmpty()) {
                    findings.error(where, "a header name cannot be empty");
                } else if (name.startsWith(JWT_CLAIM)) {
                    if (boundToMesh) {
                        findings.error(where, "routing on JWT claims works only on gateways (set gateways)");
                    }
                } else if (!PSEUDO_HEADERS.contains(name) && !HEADER_NAME.matcher(name).matches()) {
                    findings.error(where, "\"" + name + "\" is not a valid header name");
                }
                JsonNode value = e.getValue();
                if (field.equals("headers") && !present(value)) {
                    findings.error(where, "a header match cannot be null");
                } else if (present(value) && !(field.equals("withoutHeaders") && "*".equals(value.path("regex").asText(null)))) {
                    stringMatch(value, where, false);
                }
            }
        }
        if (present(m.get("uri"))) {
            stringMatch(m.get("uri"), at + ".uri", true);
        }
        for (String f : List.of("scheme", "method", "authority")) {
            if (present(m.get(f))) {
                stringMatch(m.get(f), at + "." + f, false);
            }
        }
        Iterator<Map.Entry<String, JsonNode>> qp = m.path("queryParams").properties().iterator();
        while (qp.hasNext()) {
            Map.Entry<String, JsonNode> e = qp.next();
            if (present(e.getValue())) {
                stringMatch(e.getValue(), at + ".queryParams." + e.getKey(), false);
            }
        }
        JsonNode port = m.get("port");
        if (present(port) && (port.asLong() < 0 || port.asLong() > 65535)) {
            findings.error(at + ".port", port.asText() + " is out of range (expected: 1-65535)");
        }
        String ns = m.path("sourceNamespace").asText("");
        if (!ns.isEmpty() && !HostSyntax.isLabel(ns)) {
            findings.error(at + ".sourceNamespace", "\"" + ns + "\" is not a namespace name");
        }
        LabelSyntax.check(m.get("sourceLabels"), at + ".sourceLabels", findings);
    }

    /** A prefix may be empty only for a URI (Envoy's rule); a regex must compile and stay short. */
    private void stringMatch(JsonNode sm, String at, boolean uri) {
        if (sm.has("prefix") && sm.path("prefix").asText("").isEmpty() && !uri) {
            findings.error(at + ".prefix", "a prefix match cannot be empty");
        }
        if (sm.has("regex")) {
            regex(sm.path("regex").asText(""), at + ".regex");
        }
    }

    private void regex(String re, String at) {
        if (re.isEmpty()) {
            findings.error(at, "a regex match cannot be empty");
        } else if (re.length() > MAX_REGEX) {
            findings.error(at, "a regex may be at most " + MAX_REGEX + " characters long");
        } else {
            try {
                Pattern.compile(re);
            } catch (PatternSyntaxException e) {
                findings.error(at, "\"" + re + "\" is not a valid regular expression (RE2 syntax): "
                        + e.getDescription());
            }
        }
    }

    private void headerOperations(JsonNode headers, String at) {
        for (String side : List.of("request", "response")) {
            JsonNode ops = headers.path(side);
            for (String op : List.of("set", "add")) {
                Iterator<Map.Entry<String, JsonNode>> it = ops.path(op).properties().iterator();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String where = at + "." + side + "." + op + "." + e.getKey();
                    headerOperationName(e.getKey(), side.equals("request"), where);
                    headerValue(e.getValue().asText(""), where);
                }
            }
            JsonNode remove = ops.path("remove");
            for (int i = 0; i < remove.size(); i++) {
                headerOperationName(remove.get(i).asText(""), false, at + "." + side + ".remove[" + i + "]");
            }
        }
    }

    private void headerOperationName(String name, boolean mayBeAuthority, String at) {
        boolean authority = name.equalsIgnoreCase(":authority") || name.equalsIgnoreCase("host");
        if (name.isEmpty()) {
            findings.error(at, "a header name cannot be empty");
        } else if (authority && !mayBeAuthority) {
            findings.error(at, "the Host/:authority header can only be set on requests");
        } else if (name.startsWith(":") && !authority) {
            findings.error(at, "\"" + name + "\": pseudo-headers (\":\" prefix) cannot be changed");
        }
    }

    private void headerValue(String value, String at) {
        String problem = HeaderValueSyntax.problem(value);
        if (problem != null) {
            findings.error(at, problem);
        }
    }

    private void cors(JsonNode cors, String at) {
        if (!present(cors)) {
            return;
        }
        JsonNode origins = cors.path("allowOrigins");
        for (int i = 0; i < origins.size(); i++) {
            JsonNode o = origins.get(i);
            String value = o.path("exact").asText(o.path("prefix").asText(o.path("regex").asText("")));
            if (value.isEmpty()) {
                findings.error(at + ".allowOrigins[" + i + "]", "needs a non-empty exact, prefix or regex");
            } else if (o.has("regex")) {
                regex(value, at + ".allowOrigins[" + i + "].regex");
            }
        }
        JsonNode methods = cors.path("allowMethods");
        for (int i = 0; i < methods.size(); i++) {
            if (!CORS_METHODS.contains(methods.get(i).asText())) {
                findings.error(at + ".allowMethods[" + i + "]", "\"" + methods.get(i).asText()
                        + "\" is not an HTTP method");
            }
        }
        for (String f : List.of("allowHeaders", "exposeHeaders")) {
            JsonNode names = cors.path(f);
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i).asText("");
                if (!n.equals("*") && !HEADER_NAME.matcher(n).matches()) {
                    findings.error(at + "." + f + "[" + i + "]", "\"" + n + "\" is not a valid header name");
                }
            }
        }
        JsonNode maxAge = cors.get("maxAge");
        if (present(maxAge)) {
            duration(maxAge, at + ".maxAge");
            IstioDuration.parse(maxAge.asText()).filter(d -> d.toNanosPart() != 0).ifPresent(d ->
                    findings.error(at + ".maxAge", "must be whole seconds"));
        }
    }

    private void fault(JsonNode fault, String at) {
        if (!present(fault)) {
            return;
        }
        JsonNode abort = fault.get("abort");
        JsonNode delay = fault.get("delay");
        if (!present(abort) && !present(delay)) {
            findings.error(at, "a fault needs abort or delay");
        }
        if (present(abort)) {
            percentage(abort.get("percentage"), at + ".abort.percentage");
            if (abort.has("http2Error")) {
                findings.error(at + ".abort.http2Error", "not supported by Istio yet");
            } else if (abort.has("grpcStatus")) {
                if (!GRPC_STATUS.contains(abort.path("grpcStatus").asText())) {
                    findings.error(at + ".abort.grpcStatus", "\"" + abort.path("grpcStatus").asText()
                            + "\" is not a gRPC status name (e.g. NOT_FOUND)");
                }
            } else if (abort.has("httpStatus")) {
                httpStatus(abort.path("httpStatus").asLong(), at + ".abort.httpStatus");
            } else {
                findings.warning(at + ".abort", "no error type (httpStatus, grpcStatus) is set");
            }
        }
        if (present(delay)) {
            percentage(delay.get("percentage"), at + ".delay.percentage");
            if (delay.has("percent") && (delay.path("percent").asLong() < 0 || delay.path("percent").asLong() > 100)) {
                findings.error(at + ".delay.percent", "must be 0-100");
            }
            duration(delay.get("fixedDelay"), at + ".delay.fixedDelay");
            if (present(delay.get("exponentialDelay"))) {
                findings.error(at + ".delay.exponentialDelay", "not supported by Istio yet");
            }
        }
    }

    private void percentage(JsonNode p, String at) {
        if (!present(p)) {
            return;
        }
        double v = number(p.path("value"));
        if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
            findings.error(at, v + " is neither 0 nor in 0.0001-100");
        }
    }

    private void percentRange(double v, String at) {
        if (v < 0 || v > 100) {
            findings.error(at, v + " is not in 0-100");
        }
    }

    private void httpStatus(long status, String at) {
        if (status < 200 || status > 600) {
            findings.error(at, status + " is not an HTTP status in 200-599");
        }
    }

    private void redirect(JsonNode r, String at) {
        JsonNode redirect = r.get("redirect");
        if (!present(redirect)) {
            return;
        }
        String where = at + ".redirect";
        String uri = redirect.path("uri").asText("");
        String prefix = redirect.path("prefixRewrite").asText("");
        if (!uri.isEmpty() && !prefix.isEmpty()) {
            findings.error(where, "give only one of uri and prefixRewrite");
            return;
        }
        if (!prefix.isEmpty()) {
            JsonNode matches = r.path("match");
            for (int i = 0; i < matches.size(); i++) {
                JsonNode u = matches.get(i).get("uri");
                if (present(u) && !u.has("prefix")) {
                    findings.error(where + ".prefixRewrite", "needs every uri match to be a prefix match");
                    return;
                }
            }
        }
        boolean port = present(redirect.get("port")) || present(redirect.get("derivePort"));
        if (uri.isEmpty() && prefix.isEmpty() && redirect.path("authority").asText("").isEmpty() && !port
                && redirect.path("scheme").asText("").isEmpty()) {
            findings.error(where, "a redirect needs uri, prefixRewrite, authority, scheme or port");
            return;
        }
        long code = redirect.path("redirectCode").asLong(0);
        if (code != 0 && (code < 300 || code > 399)) {
            findings.error(where + ".redirectCode", code + " is not a redirect code (expected 3xx)");
        }
        String scheme = redirect.path("scheme").asText("");
        if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
            findings.error(where + ".scheme", "expected http or https");
        }
        long p = redirect.path("port").asLong(0);
        if (p > 65535) {
            findings.error(where + ".port", p + " is out of range (expected: 1-65535)");
        }
    }

    private void directResponse(JsonNode d, String at) {
        if (!present(d)) {
            return;
        }
        httpStatus(d.path("status").asLong(0), at + ".status");
        JsonNode body = d.path("body");
        int size = body.path("string").asText(body.path("bytes").asText("")).length();
        if (size > 1024 * 1024) {
            findings.error(at + ".body", "must be smaller than 1MB");
        }
    }

    private void retries(JsonNode retries, String at) {
        if (!present(retries)) {
            return;
        }
        long attempts = retries.path("attempts").asLong(0);
        if (attempts < 0) {
            findings.error(at + ".attempts", "cannot be negative");
        }
        if (attempts == 0 && (present(retries.get("perTryTimeout")) || !retries.path("retryOn").asText("").isEmpty()
                || present(retries.get("retryRemoteLocalities")))) {
            findings.error(at + ".attempts", "is 0 (retries off) while other retry settings are given");
        }
        duration(retries.get("perTryTimeout"), at + ".perTryTimeout");
        duration(retries.get("backoff"), at + ".backoff");
        String retryOn = retries.path("retryOn").asText("");
        if (!retryOn.isEmpty()) {
            for (String policy : retryOn.split(",", -1)) {
                if (!RETRY_ON.contains(policy) && !isHttpStatus(policy)) {
                    findings.error(at + ".retryOn", "\"" + policy + "\" is not a retryOn policy or HTTP status");
                }
            }
        }
    }

    private static boolean isHttpStatus(String s) {
        if (!s.matches("\\d{3}")) {
            return false;
        }
        int code = Integer.parseInt(s);
        return code >= 100 && code <= 511;
    }

    private void rewrite(JsonNode rewrite, JsonNode headers, String at) {
        if (present(rewrite)) {
            String where = at + ".rewrite";
            boolean uri = !rewrite.path("uri").asText("").isEmpty();
            JsonNode regexRewrite = rewrite.get("uriRegexRewrite");
            boolean authority = !rewrite.path("authority").asText("").isEmpty();
            if (uri && present(regexRewrite)) {
                findings.error(where, "give only one of uri and uriRegexRewrite");
            } else if (!uri && !present(regexRewrite) && !authority) {
                findings.error(where, "a rewrite needs uri, uriRegexRewrite or authority");
            } else if (present(regexRewrite)) {
                String match = regexRewrite.path("match").asText("");
                if (match.isEmpty() || regexRewrite.path("rewrite").asText("").isEmpty()) {
                    findings.error(where + ".uriRegexRewrite", "needs both match and rewrite");
                } else {
                    regex(match, where + ".uriRegexRewrite.match");
                }
            }
        }
        int authoritySources = present(rewrite) && !rewrite.path("authority").asText("").isEmpty() ? 1 : 0;
        for (String op : List.of("set", "add")) {
            Iterator<String> names = headers.path("request").path(op).fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (n.equalsIgnoreCase(":authority") || n.equalsIgnoreCase("host")) {
                    authoritySources++;
                }
            }
        }
        if (authoritySources > 1) {
            findings.error(at, "the authority is rewritten more than once (rewrite.authority and request headers)");
        }
    }

    private void routeDestinations(JsonNode route, String at) {
        long total = 0;
        for (int i = 0; i < route.size(); i++) {
            JsonNode rd = route.get(i);
            String where = at + "[" + i + "]";
            if (!present(rd)) {
                findings.error(where, "must not be null");
                continue;
            }
            if (!present(rd.get("destination"))) {
                findings.error(where + ".destination", "required");
            } else {
                destination(rd.get("destination"), where + ".destination");
            }
            headerOperations(rd.path("headers"), where + ".headers");
            long weight = rd.path("weight").asLong(0);
            if (weight < 0) {
                findings.error(where + ".weight", weight + " is negative");
            }
            total += weight;
        }
        if (route.size() > 1 && total == 0) {
            findings.error(at, "the weights of several destinations add up to 0");
        }
    }

    private void destination(JsonNode d, String at) {
        String host = HostSyntax.lower(d.path("host").asText(""));
        if (host.equals("*")) {
            findings.error(at + ".host", "\"*\" is not a destination host");
        } else {
            String problem = HostSyntax.hostProblem(host, false);
            if (problem != null) {
                findings.error(at + ".host", problem);
            }
        }
        if (d.has("subset")) {
            String subset = d.path("subset").asText("");
            if (!HostSyntax.isLabel(subset)) {
                findings.error(at + ".subset", "\"" + subset + "\" is not a valid subset name (a DNS-1123 label)");
            }
        }
        if (present(d.get("port"))) {
            long n = d.path("port").path("number").asLong(0);
            if (n < 1 || n > 65535) {
                findings.error(at + ".port.number", n + " is out of range (expected: 1-65535)");
            }
        }
    }

    private void duration(JsonNode v, String at) {
        if (present(v)) {
            String problem = IstioDuration.millisecondProblem(v.asText());
            if (problem != null) {
                findings.error(at, problem);
            }
        }
    }

    private static double number(JsonNode v) {
        return v == null ? 0 : v.isObject() ? v.path("value").asDouble(0) : v.asDouble(0);
    }

    private static boolean present(JsonNode v) {
        return v != null && !v.isNull() && !v.isMissingNode();
    }
}
