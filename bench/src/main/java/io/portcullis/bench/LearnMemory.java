package io.portcullis.bench;

import io.portcullis.learn.CandidateTable;
import io.portcullis.learn.Observation;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.Destination;
import java.time.Instant;

/**
 * Heap per learned candidate: fills a table with N undeclared destinations (names of 30-odd
 * characters, 1 or 16 callers each) and prints the retained heap over N. Run with a fixed heap:
 * {@code java -Xms1g -Xmx1g -cp … io.portcullis.bench.LearnMemory 10000}.
 */
public final class LearnMemory {
    private LearnMemory() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        ring(n);
        for (int callers : new int[] {1, 16}) {
            long before = used();
            CandidateTable t = new CandidateTable(n);
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                String requested = "svc-" + i + ".team-" + (i % 16) + ".example.com:443";
                for (int c = 0; c < callers; c++) {
                    t.add(Observation.of(new ConnectionRecord(now, 3, "proxy_3128", "10.1." + c + ".3:40558",
                            "10.0.0.5:3128", "CONNECT", "-", "HTTP/1.1", 403, "curl/7.88.1", "-", "-", requested, "-",
                            Reason.NO_SERVICE_ENTRY, "no ServiceEntry allows " + requested, (ResourceId) null,
                            new Destination("x", false, 443, Destination.BLACK_HOLE), "-", "-", 0, 0, 1, "-", requested,
                            "-")).orElseThrow());
                }
            }
            long after = used();
            System.out.printf("%d candidates, %d caller(s) each: %d bytes per candidate (%.1f MiB in all)%n", t.size(),
                    callers, (after - before) / n, (after - before) / 1048576.0);
            if (t.size() < 0) {
                System.out.println(t);
            }
        }
    }

    /** Heap per connection kept in the recent ring (each with its own strings, as records from the log are). */
    private static void ring(int n) {
        long before = used();
        io.portcullis.learn.RecentConnections ring = new io.portcullis.learn.RecentConnections(n);
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            String requested = "svc-" + i + ".team-" + (i % 16) + ".example.com:443";
            ring.add(Observation.of(new ConnectionRecord(now, 3, "proxy_3128", "10.1.0." + (i % 250) + ":" + (40000 + i),
                    "10.0.0.5:3128", "CONNECT", "-", "HTTP/1.1", 200, "curl/7.88.1", "-", "-", requested, "-",
                    Reason.DECLARED, "-", (ResourceId) null, new Destination("x", true, 443, "x"),
                    "142.250.74." + (i % 250) + ":443", "-", 700, 7000, 1, "-", requested, "-")).orElseThrow());
        }
        long after = used();
        System.out.printf("%d recent connections: %d bytes each (%.1f MiB in all)%n", ring.capacity(),
                (after - before) / n, (after - before) / 1048576.0);
        if (ring.total() < 0) {
            System.out.println(ring);
        }
    }

    private static long used() {
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
