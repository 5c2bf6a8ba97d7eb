package io.portcullis.proxy.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The contents of a {@code --hosts-file}: {@code IP NAME…} lines (as {@code /etc/hosts}; {@code #}
 * starts a comment) that answer before DNS, so tests and air-gapped sites need no real DNS. A name
 * listed on several lines gets every address, in file order, IPv4 and IPv6 alike. Immutable and
 * thread-safe; {@link UpstreamResolver} reads the file again when it changes.
 *
 * @param byName lower-case name without trailing dot → its addresses in file order
 * @param skipped one line per malformed line ({@code line 3: "x y" does not start with an IP address})
 */
public record HostsFile(Map<String, List<InetAddress>> byName, List<String> skipped) {
    public static final HostsFile EMPTY = new HostsFile(Map.of(), List.of());

    public HostsFile {
        byName = Map.copyOf(byName);
        skipped = List.copyOf(skipped);
    }

    public static HostsFile read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static HostsFile parse(String text) {
        Map<String, List<InetAddress>> byName = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int hash = line.indexOf('#');
            String[] fields = (hash < 0 ? line : line.substring(0, hash)).trim().split("\\s+", -1);
            if (fields.length == 0 || fields[0].isEmpty()) {
                continue;
            }
            InetAddress address = NameServers.literal(fields[0]);
            if (address == null || fields.length < 2) {
                skipped.add("line " + (n + 1) + ": \"" + line.trim() + "\" is not IP NAME...");
                continue;
            }
            for (int i = 1; i < fields.length; i++) {
                List<InetAddress> list = byName.computeIfAbsent(normalize(fields[i]), k -> new ArrayList<>());
                if (!list.contains(address)) {
                    list.add(address);
                }
            }
        }
        Map<String, List<InetAddress>> frozen = new LinkedHashMap<>();
        byName.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new HostsFile(frozen, skipped);
    }

    /** Every address listed for {@code name}, in file order; empty when the file does not list it. */
    public List<InetAddress> addresses(String name) {
        return byName.getOrDefault(normalize(name), List.of());
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
