package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Cidr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The iptables rules of portcullis capture, as printed (applied for real in the netns tests). */
class CaptureRulesTest {
    private static List<String> lines(List<List<String>> rules) {
        return rules.stream().map(r -> String.join(" ", r)).toList();
    }

    @Test
    void redirectsEverythingButLoopbackTheProxyAndExclusions() {
        CaptureRules.Settings s = new CaptureRules.Settings(15001, List.of(1337), List.of(1338),
                List.of(Cidr.parse("10.96.0.0/12"), Cidr.parse("fd00::/8")));
        assertThat(lines(CaptureRules.install("iptables", s))).containsExactly(
                "iptables -w 5 -t nat -N PORTCULLIS_REDIRECT",
                "iptables -w 5 -t nat -A PORTCULLIS_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
                "iptables -w 5 -t nat -N PORTCULLIS_OUTPUT",
                "iptables -w 5 -t nat -A PORTCULLIS_OUTPUT -o lo -j RETURN",
                "iptables -w 5 -t nat -A PORTCULLIS_OUTPUT -m owner --uid-owner 1337 -j RETURN",
                "iptables -w 5 -t nat -A PORTCULLIS_OUTPUT -m owner --gid-owner 1338 -j RETURN",
                "iptables -w 5 -t nat -A PORTCULLIS_OUTPUT -d 10.96.0.0/12 -j RETURN",
                "iptables -w 5 -t nat -A PORTCULLIS_OUTPUT -j PORTCULLIS_REDIRECT",
                "iptables -w 5 -t nat -A OUTPUT -p tcp -j PORTCULLIS_OUTPUT");
        assertThat(lines(CaptureRules.install("ip6tables", s)))
                .contains("ip6tables -w 5 -t nat -A PORTCULLIS_OUTPUT -d fd00::/8 -j RETURN")
                .noneMatch(l -> l.contains("10.96.0.0"));
    }

    @Test
    void aMappedExclusionOf96OrLongerExcludesItsIpv4RangeFromIptablesToo() {
        CaptureRules.Settings s = new CaptureRules.Settings(15001, List.of(1337), List.of(),
                List.of(Cidr.parse("::ffff:10.96.0.0/108"), Cidr.parse("::ffff:0:0/16")));
        assertThat(lines(CaptureRules.install("iptables", s)))
                .contains("iptables -w 5 -t nat -A PORTCULLIS_OUTPUT -d 10.96.0.0/12 -j RETURN")
                .noneMatch(l -> l.contains("0.0.0.0/16") || l.contains("::"));
        assertThat(lines(CaptureRules.install("ip6tables", s)))
                .contains("ip6tables -w 5 -t nat -A PORTCULLIS_OUTPUT -d ::ffff:10.96.0.0/108 -j RETURN",
                        "ip6tables -w 5 -t nat -A PORTCULLIS_OUTPUT -d ::/16 -j RETURN");
    }

    @Test
    void removalUndoesTheJumpFirst() {
        assertThat(lines(CaptureRules.remove("iptables")).get(0))
                .isEqualTo("iptables -w 5 -t nat -D OUTPUT -p tcp -j PORTCULLIS_OUTPUT");
    }
}
