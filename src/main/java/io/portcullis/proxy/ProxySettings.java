package io.portcullis.proxy;

import java.net.InetAddress;
import java.time.Duration;

/**
 * The data plane's limits and addresses, fixed at start.
 *
 * @param gatewayAddress   where listeners of Gateway servers bind
 * @param maxHeaderBytes   a request head above this gets 431
 * @param maxClientHello   a ClientHello above this is refused
 * @param inspectTimeout   the first request head or ClientHello must arrive within this
 * @param idleTimeout      a connection with no traffic either way for this long is closed
 * @param connectTimeout   connecting to an upstream gives up after this
 */
public record ProxySettings(
        InetAddress gatewayAddress,
        int maxHeaderBytes,
        int maxClientHello,
        Duration inspectTimeout,
        Duration idleTimeout,
        Duration connectTimeout) {

    public ProxySettings {
        requirePositive("inspectTimeout", inspectTimeout);
        requirePositive("idleTimeout", idleTimeout);
        requirePositive("connectTimeout", connectTimeout);
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.toMillis() == 0) {
            throw new IllegalArgumentException(name + " must be at least 1 ms, got " + d);
        }
    }

    public static ProxySettings defaults(InetAddress gatewayAddress) {
        return new ProxySettings(gatewayAddress, 64 * 1024, 16 * 1024, Duration.ofSeconds(10),
                Duration.ofHours(1), Duration.ofSeconds(10));
    }
}
