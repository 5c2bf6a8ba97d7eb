package io.portcullis.cli;

import io.portcullis.model.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * The iptables rules that send a network namespace's outbound TCP to the sidecar's capture port,
 * as Istio's init container does for {@code ISTIO_OUTPUT}/{@code ISTIO_REDIRECT}: in the
 * {@code nat} table's {@code OUTPUT} chain, every TCP connection the namespace opens is
 * {@code REDIRECT}ed to the capture port, except loopback traffic, the proxy's own (by owner uid or
 * gid, so the sidecar's upstream connections leave as they are) and excluded destinations. The
 * kernel keeps the original destination in conntrack, where the sidecar reads it
 * ({@code SO_ORIGINAL_DST}). Pure: builds argument lists, runs nothing.
 */
final class CaptureRules {
    static final String OUTPUT_CHAIN = "PORTCULLIS_OUTPUT";
    static final String REDIRECT_CHAIN = "PORTCULLIS_REDIRECT";

    /**
     * @param proxyUids    owners whose connections are not captured (the sidecar's user)
     * @param proxyGids    groups whose connections are not captured (the sidecar's group)
     * @param excludeCidrs destinations never captured (of both families; each goes to its own tool)
     */
    record Settings(int capturePort, List<Integer> proxyUids, List<Integer> proxyGids, List<Cidr> excludeCidrs) {
    }

    private CaptureRules() {
    }

    /** The rules that install capture with {@code tool} ({@code iptables} or {@code ip6tables}), in order. */
    static List<List<String>> install(String tool, Settings s) {
        boolean v6 = tool.equals("ip6tables");
        List<List<String>> rules = new ArrayList<>();
        rules.add(rule(tool, "-N", REDIRECT_CHAIN));
        rules.add(rule(tool, "-A", REDIRECT_CHAIN, "-p", "tcp", "-j", "REDIRECT", "--to-ports",
                String.valueOf(s.capturePort())));
        rules.add(rule(tool, "-N", OUTPUT_CHAIN));
        rules.add(rule(tool, "-A", OUTPUT_CHAIN, "-o", "lo", "-j", "RETURN"));
        for (int uid : s.proxyUids()) {
            rules.add(rule(tool, "-A", OUTPUT_CHAIN, "-m", "owner", "--uid-owner", String.valueOf(uid), "-j", "RETURN"));
        }
        for (int gid : s.proxyGids()) {
            rules.add(rule(tool, "-A", OUTPUT_CHAIN, "-m", "owner", "--gid-owner", String.valueOf(gid), "-j", "RETURN"));
        }
        for (Cidr c : s.excludeCidrs()) {
            // An IPv4-mapped prefix of /96 or longer also stands for its IPv4 range, which iptables sees.
            Cidr forTool = v6 || c.isIpv4() ? c : c.ipv4Equivalent().orElse(c);
            if (forTool.isIpv4() != v6) {
                rules.add(rule(tool, "-A", OUTPUT_CHAIN, "-d", forTool.toString(), "-j", "RETURN"));
            }
        }
        rules.add(rule(tool, "-A", OUTPUT_CHAIN, "-j", REDIRECT_CHAIN));
        // The jump comes last, once the chain it enters is complete.
        rules.add(rule(tool, "-A", "OUTPUT", "-p", "tcp", "-j", OUTPUT_CHAIN));
        return rules;
    }

    /** The rules that undo {@link #install}; each may fail harmlessly when already gone. */
    static List<List<String>> remove(String tool) {
        return List.of(
                rule(tool, "-D", "OUTPUT", "-p", "tcp", "-j", OUTPUT_CHAIN),
                rule(tool, "-F", OUTPUT_CHAIN),
                rule(tool, "-X", OUTPUT_CHAIN),
                rule(tool, "-F", REDIRECT_CHAIN),
                rule(tool, "-X", REDIRECT_CHAIN));
    }

    private static List<String> rule(String tool, String... args) {
        List<String> argv = new ArrayList<>(List.of(tool, "-w", "5", "-t", "nat"));
        argv.addAll(List.of(args));
        return argv;
    }
}
