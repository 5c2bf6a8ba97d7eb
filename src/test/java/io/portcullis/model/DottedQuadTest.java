package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.policy.HostCanonicalizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which text each reading of a dotted quad accepts, one row an input: the canonical reading
 * (behind {@link HostCanonicalizer#literal} and {@link Cidr#literalBytes}, for configuration) and
 * the decimal-with-leading-zeros reading (which only names why configuration text is refused).
 * {@code -} means refused.
 */
class DottedQuadTest {
    @ParameterizedTest(name = "\"{0}\": canonical {1}, leading zeros {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # input             | CANONICAL       | DECIMAL_LEADING_ZEROS
            1.2.3.4             | 1.2.3.4         | 1.2.3.4
            0.0.0.0             | 0.0.0.0         | 0.0.0.0
            255.255.255.255     | 255.255.255.255 | 255.255.255.255
            192.0.2.200         | 192.0.2.200     | 192.0.2.200
            # leading zeros: the only difference
            010.0.0.1           | -               | 10.0.0.1
            01.02.03.004        | -               | 1.2.3.4
            00.0.0.0            | -               | 0.0.0.0
            1.2.3.000           | -               | 1.2.3.0
            1.2.3.0004          | -               | -
            # too few or too many parts, out of range
            1.2.3               | -               | -
            1                   | -               | -
            1.2.3.4.5           | -               | -
            256.1.1.1           | -               | -
            1.2.3.256           | -               | -
            1.2.3.999           | -               | -
            1.2.3.1000          | -               | -
            # empty labels, a trailing or leading dot
            ''                  | -               | -
            1..3.4              | -               | -
            .1.2.3              | -               | -
            1.2.3.4.            | -               | -
            1.2.3.              | -               | -
            ...                 | -               | -
            # white space, signs, other bases, names
            ' 1.2.3.4'          | -               | -
            '1.2.3.4 '          | -               | -
            '1.2. 3.4'          | -               | -
            1.2.3.-4            | -               | -
            1.2.3.+4            | -               | -
            0x7f.0.0.1          | -               | -
            0x7f000001          | -               | -
            1.2.3.0xa           | -               | -
            2130706433          | -               | -
            1.2.3.x             | -               | -
            example.com         | -               | -
            ::ffff:1.2.3.4      | -               | -
            """)
    void eachReadingAcceptsItsOwnText(String input, String canonical, String leadingZeros) {
        assertThat(text(DottedQuad.CANONICAL.bytes(input))).isEqualTo(canonical);
        assertThat(text(DottedQuad.DECIMAL_LEADING_ZEROS.bytes(input))).isEqualTo(leadingZeros);
    }

    /**
     * Both callers read strictly: the canonicalizer's output, and configuration text, which Istio's
     * validation (Go's netip) refuses with a leading zero too (CVE-2021-29923: {@code 010} is ten to
     * some readers and eight to inet_aton and the clients).
     */
    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({"010.0.0.1", "1.2.3.4", "1.2.3", "0x7f.0.0.1", "256.1.1.1"})
    void theCallersUseTheirReading(String input) {
        assertThat(text(HostCanonicalizer.literal(input))).isEqualTo(text(DottedQuad.CANONICAL.bytes(input)));
        assertThat(text(Cidr.literalBytes(input))).isEqualTo(text(DottedQuad.CANONICAL.bytes(input)));
    }

    @Test
    void configurationWithALeadingZeroIsRefusedWithTheReason() {
        assertThat(DottedQuad.ambiguity("010.0.0.1")).hasValueSatisfying(why -> assertThat(why).contains("leading zero"));
        assertThat(DottedQuad.ambiguity("10.0.0.1/8")).isEmpty();
        assertThat(DottedQuad.ambiguity("db.example.com")).isEmpty();
        assertThatThrownBy(() -> Cidr.parse("010.0.0.0/8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"010.0.0.0/8\" is not an IP address or CIDR: a leading zero makes it ambiguous, decimal to"
                        + " some readers and octal to others, clients among them; write it without leading zeros");
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "-" : AddressText.address(bytes);
    }
}
