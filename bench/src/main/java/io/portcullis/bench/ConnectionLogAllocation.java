package io.portcullis.bench;

import io.portcullis.telemetry.AccessLog;
import io.portcullis.telemetry.ConnectionLog;
import io.portcullis.telemetry.Telemetry;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Bytes allocated on the calling thread by one CONNECT's {@code ConnectionLog} life (open, request,
 * decision, response, close), as an event loop runs it: an exact count, whatever the machine's load
 * ({@code bench/PER-CONNECTION.md}). {@code java -cp bench.jar:portcullis.jar io.portcullis.bench.ConnectionLogAllocation}
 */
public final class ConnectionLogAllocation {
    static volatile Object sink;
    public static void main(String[] a) throws Exception {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Telemetry t = new Telemetry(AccessLog.toStdout(new PrintStream(OutputStream.nullOutputStream())), new GatewayMetrics(500));
        InetSocketAddress c = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 41234);
        InetSocketAddress l = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 3128);
        InetSocketAddress u = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 443);
        InetSocketAddress ul = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 50123);
        Object[] keep = new Object[1024];
        for (int round = 0; round < 8; round++) {
            int n = 200_000;
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++) {
                ConnectionLog log = t.open("proxy_3128", c, l);
                log.request("CONNECT", "-", "HTTP/1.1", "curl/8", null, null);
                log.requested("origin.bench.test", 443);
                log.answered("allowed");
                log.upstream(u);
                log.upstreamLocal(ul);
                log.responded(200);
                keep[i & 1023] = log.close();
            }
            long after = mx.getCurrentThreadAllocatedBytes();
            sink = keep;
            if (round >= 5) System.out.printf("%.0f B per connection%n", (after - before) / (double) n);
        }
        System.exit(0);
    }
}
