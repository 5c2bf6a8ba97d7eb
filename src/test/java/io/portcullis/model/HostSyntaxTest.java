package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scanned label and subdomain checks answer as the regular expression they replace, split at every dot. */
class HostSyntaxTest {
    private static boolean byRegex(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (!HostSyntax.LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Every string of up to 6 characters over an alphabet that has each class the rules tell apart. */
    @Test
    void agreesWithTheRegularExpressionOnEveryShortString() {
        char[] alphabet = {'a', '0', '-', '.', 'A', '_'};
        List<String> texts = new ArrayList<>(List.of(""));
        List<String> last = List.of("");
        for (int length = 1; length <= 6; length++) {
            List<String> longer = new ArrayList<>();
            for (String t : last) {
                for (char c : alphabet) {
                    longer.add(t + c);
                }
            }
            texts.addAll(longer);
            last = longer;
        }
        for (String t : texts) {
            assertThat(HostSyntax.isSubdomain(t)).as("\"%s\"", t).isEqualTo(byRegex(t));
            assertThat(HostSyntax.isLabel(t)).as("\"%s\"", t).isEqualTo(HostSyntax.LABEL.matcher(t).matches());
        }
    }

    @Test
    void labelsStopAt63AndNamesAt253Characters() {
        String label63 = "a".repeat(63);
        assertThat(HostSyntax.isLabel(label63)).isTrue();
        assertThat(HostSyntax.isLabel(label63 + "a")).isFalse();
        assertThat(HostSyntax.isSubdomain(label63 + "." + label63 + "." + label63 + "." + "a".repeat(61))).isTrue();
        assertThat(HostSyntax.isSubdomain(label63 + "." + label63 + "." + label63 + "." + "a".repeat(62))).isFalse();
        assertThat(HostSyntax.isSubdomain(label63 + "a.example.com")).isFalse();
        assertThat(HostSyntax.isSubdomain("h000001.example.test")).isTrue();
        assertThat(HostSyntax.isSubdomain("UPPER.example.com")).isFalse();
        assertThat(HostSyntax.isLabel(null)).isFalse();
        assertThat(HostSyntax.isSubdomain(null)).isFalse();
    }
}
