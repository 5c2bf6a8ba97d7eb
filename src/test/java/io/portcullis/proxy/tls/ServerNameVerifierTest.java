package io.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.TestCa;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerNameVerifierTest {
    static X509Certificate leaf;

    @BeforeAll
    static void issue() {
        leaf = TestCa.create("names ca").issueServer("books.example.test", "*.cdn.example.test", "127.0.0.1", "::1")
                .certificate();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "books.example.test, true",
            "other.example.test, false",
            "a.cdn.example.test, true",
            "a.b.cdn.example.test, false",
            "cdn.example.test, false",
            "127.0.0.1, true",
            "127.0.0.2, false",
            "::1, true",
            "books.example.test.evil.test, false",
    })
    void namesAreMatchedAsRfc6125Says(String host, boolean matches) {
        assertThat(ServerNameVerifier.matches(leaf, host)).isEqualTo(matches);
    }

    @Test
    void wildcardsNeverCoverAPublicSuffixOrAPartialLabel() {
        assertThat(ServerNameVerifier.dnsMatches("*.com", "example.com")).isFalse();
        assertThat(ServerNameVerifier.dnsMatches("*.*.example.test", "a.b.example.test")).isFalse();
        assertThat(ServerNameVerifier.dnsMatches("f*.example.test", "foo.example.test")).isFalse();
        assertThat(ServerNameVerifier.dnsMatches("*.example.test.", "a.example.test")).isTrue();
    }
}
