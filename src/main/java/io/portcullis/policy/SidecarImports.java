package io.portcullis.policy;

import io.portcullis.model.ServiceEntry;
import io.portcullis.model.Sidecar;
import io.portcullis.model.Sidecar.EgressListener;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The {@code egress[].hosts} import lists of one {@link Sidecar}, read for callers from one
 * namespace, as Istio's {@code IstioEgressListenerWrapper.selectServices} reads them:
 * {@code ns/host} imports the hosts of ServiceEntries in namespace {@code ns} that {@code host}
 * covers ({@code *}, {@code *.example.com} or an exact name), {@code ./host} those of the caller's
 * namespace, <code>&#42;/host</code> those of any namespace; {@code ~ns/host} (and {@code ~/host} for
 * every namespace) excludes them again, whatever else imports them. A listener with a port
 * imports on that port only; the listener without a port imports on every port no other listener
 * names. A Sidecar without egress listeners imports everything (Istio's default {@code *}{@code /*}).
 * Immutable.
 */
final class SidecarImports {
    private record Import(@Nullable String namespace, String host) {
        boolean covers(ServiceEntry entry, String entryHost) {
            return (namespace == null || namespace.equals(entry.id().namespace())) && subsetOf(entryHost, host);
        }
    }

    private record Listener(OptionalInt port, List<Import> includes, List<Import> excludes) {}

    private final Sidecar sidecar;
    private final List<Listener> listeners = new ArrayList<>();

    /**
     * @param callerNamespace what {@code .} stands for (the caller's namespace); null for a caller without
     *                        one, for whom {@code ./host} imports nothing
     */
    SidecarImports(Sidecar sidecar, @Nullable String callerNamespace) {
        this.sidecar = sidecar;
        for (EgressListener l : sidecar.egress()) {
            List<Import> includes = new ArrayList<>();
            List<Import> excludes = new ArrayList<>();
            for (String h : l.hosts()) {
                int slash = h.indexOf('/');
                String ns = h.substring(0, slash);
                boolean exclude = ns.startsWith("~");
                if (exclude) {
                    ns = ns.length() == 1 ? "*" : ns.substring(1);
                }
                // "." with no caller namespace names no namespace at all: a sentinel no entry lives in.
                String namespace = ns.equals("*") ? null : ns.equals(".") ? (callerNamespace == null ? "/" : callerNamespace) : ns;
                (exclude ? excludes : includes).add(new Import(namespace, h.substring(slash + 1)));
            }
            listeners.add(new Listener(l.port(), includes, excludes));
        }
    }

    Sidecar sidecar() {
        return sidecar;
    }

    /** Whether a caller may reach {@code entryHost} (one of {@code entry}'s hosts) on {@code port}. */
    boolean imports(ServiceEntry entry, String entryHost, int port) {
        if (listeners.isEmpty()) {
            return true;
        }
        List<Listener> onPort = listeners.stream().filter(l -> l.port().isPresent() && l.port().getAsInt() == port).toList();
        List<Listener> chosen = onPort.isEmpty() ? listeners.stream().filter(l -> l.port().isEmpty()).toList() : onPort;
        for (Listener l : chosen) {
            if (l.excludes().stream().noneMatch(x -> x.covers(entry, entryHost))
                    && l.includes().stream().anyMatch(i -> i.covers(entry, entryHost))) {
                return true;
            }
        }
        return false;
    }

    /** The import lists, for messages: {@code egress[0].hosts [istio-system/*]}. */
    String describe() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < sidecar.egress().size(); i++) {
            EgressListener l = sidecar.egress().get(i);
            parts.add("egress[" + i + "]" + (l.port().isPresent() ? " (port " + l.port().getAsInt() + ")" : "")
                    + " hosts " + l.hosts());
        }
        return String.join(", ", parts);
    }

    /** Whether every name {@code inner} matches is matched by {@code outer} (Istio's {@code SubsetOf}). */
    static boolean subsetOf(String inner, String outer) {
        if (outer.equals("*") || inner.equals(outer)) {
            return true;
        }
        if (inner.equals("*") || !outer.startsWith("*.")) {
            return false;
        }
        String suffix = outer.substring(1);
        String name = inner.startsWith("*.") ? inner.substring(1) : inner;
        return name.endsWith(suffix) && name.length() > suffix.length();
    }
}
