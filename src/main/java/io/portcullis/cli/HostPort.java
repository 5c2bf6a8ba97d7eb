package io.portcullis.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code ADDR:PORT} flags ({@code 127.0.0.1:15000}, {@code [::1]:15000}); port 0 picks a free one. */
final class HostPort {
    private HostPort() {
    }

    static InetSocketAddress parse(String text, String flag) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new TypeConversionException(flag + ": '" + text + "' is not ADDR:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new TypeConversionException(flag + ": '" + text + "' has no numeric port");
        }
        if (port < 0 || port > 65535) {
            throw new TypeConversionException(flag + ": port " + port + " out of range (expected: 0-65535)");
        }
        return new InetSocketAddress(host, port);
    }

    /** {@code 127.0.0.1:8443} or {@code [::1]:8443}. */
    static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
