package io.portcullis.proxy.dns;

import io.portcullis.model.AddressText;
import io.portcullis.model.Cidr;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The name servers the gateway asks, and only those: the {@code nameserver} lines of
 * {@code resolv.conf} (port 53), or the {@code --dns-server} flags. There is no built-in server:
 * an empty list means no DNS at all, never a public resolver (Netty's own default falls back to
 * Google Public DNS when {@code resolv.conf} cannot be read; this class is what replaces it).
 *
 * @param servers in the order to ask them
 * @param source  where they came from, for messages ({@code /etc/resolv.conf}, {@code --dns-server})
 * @param problem why the list is empty or shorter than the file, or null
 */
public record NameServers(List<InetSocketAddress> servers, String source, String problem) {
    public static final int DNS_PORT = 53;

    public NameServers {
        servers = List.copyOf(servers);
    }

    /** The {@code nameserver} lines of a resolv.conf file; an unreadable file gives none, and says why. */
    public static NameServers read(Path resolvConf) {
        try {
            return parse(Files.readString(resolvConf, StandardCharsets.UTF_8), resolvConf.toString());
        } catch (IOException | RuntimeException e) {
            return new NameServers(List.of(), resolvConf.toString(), "cannot read " + resolvConf + ": " + e);
        }
    }

    /** The {@code nameserver ADDRESS} lines of resolv.conf text (glibc's syntax: no port, port 53). */
    public static NameServers parse(String text, String source) {
        List<InetSocketAddress> out = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        // Trimmed lines split into no empty fields; an empty line names no nameserver either way.
        for (String line : text.split("\n", -1)) {
            String[] fields = line.trim().split("\\s+", -1);
            if (fields.length >= 2 && fields[0].equals("nameserver")) {
                InetAddress a = literal(fields[1]);
                if (a == null) {
                    bad.add(fields[1]);
                } else if (!out.contains(new InetSocketAddress(a, DNS_PORT))) {
                    out.add(new InetSocketAddress(a, DNS_PORT));
                }
            }
        }
        String problem = out.isEmpty() ? source + " lists no usable nameserver" : null;
        if (!bad.isEmpty()) {
            problem = (problem == null ? "" : problem + "; ") + "ignored nameserver " + String.join(", ", bad)
                    + " (not an IP address)";
        }
        return new NameServers(out, source, problem);
    }

    /**
     * {@code --dns-server} values: {@code ADDR}, {@code ADDR:PORT}, {@code [IPV6]:PORT} or a bare IPv6
     * address; literals only (a name would need DNS to find DNS).
     *
     * @throws IllegalArgumentException saying which value is wrong and why
     */
    public static NameServers ofFlags(List<String> values) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String v : values) {
            InetSocketAddress a = parseServer(v.trim());
            if (!out.contains(a)) {
                out.add(a);
            }
        }
        return new NameServers(out, "--dns-server", out.isEmpty() ? "no --dns-server given" : null);
    }

    static InetSocketAddress parseServer(String text) {
        String host = text;
        int port = DNS_PORT;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || (close + 1 < text.length() && text.charAt(close + 1) != ':')) {
                throw new IllegalArgumentException("'" + text + "' is not ADDR[:PORT] (e.g. 10.0.0.2, 10.0.0.2:53, [fd00::53]:53)");
            }
            host = text.substring(1, close);
            if (close + 1 < text.length()) {
                port = port(text, text.substring(close + 2));
            }
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') > 0) {
            host = text.substring(0, text.indexOf(':'));
            port = port(text, text.substring(text.indexOf(':') + 1));
        }
        InetAddress a = literal(host);
        if (a == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address with an optional port"
                    + " (e.g. 10.0.0.2, 10.0.0.2:53, [fd00::53]:53)");
        }
        return new InetSocketAddress(a, port);
    }

    private static int port(String text, String digits) {
        try {
            int p = Integer.parseInt(digits);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + text + "': port '" + digits + "' is not 1-65535");
    }

    /** An IP literal (a zone id dropped) as an address, never looked up; null for anything else. */
    static InetAddress literal(String text) {
        int zone = text.indexOf('%');
        byte[] bytes = Cidr.literalBytes(zone < 0 ? text : text.substring(0, zone));
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    public boolean isEmpty() {
        return servers.isEmpty();
    }

    /** {@code 10.0.0.2:53, [fd00::53]:53 (from /etc/resolv.conf)}. */
    @Override
    public String toString() {
        return (servers.isEmpty() ? "none" : servers.stream().map(AddressText::hostPort).collect(Collectors.joining(", ")))
                + " (from " + source + ")";
    }
}
