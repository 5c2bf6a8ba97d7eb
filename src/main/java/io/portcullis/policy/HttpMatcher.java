package io.portcullis.policy;

import io.portcullis.model.HttpRoute.HttpMatch;
import io.portcullis.model.HttpRoute.MatchKind;
import io.portcullis.model.HttpRoute.StringMatch;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One {@code HTTPMatchRequest}, compiled: every condition given must hold, as in Envoy's route match.
 * {@code uri} is matched against the path without its query; {@code regex} must match the whole value (RE2
 * semantics, with Java's engine); {@code headers} and {@code queryParams} need the name present and its value
 * matching; {@code withoutHeaders} holds when the header is absent or does not match. Immutable and thread-safe.
 */
final class HttpMatcher {
    private static final String JWT_CLAIM = "@request.auth.claims.";

    private final List<Predicate<HttpRequestFacts>> conditions = new ArrayList<>();
    private final int port;

    HttpMatcher(HttpMatch m) {
        this.port = m.port();
        m.uri().ifPresent(s -> {
            Predicate<String> p = compile(s, m.ignoreUriCase());
            conditions.add(f -> p.test(f.path()));
        });
        m.scheme().ifPresent(s -> {
            Predicate<String> p = compile(s, false);
            conditions.add(f -> p.test(f.scheme()));
        });
        m.method().ifPresent(s -> {
            Predicate<String> p = compile(s, false);
            conditions.add(f -> p.test(f.method()));
        });
        m.authority().ifPresent(s -> {
            Predicate<String> p = compile(s, false);
            conditions.add(f -> p.test(f.authority()) || p.test(f.authorityHost()));
        });
        m.headers().forEach((name, s) -> {
            if (name.startsWith(JWT_CLAIM)) {
                // No JWT is validated here: a claim is never present (the reader warned).
                conditions.add(f -> false);
                return;
            }
            Predicate<String> p = compile(s, false);
            conditions.add(f -> header(f, name).map(p::test).orElse(false));
        });
        m.withoutHeaders().forEach((name, s) -> {
            Predicate<String> p = s.map(x -> compile(x, false)).orElse(v -> true);
            conditions.add(f -> header(f, name).map(v -> !p.test(v)).orElse(true));
        });
        if (!m.queryParams().isEmpty()) {
            Map<String, Predicate<String>> params = new HashMap<>();
            m.queryParams().forEach((k, s) -> params.put(k, compile(s, false)));
            conditions.add(f -> {
                Map<String, String> query = parseQuery(f.query());
                return params.entrySet().stream().allMatch(e -> query.containsKey(e.getKey())
                        && e.getValue().test(query.get(e.getKey())));
            });
        }
    }

    /** The match's {@code port}, 0 when it names none. */
    int port() {
        return port;
    }

    boolean matches(HttpRequestFacts facts) {
        if (port != 0 && port != facts.port()) {
            return false;
        }
        for (Predicate<HttpRequestFacts> c : conditions) {
            if (!c.test(facts)) {
                return false;
            }
        }
        return true;
    }

    /** A header's value; {@code :authority}, {@code :method}, {@code :path} and {@code :scheme} as Envoy has them. */
    private static Optional<String> header(HttpRequestFacts f, String name) {
        return switch (name) {
            case ":authority", "host" -> Optional.of(f.authority());
            case ":method" -> Optional.of(f.method());
            case ":path" -> Optional.of(f.target());
            case ":scheme" -> Optional.of(f.scheme());
            default -> f.headers().first(name);
        };
    }

    static Predicate<String> compile(StringMatch s, boolean ignoreCase) {
        String v = s.value();
        MatchKind kind = s.kind();
        if (kind == MatchKind.REGEX) {
            Pattern p = Pattern.compile(v, ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
            return x -> x != null && p.matcher(x).matches();
        }
        if (ignoreCase) {
            String lower = v.toLowerCase(Locale.ROOT);
            return kind == MatchKind.EXACT ? x -> x != null && x.toLowerCase(Locale.ROOT).equals(lower)
                    : x -> x != null && x.toLowerCase(Locale.ROOT).startsWith(lower);
        }
        return kind == MatchKind.EXACT ? x -> v.equals(x) : x -> x != null && x.startsWith(v);
    }

    /** The first value of each parameter, decoded ({@code a=1&b} gives b the empty string). */
    static Map<String, String> parseQuery(String query) {
        Map<String, String> out = new HashMap<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
