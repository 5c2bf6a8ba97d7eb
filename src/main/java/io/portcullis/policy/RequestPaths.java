package io.portcullis.policy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The path an AuthorizationPolicy's {@code paths} are matched against, as Envoy's RBAC filter in
 * Istio sees it with its default {@code pathNormalization: BASE}: the request target's path
 * without query and fragment, normalized as RFC 3986 §6.2.2 says (percent-encoded unreserved
 * characters decoded, other percent-encodings upper-cased, dot segments removed). So
 * {@code /a/../admin} and {@code /%61dmin} match a rule on {@code /admin}: a DENY cannot be
 * stepped around by spelling the same path another way. Pure; never blocks.
 */
public final class RequestPaths {
    private RequestPaths() {
    }

    /** The path of {@code target} ({@code /p?q}, {@code http://host/p?q}, {@code *}) to match policies against. */
    public static String forMatching(String target) {
        String path = target;
        if (!path.startsWith("/")) {
            int scheme = path.indexOf("://");
            if (scheme > 0) {
                int slash = path.indexOf('/', scheme + 3);
                int query = path.indexOf('?', scheme + 3);
                path = slash < 0 || (query >= 0 && query < slash) ? "/" + (query < 0 ? "" : path.substring(query))
                        : path.substring(slash);
            }
        }
        int cut = indexOfAny(path, '?', '#');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        if (path.isEmpty()) {
            return "/";
        }
        if (!path.startsWith("/")) {
            return path;
        }
        return removeDotSegments(decodeUnreserved(path));
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == a || s.charAt(i) == b) {
                return i;
            }
        }
        return -1;
    }

    private static String decodeUnreserved(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder sb = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length() && hex(path.charAt(i + 1)) >= 0 && hex(path.charAt(i + 2)) >= 0) {
                char decoded = (char) (hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2)));
                if (isUnreserved(decoded)) {
                    sb.append(decoded);
                } else {
                    sb.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                }
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    /** RFC 3986 §5.2.4 on an absolute path. */
    private static String removeDotSegments(String path) {
        if (!path.contains(".")) {
            return path;
        }
        Deque<String> out = new ArrayDeque<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals(".")) {
                if (last) {
                    out.addLast("");
                }
            } else if (s.equals("..")) {
                out.pollLast();
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(s);
            }
        }
        return "/" + String.join("/", out);
    }
}
