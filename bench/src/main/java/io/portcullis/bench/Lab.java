package io.portcullis.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the measurements run against, started on loopback on free ports: the origin (nginx
 * serving HTTP and HTTPS with a certificate made here for {@link #SNI}, and an iperf3 server,
 * unpinned), and the proxies (nginx, HAProxy, Squid and Portcullis, each with one worker and
 * pinned with taskset to the same core), with equivalent configurations rendered from
 * bench/conf. Processes are owned by {@link Processes}, which stops them.
 */
final class Lab {
    static final String SNI = "origin.bench.test";

    final Path work;
    final Path confDir;
    final int originHttp;
    final int originHttps;
    final int iperf;
    final List<Target> targets = new ArrayList<>();
    private final Processes processes;
    private final Set<Integer> usedPorts = new HashSet<>();
    private final String cpu;

    Lab(Path work, Path confDir, Processes processes, String cpu) throws IOException {
        this.work = work;
        this.confDir = confDir;
        this.processes = processes;
        this.cpu = cpu;
        this.originHttp = freePort();
        this.originHttps = freePort();
        this.iperf = freePort();
    }

    Path caCertificate() {
        return work.resolve("origin.crt");
    }

    /**
     * Starts the origin and every proxy; returns once all of them accept connections.
     *
     * @param only       which targets to start (direct, nginx, haproxy, squid, portcullis)
     * @param portcullis the Portcullis instances: {@code portcullis} itself (when {@code only} names it)
     *                   and any variants, each on its JVM with its options (to compare them in the same run)
     */
    void start(Path portcullisLauncher, Set<String> only, List<JvmVariant> portcullis) throws IOException, InterruptedException {
        Files.createDirectories(work.resolve("nginx-tmp"));
        Path squidDir = Files.createDirectories(work.resolve("squid"));
        // Squid drops root for its own user, which must still write its logs there.
        Files.setPosixFilePermissions(squidDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(work.resolve("hosts"), "127.0.0.1 " + SNI + "\n");
        Processes.runOrFail(30, List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", work.resolve("origin.key").toString(),
                "-out", caCertificate().toString(), "-days", "2", "-subj", "/CN=" + SNI,
                "-addext", "subjectAltName=DNS:" + SNI));
        Files.writeString(work.resolve("forward.lua"), "wrk.path = \"http://" + SNI + ":" + originHttp + "/\"\n"
                + "wrk.headers[\"Host\"] = \"" + SNI + ":" + originHttp + "\"\n");

        Map<String, String> origin = base();
        render("origin-nginx.conf", "origin-nginx.conf", origin);
        processes.start("origin-nginx", List.of("nginx", "-e", work.resolve("origin-nginx-error.log").toString(),
                "-p", work.toString(), "-c", work.resolve("origin-nginx.conf").toString()));
        processes.start("iperf3", List.of("iperf3", "-s", "-B", "127.0.0.1", "-p", Integer.toString(iperf),
                "--idle-timeout", "30"));
        awaitPorts(List.of(originHttp, originHttps, iperf), "the origin");
        if (only.contains(Target.DIRECT)) {
            targets.add(new Target(Target.DIRECT, 0, originHttp, iperf, originHttps, 0));
        }
        if (only.contains("nginx")) {
            startNginx();
        }
        if (only.contains("haproxy")) {
            startHaproxy();
        }
        if (only.contains("squid")) {
            startSquid();
        }
        for (JvmVariant v : portcullis) {
            if (!v.name().equals(Target.PORTCULLIS) || only.contains(Target.PORTCULLIS)) {
                startPortcullis(portcullisLauncher, v);
            }
        }
    }

    private void startNginx() throws IOException, InterruptedException {
        Map<String, String> nginx = relayPorts();
        render("nginx.conf", "nginx.conf", nginx);
        Process p = processes.start("nginx", pinned(List.of("nginx", "-e", work.resolve("nginx-error.log").toString(),
                "-p", work.toString(), "-c", work.resolve("nginx.conf").toString())));
        addRelay("nginx", p, nginx, 0);
    }

    private void startHaproxy() throws IOException, InterruptedException {
        Map<String, String> haproxy = relayPorts();
        render("haproxy.cfg", "haproxy.cfg", haproxy);
        Process p = processes.start("haproxy", pinned(List.of("haproxy", "-db", "-f", work.resolve("haproxy.cfg").toString())));
        addRelay("haproxy", p, haproxy, 0);
    }

    private void startSquid() throws IOException, InterruptedException {
        Map<String, String> squid = base();
        squid.put("PROXY", Integer.toString(freePort()));
        render("squid.conf", "squid.conf", squid);
        Process p = processes.start("squid", pinned(List.of("squid", "-N", "-f", work.resolve("squid.conf").toString())));
        int squidPort = Integer.parseInt(squid.get("PROXY"));
        awaitPorts(List.of(squidPort), "squid");
        targets.add(new Target("squid", p.pid(), 0, 0, 0, squidPort));
    }

    /** Where the Portcullis instance of that name logs its collections and safepoints ({@link JvmLog}). */
    Path jvmLog(String name) {
        return work.resolve(name + "-gc.log");
    }

    /**
     * Starts one Portcullis instance through the launcher, with the variant's PORTCULLIS_JAVA and
     * PORTCULLIS_JAVA_OPTS, and a GC/safepoint log (the options come after the variant's, the
     * launcher puts them after its own defaults: logging adds a flag, it changes none).
     */
    private void startPortcullis(Path portcullisLauncher, JvmVariant variant) throws IOException, InterruptedException {
        String name = variant.name();
        Map<String, String> environment = new HashMap<>();
        environment.put("PORTCULLIS_JAVA_OPTS", (variant.javaOpts() + " " + JvmLog.option(jvmLog(name))).trim());
        variant.java().ifPresent(java -> environment.put("PORTCULLIS_JAVA", java));
        variant.jar().ifPresent(jar -> environment.put("PORTCULLIS_JAR", jar));
        Map<String, String> portcullis = relayPorts();
        int proxyPort = freePort();
        Path config = Files.createDirectories(work.resolve(name + "-config"));
        render("portcullis.yaml", name + "-config/bench.yaml", portcullis);
        Process p = processes.start(name, pinned(List.of(portcullisLauncher.toString(), "run",
                "--config", config.toString(), "--proxy-address", "127.0.0.1", "--proxy-port", Integer.toString(proxyPort),
                "--gateway-address", "127.0.0.1", "--admin", "127.0.0.1:" + freePort(),
                "--access-log", work.resolve(name + "-access.log").toString(),
                "--hosts-file", work.resolve("hosts").toString(), "--workers", "1")), environment);
        addRelay(name, p, portcullis, proxyPort);
    }

    private void addRelay(String name, Process p, Map<String, String> ports, int proxyPort) throws InterruptedException {
        int tcpHttp = Integer.parseInt(ports.get("TCP_HTTP"));
        int tcpIperf = Integer.parseInt(ports.get("TCP_IPERF"));
        int tls = Integer.parseInt(ports.get("TLS"));
        List<Integer> all = new ArrayList<>(List.of(tcpHttp, tcpIperf, tls));
        if (proxyPort != 0) {
            all.add(proxyPort);
        }
        awaitPorts(all, name);
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " exited; see " + work.resolve(name + ".log"));
        }
        targets.add(new Target(name, p.pid(), tcpHttp, tcpIperf, tls, proxyPort));
    }

    private List<String> pinned(List<String> command) {
        List<String> out = new ArrayList<>(List.of("taskset", "-c", cpu));
        out.addAll(command);
        return out;
    }

    private Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("WORK", work.toString());
        m.put("SNI", SNI);
        m.put("ORIGIN_HTTP", Integer.toString(originHttp));
        m.put("ORIGIN_HTTPS", Integer.toString(originHttps));
        m.put("IPERF", Integer.toString(iperf));
        m.put("MAXCONN", Integer.toString(maxConnections()));
        return m;
    }

    private Map<String, String> relayPorts() throws IOException {
        Map<String, String> m = base();
        m.put("TCP_HTTP", Integer.toString(freePort()));
        m.put("TCP_IPERF", Integer.toString(freePort()));
        m.put("TLS", Integer.toString(freePort()));
        return m;
    }

    private void render(String template, String out, Map<String, String> values) throws IOException {
        Templates.render(confDir.resolve(template), work.resolve(out), values);
    }

    private int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (usedPorts.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    /**
     * Waits (up to two minutes: Portcullis may still be starting its JVM) until every port
     * listens, read from /proc/net/tcp: a test connection would reach iperf3, which takes any
     * connection for a test's control channel, through every proxy.
     */
    private static void awaitPorts(List<Integer> ports, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        for (int port : ports) {
            while (!TcpTable.listening(port)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " is not listening on port " + port);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * How many connections a proxy can carry here: two descriptors each (client and upstream)
     * under the hard open-files limit, less a margin for listeners, logs and the JVM's jars.
     */
    static int maxConnections() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? 20_000 : (int) Math.min(20_000, (Long.parseLong(hard) - 200) / 2);
                }
            }
        } catch (IOException e) {
            // Fall through to a conservative figure.
        }
        return 4_000;
    }

}
