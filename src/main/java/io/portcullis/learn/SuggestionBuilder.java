package io.portcullis.learn;

import io.portcullis.learn.CandidateView.CallerView;
import io.portcullis.model.IstioPrincipal;
import io.portcullis.model.Protocol;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Turns learned candidates into {@link Suggestions}. Pure: the same candidates give the same
 * suggestions, with no I/O.
 *
 * <ul>
 *   <li>A destination seen by name is declared by name, never by its address; names under one
 *       parent domain become a {@code *.parent} wildcard ({@link WildcardGrouper}) when they
 *       carry their name (HTTP or TLS), with resolution DYNAMIC_DNS (the name the client sent is
 *       resolved); other names get resolution DNS.</li>
 *   <li>A destination seen only as an address gets {@code addresses: [IP/32]} (or /128) and
 *       resolution NONE, under a made-up host name (ServiceEntry needs one).</li>
 *   <li>Each port's protocol is the most specific seen on it: MONGO, MYSQL, REDIS, then TLS, HTTP, TCP.</li>
 *   <li>Callers with a SPIFFE identity get one ALLOW AuthorizationPolicy each, with exactly the
 *       hosts and ports they used.</li>
 * </ul>
 */
public final class SuggestionBuilder {
    /** Which candidates and callers to consider. */
    public record Filter(long sinceMillis, String forCaller) {
        public static final Filter ALL = new Filter(0, null);

        boolean admits(CallerView c) {
            if (forCaller == null) {
                return true;
            }
            return forCaller.equals(c.principal()) || forCaller.equals(c.namespace()) || forCaller.equals(c.address())
                    || (c.principal() != null && forCaller.equals(istioPrincipal(c.principal())));
        }
    }

    private static final Set<String> UNDECLARED = Set.of("undeclared_allowed", "no_service_entry");
    private static final List<Protocol> SPECIFICITY = List.of(Protocol.MONGO, Protocol.MYSQL, Protocol.REDIS,
            Protocol.TLS, Protocol.HTTP, Protocol.TCP);

    private final WildcardGrouper grouper;

    public SuggestionBuilder(int wildcardMinNames) {
        this.grouper = new WildcardGrouper(wildcardMinNames);
    }

    /**
     * The suggestions for the candidates the filter keeps, with no resource names taken yet.
     *
     * @param declared whether the configuration in force already declares a candidate (it is then
     *                 left out of the ServiceEntries; its callers still count for the policies)
     */
    public Suggestions build(List<CandidateView> all, Filter filter, Predicate<CandidateView> declared, long now) {
        return build(all, filter, declared, Set.of(), now);
    }

    /**
     * The suggestions for the candidates the filter keeps, named around the names already taken.
     *
     * @param taken names of resources that exist already in the namespace the suggestions go to:
     *              never reused, so applying a suggestion never replaces a resource it did not write
     */
    public Suggestions build(List<CandidateView> all, Filter filter, Predicate<CandidateView> declared,
                             Set<String> taken, long now) {
        List<CandidateView> chosen = all.stream()
                .filter(c -> c.lastSeen() >= filter.sinceMillis())
                .filter(c -> c.callers().stream().anyMatch(filter::admits))
                .toList();
        List<CandidateView> undeclared = chosen.stream()
                .filter(c -> c.reasons().stream().anyMatch(UNDECLARED::contains))
                .filter(c -> !declared.test(c))
                .toList();
        List<Suggestions.Entry> entries = new ArrayList<>();
        Set<String> usedNames = new HashSet<>(taken);
        namedEntries(undeclared.stream().filter(CandidateView::named).toList(), filter, usedNames, entries);
        addressEntries(undeclared.stream().filter(c -> !c.named()).toList(), filter, usedNames, entries);
        return new Suggestions(entries, policies(chosen, filter, usedNames), now, chosen.size());
    }

    private void namedEntries(List<CandidateView> named, Filter filter, Set<String> usedNames,
                              List<Suggestions.Entry> out) {
        Map<String, List<CandidateView>> byName = new TreeMap<>();
        named.forEach(c -> byName.computeIfAbsent(c.destination(), k -> new ArrayList<>()).add(c));
        Set<String> carriesName = new TreeSet<>();
        byName.forEach((name, cs) -> {
            if (cs.stream().allMatch(c -> c.protocols().stream().allMatch(p -> p == SeenProtocol.HTTP
                    || p == SeenProtocol.TLS))) {
                carriesName.add(name);
            }
        });
        List<WildcardGrouper.Group> groups = new ArrayList<>(grouper.group(carriesName));
        byName.keySet().stream().filter(n -> !carriesName.contains(n))
                .forEach(n -> groups.add(new WildcardGrouper.Group(n, Set.of(n))));
        for (WildcardGrouper.Group g : groups) {
            List<CandidateView> members = g.names().stream().flatMap(n -> byName.get(n).stream()).toList();
            String resolution = g.isWildcard() ? "DYNAMIC_DNS" : "DNS";
            String base = (g.isWildcard() ? "wildcard-" + g.host().substring(2) : g.host());
            out.add(entry(unique(resourceName(base), usedNames), List.of(g.host()), List.of(), members, resolution,
                    g.names(), filter));
        }
    }

