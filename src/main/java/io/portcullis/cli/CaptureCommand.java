package io.portcullis.cli;

import io.portcullis.MeshOptions;
import io.portcullis.model.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code portcullis capture}: installs (or removes) the iptables rules of {@link CaptureRules} in a
 * network namespace, through {@code ip netns exec}, printing every rule it applies. Needs root
 * (CAP_NET_ADMIN), iptables and iproute2. IPv6 is captured too when the namespace has ip6tables'
 * nat table; otherwise it says so.
 */
@Command(name = "capture", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send a network namespace's outbound TCP to the sidecar's capture port (iptables REDIRECT).",
                "All of it except loopback and the sidecar's own traffic, like Istio's init container."
                        + " Prints the rules."},
        footer = {"", "Example:", "  ip netns add app",
                "  ./portcullis capture --netns app --proxy-uid 1337",
                "  ip netns exec app setpriv --reuid 1337 --regid 1337 --clear-groups \\",
                "      ./portcullis run --role sidecar --config ./egress --mesh-certs ./app-certs",
                "  ./portcullis capture --netns app --remove"})
public final class CaptureCommand implements Callable<Integer> {
    private static final long TIMEOUT_SECONDS = 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--netns", required = true, paramLabel = "NAME", description = "The network namespace (ip netns list).")
    String netns;

    @Option(names = "--proxy-uid", paramLabel = "UID", split = ",", defaultValue = "1337",
            description = "User(s) whose connections are not captured: the sidecar's. Default: ${DEFAULT-VALUE}.")
    List<Integer> proxyUids;

    @Option(names = "--proxy-gid", paramLabel = "GID", split = ",",
            description = "Group(s) whose connections are not captured, instead of or besides the user.")
    List<Integer> proxyGids = new ArrayList<>();

    @Option(names = "--capture-port", paramLabel = "PORT", defaultValue = "" + MeshOptions.DEFAULT_CAPTURE_PORT,
            description = "The sidecar's capture port. Default: ${DEFAULT-VALUE}.")
    int capturePort;

    @Option(names = "--exclude-cidr", paramLabel = "CIDR", split = ",",
            description = "Destinations never captured (repeatable, comma-separated), e.g. the node's network.")
    List<String> excludeCidrs = new ArrayList<>();

    @Option(names = "--remove", description = "Remove the rules instead.")
    boolean remove;

    @Option(names = "--dry-run", description = "Print the rules without applying them.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        if (capturePort < 1 || capturePort > 65535) {
            throw new ParameterException(spec.commandLine(), "--capture-port: " + capturePort + " out of range (expected: 1-65535)");
        }
        List<Cidr> excludes = new ArrayList<>();
        for (String c : excludeCidrs) {
            try {
                excludes.add(Cidr.parse(c));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--exclude-cidr: " + e.getMessage());
            }
        }
        if (proxyUids.isEmpty() && proxyGids.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give --proxy-uid or --proxy-gid: the sidecar's own"
                    + " connections must not be captured, or they would come back to it forever");
        }
        CaptureRules.Settings settings = new CaptureRules.Settings(capturePort, proxyUids, proxyGids, excludes);
        int failures = 0;
        for (String tool : List.of("iptables", "ip6tables")) {
            if (tool.equals("ip6tables") && !dryRun && !available(tool)) {
                System.out.println("# ip6tables nat is not available in " + netns + ": IPv6 is not captured"
                        + (remove ? "" : " (disable IPv6 in the namespace, or it bypasses the sidecar)"));
                continue;
            }
            for (List<String> rule : CaptureRules.remove(tool)) {
                // Quietly first when installing: a second install replaces the first.
                Result r = dryRun ? null : exec(rule);
                if (remove) {
                    print(rule, r, true);
                }
            }
            if (!remove) {
                for (List<String> rule : CaptureRules.install(tool, settings)) {
                    Result r = dryRun ? null : exec(rule);
                    failures += print(rule, r, false);
                }
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private int print(List<String> rule, Result r, boolean mayFail) {
        String line = "ip netns exec " + netns + " " + String.join(" ", rule);
        if (r == null || r.exit() == 0) {
            System.out.println(line);
            return 0;
        }
        if (mayFail) {
            System.out.println(line + "    # nothing to remove");
            return 0;
        }
        System.out.println(line + "    # FAILED");
        System.err.println("portcullis capture: " + line + " failed (exit " + r.exit() + "): " + r.output().trim());
        return 1;
    }

    private boolean available(String tool) throws IOException, InterruptedException {
        return exec(List.of(tool, "-w", "5", "-t", "nat", "-L", "OUTPUT", "-n")).exit() == 0;
    }

    private record Result(int exit, String output) {
    }

    private Result exec(List<String> rule) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        argv.addAll(rule);
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
            // ip and iptables live in sbin, which a non-login PATH may lack.
            pb.environment().merge("PATH", "/usr/local/sbin:/usr/sbin:/sbin", (a, b) -> a + ":" + b);
            pb.environment().putIfAbsent("PATH", "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin");
            argv.set(0, Files.isExecutable(Path.of("/usr/sbin/ip")) ? "/usr/sbin/ip"
                    : Files.isExecutable(Path.of("/sbin/ip")) ? "/sbin/ip" : "ip");
            p = pb.command(argv).start();
        } catch (IOException e) {
            return new Result(127, "cannot run " + argv.get(0) + ": " + e.getMessage());
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(124, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
