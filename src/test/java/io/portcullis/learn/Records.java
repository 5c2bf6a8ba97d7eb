package io.portcullis.learn;

import io.portcullis.model.ResourceId;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.Destination;
import java.time.Instant;

/** Access-log records as the gateway freezes them, for the learner's tests. */
final class Records {
    private Records() {
    }

    /** A connection through the explicit proxy to {@code requested} ({@code host:port}). */
    static ConnectionRecord proxied(Instant at, String requested, String method, Reason reason, String client,
                                    String principal) {
        String host = requested.substring(0, requested.lastIndexOf(':'));
        int port = Integer.parseInt(requested.substring(requested.lastIndexOf(':') + 1));
        boolean allowed = reason.allows();
        ResourceId resource = reason == Reason.DECLARED ? new ResourceId("ServiceEntry",
                "default", "declared") : null;
        return new ConnectionRecord(at, 3, "proxy_3128", client + ":40000", "127.0.0.1:3128", method, "-", "HTTP/1.1",
                allowed ? 200 : 403, "curl/7.88.1", "-", "-", requested, "-", reason,
                allowed ? "-" : "no ServiceEntry allows " + requested, resource,
                new Destination(host, false, port, allowed ? Destination.PASSTHROUGH : Destination.BLACK_HOLE),
                allowed ? "127.0.0.1:" + port : "-", "-", 100, 2000, 1, principal == null ? "-" : principal, requested,
                "-");
    }
}
