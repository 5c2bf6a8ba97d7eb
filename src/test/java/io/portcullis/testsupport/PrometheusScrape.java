package io.portcullis.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of {@code /stats/prometheus}, parsed from the text exposition format: every sample
 * with its name, labels and value, and sums over the samples whose labels include a given set.
 */
public final class PrometheusScrape {
    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Sample> samples;
    private final String contentType;

    private PrometheusScrape(String text, List<Sample> samples, String contentType) {
        this.text = text;
        this.samples = samples;
        this.contentType = contentType;
    }

    /** GETs {@code /stats/prometheus} from an admin endpoint. */
    public static PrometheusScrape from(InetSocketAddress admin) {
        HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + "/stats/prometheus"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("/stats/prometheus answered " + r.statusCode() + ": " + r.body());
            }
            return parse(r.body(), r.headers().firstValue("content-type").orElse(""));
        } catch (IOException e) {
            throw new AssertionError("cannot scrape " + admin, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static PrometheusScrape parse(String text, String contentType) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                parseLabels(line.substring(brace + 1, close), labels);
            } else {
                name = line.substring(0, space);
            }
            out.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new PrometheusScrape(text, out, contentType);
    }

    private static void parseLabels(String s, Map<String, String> labels) {
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            String key = s.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; s.charAt(j) != '"'; j++) {
                char c = s.charAt(j);
                if (c == '\\') {
                    char n = s.charAt(++j);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
        }
    }

    /** The sum of {@code name}'s samples whose labels include all of {@code labels} (pairs: key, value…). */
    public double sum(String name, String... labels) {
        double total = 0;
        for (Sample s : matching(name, labels)) {
            total += s.value();
        }
        return total;
    }

    public List<Sample> matching(String name, String... labels) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && includes(s.labels(), labels)) {
                out.add(s);
            }
        }
        return out;
    }

    private static boolean includes(Map<String, String> have, String[] want) {
        for (int k = 0; k < want.length; k += 2) {
            if (!want[k + 1].equals(have.get(want[k]))) {
                return false;
            }
        }
        return true;
    }

    public List<Sample> samples() {
        return samples;
    }

    public String contentType() {
        return contentType;
    }

    public String text() {
        return text;
    }
}