    private void addressEntries(List<CandidateView> unnamed, Filter filter, Set<String> usedNames,
                                List<Suggestions.Entry> out) {
        Map<String, List<CandidateView>> byAddress = new TreeMap<>();
        unnamed.forEach(c -> byAddress.computeIfAbsent(c.destination(), k -> new ArrayList<>()).add(c));
        byAddress.forEach((address, members) -> {
            boolean v6 = address.contains(":");
            String dashed = address.replace('.', '-').replace(':', '-');
            String host = "ip-" + dashed + ".addresses.internal";
            out.add(entry(unique(resourceName("address-" + dashed), usedNames), List.of(host),
                    List.of(address + (v6 ? "/128" : "/32")), members, "NONE", Set.of(address), filter));
        });
    }

    private static Suggestions.Entry entry(String name, List<String> hosts, List<String> addresses,
                                           List<CandidateView> members, String resolution, Set<String> covered,
                                           Filter filter) {
        Map<Integer, Set<SeenProtocol>> byPort = new TreeMap<>();
        members.forEach(c -> byPort.computeIfAbsent(c.port(), k -> new HashSet<>()).addAll(c.protocols()));
        List<Suggestions.Port> ports = new ArrayList<>();
        byPort.forEach((port, seen) -> {
            Protocol p = SPECIFICITY.stream().filter(x -> seen.stream().anyMatch(s -> s.declared() == x)).findFirst()
                    .orElse(Protocol.TCP);
            ports.add(new Suggestions.Port(port, p.name().toLowerCase(Locale.ROOT) + "-" + port, p));
        });
        long count = members.stream().mapToLong(CandidateView::count).sum();
        long first = members.stream().mapToLong(CandidateView::firstSeen).min().orElse(0);
        long last = members.stream().mapToLong(CandidateView::lastSeen).max().orElse(0);
        Map<String, Long> callers = new LinkedHashMap<>();
        members.forEach(c -> c.callers().stream().filter(filter::admits)
                .forEach(cv -> callers.merge(cv.label(), cv.count(), Long::sum)));
        Set<String> reasons = new LinkedHashSet<>();
        members.forEach(c -> reasons.addAll(c.reasons()));
        List<String> evidence = new ArrayList<>();
        evidence.add(count + " connection(s), " + members.stream().mapToLong(CandidateView::denied).sum()
                + " refused; first seen " + Instant.ofEpochMilli(first) + ", last seen " + Instant.ofEpochMilli(last));
        members.stream().sorted(Comparator.comparing(CandidateView::destination).thenComparingInt(CandidateView::port))
                .forEach(c -> evidence.add(c.destination() + ":" + c.port() + " "
                        + c.protocols().stream().map(Enum::name).collect(Collectors.joining("/")) + " x" + c.count()
                        + " (" + String.join(", ", c.reasons()) + ")"));
        evidence.add("callers: " + callers.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", ")));
        return new Suggestions.Entry(name, hosts, addresses, ports, resolution, covered.size(), List.copyOf(covered),
                count, first, last, List.copyOf(callers.keySet()), List.copyOf(reasons), evidence);
    }

    private static List<Suggestions.Policy> policies(List<CandidateView> chosen, Filter filter, Set<String> usedNames) {
        Map<String, Map<String, Set<Integer>>> byPrincipal = new TreeMap<>();
        Map<String, Long> counts = new TreeMap<>();
        for (CandidateView c : chosen) {
            if (!c.named()) {
                continue; // AuthorizationPolicy hosts are names; an address-only destination has none to name
            }
            for (CallerView cv : c.callers()) {
                if (cv.principal() != null && filter.admits(cv)) {
                    byPrincipal.computeIfAbsent(cv.principal(), k -> new TreeMap<>())
                            .computeIfAbsent(c.destination(), k -> new TreeSet<>()).add(c.port());
                    counts.merge(cv.principal(), cv.count(), Long::sum);
                }
            }
        }
        List<Suggestions.Policy> out = new ArrayList<>();
        byPrincipal.forEach((principal, hosts) -> {
            Set<Integer> ports = new TreeSet<>();
            hosts.values().forEach(ports::addAll);
            String istio = istioPrincipal(principal);
            String sa = istio.substring(istio.lastIndexOf('/') + 1);
            String ns = namespaceOf(istio);
            List<String> evidence = List.of(counts.get(principal) + " connection(s) from " + principal + " to "
                    + hosts.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(", ")));
            out.add(new Suggestions.Policy(unique(resourceName("allow-" + ns + "-" + sa), usedNames), "default",
                    istio, List.copyOf(hosts.keySet()), List.copyOf(ports), evidence));
        });
        return out;
    }

    /** Istio's principal form: the SPIFFE ID without {@code spiffe://}. */
    static String istioPrincipal(String spiffe) {
        return IstioPrincipal.of(spiffe).text();
    }

    private static String namespaceOf(String istioPrincipal) {
        return IstioPrincipal.namespaceOf(istioPrincipal).orElse("unknown");
    }

    /** A DNS-1123 name for the resource: lower case, dashes, at most 63 characters. */
    static String resourceName(String base) {
        String s = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-");
        s = s.replaceAll("^-|-$", "");
        if (s.length() > 55) {
            s = s.substring(0, 55).replaceAll("-$", "");
        }
        return s.isEmpty() ? "learned" : s;
    }

    private static String unique(String name, Set<String> used) {
        String n = name;
        for (int i = 2; !used.add(n); i++) {
            n = name + "-" + i;
        }
        return n;
    }
}
