package io.portcullis.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Runs one row through one target for a fixed time and reads the proxy's CPU time around it.
 * The load generators (wrk, iperf3, {@link TlsLoad}) are not pinned; the proxies are.
 */
final class Measure {
    private static final double MIB = 1024 * 1024;

    private final Lab lab;
    private final TlsLoad tls;
    private final int idleConnections;
    private final LoadShape load;

    Measure(Lab lab, TlsLoad tls, int idleConnections, LoadShape load) {
        this.lab = lab;
        this.tls = tls;
        this.idleConnections = idleConnections;
        this.load = load;
    }

    Measurement run(Row row, Target t, int round, int seconds) throws IOException, InterruptedException {
        if (row.isMemory()) {
            return idle(row, t, round);
        }
        if (!t.isPortcullis()) {
            return load(row, t, round, seconds);
        }
        // The JVM's side of the figure: its stops and which of its threads ran, around the same load.
        java.nio.file.Path log = lab.jvmLog(t.name());
        long from = JvmLog.offset(log);
        ThreadCpu.Snapshot before = ThreadCpu.snapshot(t.pid());
        Measurement m = load(row, t, round, seconds);
        ThreadCpu.Split threads = ThreadCpu.between(before, ThreadCpu.snapshot(t.pid()));
        return m.withJvm(new Measurement.JvmFigures(JvmLog.between(log, from, JvmLog.offset(log)), threads));
    }

    private Measurement load(Row row, Target t, int round, int seconds) throws IOException, InterruptedException {
        long cpu0 = t.isDirect() ? 0 : ProcTree.cpuNanos(t.pid());
        double value;
        double ops;
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        long errors;
        switch (row) {
            case KEEP_ALIVE, NEW_CONNECTION, FORWARD_KEEP_ALIVE -> {
                boolean forward = row == Row.FORWARD_KEEP_ALIVE && !t.isDirect();
                int port = forward ? t.proxy() : t.tcpHttp();
                List<String> headers = row == Row.NEW_CONNECTION ? List.of("Connection: close") : List.of();
                Wrk.Result r = Wrk.run("http://127.0.0.1:" + port + "/", load.wrkThreads(), load.wrkConnections(), seconds,
                        forward ? lab.work.resolve("forward.lua") : null, headers);
                value = r.perSecond();
                ops = r.requests();
                p50 = r.p50Micros();
                p99 = r.p99Micros();
                errors = r.errors();
            }
            case BULK_UP, BULK_DOWN -> {
                Iperf.Result r = Iperf.run(t.tcpIperf(), seconds, row == Row.BULK_DOWN);
                value = r.gbitPerSecond();
                ops = r.bytes() / MIB;
                errors = 0;
            }
            case TLS_HANDSHAKE -> {
                TlsLoad.Result r = tls.run(local(t.tls()), false, false, load.tlsConcurrency(), seconds);
                value = r.perSecond();
                ops = r.completed();
                errors = r.failed();
            }
            case CONNECT_TLS_REQUEST -> {
                TlsLoad.Result r = t.isDirect()
                        ? tls.run(local(t.tls()), false, true, load.tlsConcurrency(), seconds)
                        : tls.run(local(t.proxy()), true, true, load.tlsConcurrency(), seconds);
                value = r.perSecond();
                ops = r.completed();
                errors = r.failed();
            }
            default -> throw new IllegalArgumentException(row.toString());
        }
        long cpu = t.isDirect() ? 0 : ProcTree.cpuNanos(t.pid()) - cpu0;
        return new Measurement(row, t.name(), round, value, p50, p99, ops, cpu, errors);
    }

    /**
     * Resident memory per idle connection: RSS with the connections held open minus RSS before.
     * For the JVM that figure hides objects put in heap pages already touched, so its live heap
     * after a full collection is read too (jcmd), before and with the connections.
     */
    private Measurement idle(Row row, Target t, int round) throws IOException, InterruptedException {
        awaitOriginConnectionsBelow(50);
        long heapBefore = t.isPortcullis() ? liveHeapKib(t) : -1;
        long before = ProcTree.rssBytes(t.pid());
        long cpu0 = ProcTree.cpuNanos(t.pid());
        String authority = row == Row.IDLE_CONNECT ? Lab.SNI + ":" + lab.originHttp : null;
        int port = row == Row.IDLE_CONNECT ? t.proxy() : t.tcpHttp();
        long after;
        long cpu;
        long heapAfter;
        try (IdleConnections held = IdleConnections.open(local(port), idleConnections, authority)) {
            // Every client connection is open once the origin sees as many upstream connections.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (TcpTable.establishedOnLocalPort(lab.originHttp) < held.size() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            int upstream = TcpTable.establishedOnLocalPort(lab.originHttp);
            if (upstream < held.size()) {
                throw new IllegalStateException(t.name() + ": only " + upstream + " of " + held.size()
                        + " idle connections reached the origin");
            }
            Thread.sleep(2_000);
            after = ProcTree.rssBytes(t.pid());
            cpu = ProcTree.cpuNanos(t.pid()) - cpu0;
            heapAfter = t.isPortcullis() ? liveHeapKib(t) : -1;
        }
        double kibPerConnection = (after - before) / 1024.0 / idleConnections;
        double heapPerConnection = heapBefore < 0 ? Double.NaN : (heapAfter - heapBefore) / (double) idleConnections;
        return new Measurement(row, t.name(), round, kibPerConnection, Double.NaN, Double.NaN, idleConnections, cpu, 0,
                heapPerConnection);
    }

    /** The JVM's live heap: used after a full collection, summed over the generations of {@code jcmd GC.heap_info}. */
    static long liveHeapKib(Target t) {
        String pid = Long.toString(t.pid());
        String jcmd = JvmInfo.jcmd(t.pid());
        Processes.run(60, List.of(jcmd, pid, "GC.run"));
        String info = Processes.run(60, List.of(jcmd, pid, "GC.heap_info"));
        long used = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        while (m.find()) {
            used += Long.parseLong(m.group(1));
        }
        return used;
    }

    private void awaitOriginConnectionsBelow(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (TcpTable.establishedOnLocalPort(lab.originHttp) >= n && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
