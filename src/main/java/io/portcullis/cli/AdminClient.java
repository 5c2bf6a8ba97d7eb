package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin API as the commands use it, over the JDK's HTTP client. Answers are JSON trees;
 * connection failures become a {@link CliException} that says where the gateway was looked for.
 */
final class AdminClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** An answer: status, JSON body, and the {@code Warning} headers' texts. */
    record Response(int status, JsonNode body, List<String> warnings) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final URI server;
    private final Path tokenFile;
    private final Duration timeout;
    private final HttpClient http;

    AdminClient(URI server, Path tokenFile, Duration timeout) {
        this.server = server;
        this.tokenFile = tokenFile;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    Response apply(List<SourceFile> files, String namespace, boolean dryRun) {
        ObjectNode envelope = JsonNodeFactory.instance.objectNode();
        ArrayNode list = envelope.putArray("files");
        files.forEach(f -> list.addObject().put("name", f.name()).put("content", f.text()));
        String query = "?namespace=" + enc(namespace) + (dryRun ? "&dryRun=All" : "");
        return send(request("/apply" + query).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ObjectText.json(envelope))));
    }

    /** Lists {@code kind} in {@code namespace}, or in every namespace when it is null. */
    Response list(ResourceKind kind, String namespace) {
        return send(request(collection(kind, namespace)).GET());
    }

    Response get(ResourceKind kind, String namespace, String name) {
        return send(request(collection(kind, namespace) + "/" + enc(name)).GET());
    }

    /** One resource for {@link #deleteAll}. */
    record Target(ResourceKind kind, String namespace, String name) {}

    /** {@code POST /delete}: the targets that exist deleted in one change, judged by where it ends. */
    Response deleteAll(List<Target> targets, boolean dryRun) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode items = body.putArray("items");
        targets.forEach(t -> items.addObject().put("apiVersion", t.kind().preferredApiVersion())
                .put("kind", t.kind().kind()).put("namespace", t.namespace()).put("name", t.name()));
        return send(request("/delete" + (dryRun ? "?dryRun=All" : "")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ObjectText.json(body))));
    }

    Response delete(ResourceKind kind, String namespace, String name, boolean dryRun) {
        return send(request(collection(kind, namespace) + "/" + enc(name) + (dryRun ? "?dryRun=All" : "")).DELETE());
    }

    Response suggestions(Long sinceSeconds, String forCaller) {
        StringBuilder q = new StringBuilder("/suggestions?");
        if (sinceSeconds != null) {
            q.append("sinceSeconds=").append(sinceSeconds).append('&');
        }
        if (forCaller != null) {
            q.append("for=").append(enc(forCaller));
        }
        return send(request(q.toString()).GET());
    }

    Response diff(List<SourceFile> files, String namespace, String outboundPolicy) {
        ObjectNode envelope = JsonNodeFactory.instance.objectNode();
        ArrayNode list = envelope.putArray("files");
        files.forEach(f -> list.addObject().put("name", f.name()).put("content", f.text()));
        return send(request("/diff?namespace=" + enc(namespace)
                + (outboundPolicy == null ? "" : "&outboundPolicy=" + enc(outboundPolicy))).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ObjectText.json(envelope))));
    }

    Response check(String to, String sni, String from, String fromNamespace, String method, String path) {
        StringBuilder q = new StringBuilder("/check?to=").append(enc(to));
        if (fromNamespace != null) {
            q.append("&namespace=").append(enc(fromNamespace));
        }
        if (method != null) {
            q.append("&method=").append(enc(method));
        }
        if (path != null) {
            q.append("&path=").append(enc(path));
        }
        if (sni != null) {
            q.append("&sni=").append(enc(sni));
        }
        if (from != null) {
            q.append("&from=").append(enc(from));
        }
        return send(request(q.toString()).GET());
    }

    private static String collection(ResourceKind kind, String namespace) {
        String base = "/apis/" + kind.group() + "/" + kind.versions().get(0);
        return namespace == null ? base + "/" + kind.plural() : base + "/namespaces/" + enc(namespace) + "/" + kind.plural();
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + pathAndQuery)).timeout(timeout)
                .header("Accept", "application/json");
        if (tokenFile != null) {
            b.header("Authorization", "Bearer " + token());
        }
        return b;
    }

    private String token() {
        try {
            String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            int nl = t.indexOf('\n');
            return (nl < 0 ? t : t.substring(0, nl)).strip();
        } catch (IOException e) {
            throw new CliException("error: --token-file: cannot read " + tokenFile + ": " + e.getMessage());
        }
    }

    private Response send(HttpRequest.Builder b) {
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new CliException("error: cannot reach the gateway at " + server + " (" + describe(e)
                    + "); is \"portcullis run\" running there? (--server sets where to look)");
        } catch (HttpTimeoutException e) {
            throw new CliException("error: the gateway at " + server + " did not answer within " + timeout.toSeconds()
                    + "s (--request-timeout)");
        } catch (IOException e) {
            throw new CliException("error: talking to the gateway at " + server + " failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("error: interrupted");
        }
        List<String> warnings = new ArrayList<>();
        r.headers().allValues("Warning").forEach(w -> warnings.add(warningText(w)));
        return new Response(r.statusCode(), parse(r), warnings);
    }

    private static JsonNode parse(HttpResponse<String> r) {
        String body = r.body();
        try {
            if (r.headers().firstValue("Content-Type").orElse("").contains("json")) {
                return ObjectText.mapper().readTree(body);
            }
        } catch (IOException e) {
            // Falls through: an answer that is not the JSON it claims is shown as text.
        }
        ObjectNode text = JsonNodeFactory.instance.objectNode();
        text.put("message", body == null ? "" : body.strip());
        return text;
    }

    /** {@code 299 - "text"} to {@code text}, unescaped. */
    private static String warningText(String header) {
        int q = header.indexOf('"');
        if (q < 0 || !header.endsWith("\"")) {
            return header;
        }
        return header.substring(q + 1, header.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? (e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName()) : m;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
