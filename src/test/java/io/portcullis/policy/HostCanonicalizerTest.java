package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostCanonicalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "Books.Example.TEST.|books.example.test",
            "books.example.test|books.example.test",
            "_srv.example.test|_srv.example.test",
            "bücher.example|xn--bcher-kva.example",
            "ＡＰＩ．ｅｘａｍｐｌｅ．ｔｅｓｔ|api.example.test",
            "api。example。test|api.example.test",
            "127.0.0.1|127.0.0.1",
            "2130706433|127.0.0.1",
            "0x7f000001|127.0.0.1",
            "0x7F.1|127.0.0.1",
            "0177.0.0.1|127.0.0.1",
            "0177.0.0.01|127.0.0.1",
            "127.1|127.0.0.1",
            "127.0.1|127.0.0.1",
            "169.254.43518|169.254.169.254",
            "0xa9.0xfe.0xa9.0xfe|169.254.169.254",
            "2852039166|169.254.169.254",
            "0|0.0.0.0",
            "1.2.3.4.|1.2.3.4",
            "[::1]|::1",
            "[0:0:0:0:0:0:0:1]|::1",
            "[::ffff:127.0.0.1]|127.0.0.1",
            "[::ffff:7f00:1]|127.0.0.1",
            "[0:0:0:0:0:ffff:a9fe:a9fe]|169.254.169.254",
            "[FE80::1%25eth0]|fe80::1",
            "[fe80::1%eth0]|fe80::1",
            "[2001:DB8:0:0:1:0:0:1]|2001:db8::1:0:0:1",
            "[64:ff9b::127.0.0.1]|64:ff9b::7f00:1",
    })
    void spellingsOfOneDestinationBecomeOne(String raw, String canonical) {
        assertThat(HostCanonicalizer.canonical(raw)).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "a..b", ".a.test", "a.test..", "user@a.test", "a.test/x", "a%2etest", "*.a.test",
            "a test", "a\ttest", "::1", "[::1", "[1.2.3.4]", "[::g]", "256.0.0.1", "1.2.3.4.5", "0x100000000",
            "4294967296", "1.2.3.0x100", "09.1.1.1", "1.2.3.08", "a.test\u0000", "evil\\.test", "[fe80::1%]",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.test"})
    void ambiguousOrInvalidHostsAreRefused(String raw) {
        assertThatThrownBy(() -> HostCanonicalizer.canonical(raw)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "fe80::1", "1.2.3.4"})
    void canonicalLiteralsHaveTheirBytes(String literal) {
        assertThat(HostCanonicalizer.literal(literal)).isNotNull();
        assertThat(HostCanonicalizer.isLiteral("books.example.test")).isFalse();
    }
}
