package io.portcullis.learn;

import io.portcullis.policy.ConnectionReplay;
import io.portcullis.policy.Verdict;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ReplayQuery;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a configuration change would do to recent traffic: every recorded connection decided
 * under the configuration in force and under the candidate, by {@link ConnectionReplay} (the
 * listeners' own lookups), and those whose verdict differs, grouped by destination, port, caller
 * and the two reasons. Pure.
 */
public final class VerdictDiff {
    /** Connections of one destination and caller whose verdict would change the same way. */
    public record Change(String destination, int port, String caller, boolean allowedBefore, String reasonBefore,
                         boolean allowedAfter, String reasonAfter, String messageAfter, int connections,
                         long lastSeen) {
        /** Allowed now, refused with the change. */
        public boolean isCut() {
            return allowedBefore && !allowedAfter;
        }
    }

    /**
     * What replaying the recorded connections against the new policy changed.
     *
     * @param replayed connections decided again; {@code changes} cuts first
     */
    public record Result(int replayed, List<Change> changes) {
        public long cuts() {
            return changes.stream().filter(Change::isCut).count();
        }
    }

    private VerdictDiff() {
    }

    public static Result compare(List<Observation> recent, EgressPolicy current, EgressPolicy candidate) {
        Map<List<Object>, Change> grouped = new LinkedHashMap<>();
        int replayed = 0;
        for (Observation o : recent) {
            ReplayQuery q = query(o);
            if (q == null) {
                continue;
            }
            replayed++;
            Verdict before = ConnectionReplay.decide(current, q);
            Verdict after = ConnectionReplay.decide(candidate, q);
            if (before.allowed() == after.allowed()) {
                continue;
            }
            List<Object> key = List.of(o.destination(), o.port(), o.caller(), before.reason(), after.reason());
            Change was = grouped.get(key);
            grouped.put(key, new Change(o.destination(), o.port(), o.caller(), before.allowed(), before.reason().code(),
                    after.allowed(), after.reason().code(), after.message(), was == null ? 1 : was.connections() + 1,
                    Math.max(o.at(), was == null ? 0 : was.lastSeen())));
        }
        List<Change> changes = new ArrayList<>(grouped.values());
        changes.sort((a, b) -> a.isCut() != b.isCut() ? (a.isCut() ? -1 : 1)
                : (a.destination() + ":" + a.port()).compareTo(b.destination() + ":" + b.port()));
        return new Result(replayed, changes);
    }

    private static ReplayQuery query(Observation o) {
        InetAddress address = ConnectionReplay.literal(o.address());
        if (o.host() == null && address == null) {
            return null;
        }
        int colon = o.local() == null ? -1 : o.local().lastIndexOf(':');
        InetAddress localIp = null;
        int localPort = 0;
        if (colon > 0) {
            String h = o.local().substring(0, colon);
            localIp = ConnectionReplay.literal(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
            try {
                localPort = Integer.parseInt(o.local().substring(colon + 1));
            } catch (NumberFormatException e) {
                localPort = 0;
            }
        }
        ReplayQuery q = new ReplayQuery(o.listener(), o.host(), address, o.port(), o.sni(), o.principal(),
                ConnectionReplay.literal(o.sourceIp()), localIp, localPort);
        // The explicit proxy authorizes a CONNECT as an HTTP request (method CONNECT); a plain HTTP request's
        // method and path are not recorded, so it is replayed as a connection.
        return o.listener().startsWith("proxy_") && o.protocol() != SeenProtocol.HTTP ? q.asConnect() : q;
    }
}
