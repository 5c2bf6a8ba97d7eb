package io.portcullis.proxy.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Host a captured HTTP/1 request names (RFC 9112 section 3.2). */
class CaptureHostPeekTest {
    static Stream<Arguments> heads() {
        return Stream.of(
                arguments("GET / HTTP/1.1\r\nHost: books.example.test\r\nAccept: */*", "books.example.test"),
                arguments("GET / HTTP/1.1\r\nhOsT:   books.example.test:8080  ", "books.example.test"),
                arguments("GET http://api.example.test:81/x?y HTTP/1.1\r\nHost: other.test", "api.example.test"),
                arguments("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80", "2001:db8::1"),
                arguments("GET / HTTP/1.0\r\nAccept: */*", null),
                arguments("SSH-2.0-OpenSSH_9.2", null),
                arguments("GET / HTTP/2.0\r\nHost: x.test", null));
    }

    @ParameterizedTest
    @MethodSource("heads")
    void findsTheHost(String head, String host) {
        assertThat(CaptureHostPeek.host(head)).isEqualTo(host);
    }
}
