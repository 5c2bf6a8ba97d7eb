package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Cidr;
import org.junit.jupiter.api.Test;

class AddressTrieTest {
    private final AddressTrie<String> trie = new AddressTrie<>();

    private static byte[] ip(String s) {
        return Cidr.literalBytes(s);
    }

    @Test
    void longestPrefixWins() {
        trie.putIfAbsent(Cidr.parse("10.0.0.0/8"), "eight");
        trie.putIfAbsent(Cidr.parse("10.1.0.0/16"), "sixteen");
        trie.putIfAbsent(Cidr.parse("10.1.2.3"), "host");
        assertThat(trie.match(ip("10.1.2.3"))).isEqualTo("host");
        assertThat(trie.match(ip("10.1.2.4"))).isEqualTo("sixteen");
        assertThat(trie.match(ip("10.2.0.1"))).isEqualTo("eight");
        assertThat(trie.match(ip("11.0.0.1"))).isNull();
    }

    @Test
    void ipv4AndIpv6AreSeparate() {
        trie.putIfAbsent(Cidr.parse("0.0.0.0/0"), "any4");
        trie.putIfAbsent(Cidr.parse("2001:db8::/32"), "doc6");
        assertThat(trie.match(ip("192.0.2.1"))).isEqualTo("any4");
        assertThat(trie.match(ip("2001:db8::1"))).isEqualTo("doc6");
        assertThat(trie.match(ip("2001:db9::1"))).isNull();
    }

    @Test
    void cidrParseRejectsBadPrefixes() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
                .hasMessageContaining("expected: prefix 0-32");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse("10.0.0/8"))
                .hasMessageContaining("not an IP address or CIDR");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse("example.com"))
                .hasMessageContaining("not an IP address or CIDR");
        assertThat(Cidr.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
    }
}
