package io.portcullis.policy;

import io.portcullis.model.Problem;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.Sidecar;
import io.portcullis.model.Sidecar.OutboundMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Istio's namespace scoping, enforced per calling namespace: a ServiceEntry is reachable by a
 * caller when its {@code exportTo} includes the caller's namespace ({@code .}: its own namespace,
 * {@code *} or absent: every namespace, a name: that namespace, {@code ~}: none) and the Sidecar
 * that applies to the caller's namespace imports it ({@link SidecarImports}). That Sidecar is the
 * namespace's own Sidecar without a {@code workloadSelector} (the first in configuration order),
 * else the root namespace's ({@value #ROOT_NAMESPACE}, Istio's default {@code rootNamespace}); its
 * {@code outboundTrafficPolicy.mode}, when set, replaces the global mode for those callers.
 *
 * <p>Compiled once per configuration, off the event loop, into a {@link NamespaceView} per
 * namespace the configuration names and one shared by every other namespace and by callers
 * without one (they see the same: only what is exported to every namespace, through the root
 * Sidecar). {@link #view} is then one map lookup. Immutable.
 */
public final class NamespaceScope {
    /** Istio's {@code meshConfig.rootNamespace} default: its Sidecar is the mesh-wide default. */
    public static final String ROOT_NAMESPACE = "istio-system";

    private final ServiceEntryIndex all;
    private final Map<String, NamespaceView> views = new HashMap<>();
    private final NamespaceView others;
    private final List<Problem> notes = new ArrayList<>();

    NamespaceScope(ResourceSet resources, ServiceEntryIndex all, OutboundPolicy global) {
        this.all = all;
        Map<String, Sidecar> byNamespace = new LinkedHashMap<>();
        for (Sidecar s : resources.sidecars()) {
            if (s.selectsWorkloads()) {
                continue;
            }
            Sidecar first = byNamespace.putIfAbsent(s.id().namespace(), s);
            if (first != null) {
                notes.add(Problem.warning(resources.origin(s.id()), s.id(), "spec", "not applied: " + first.id()
                        + " already applies to namespace " + s.id().namespace() + " (one Sidecar without a"
                        + " workloadSelector per namespace, the first in configuration order, as Istio takes the oldest)"));
            }
        }
        List<ServiceEntry> entries = resources.serviceEntries();
        boolean unscoped = byNamespace.isEmpty() && entries.stream().allMatch(e -> e.exportTo().isEmpty()
                || e.exportTo().contains("*"));
        if (unscoped) {
            // Everyone sees everything under the global mode: one view, the full index.
            this.others = new NamespaceView(null, all, entries, global, Optional.empty());
            return;
        }
        Set<String> named = new LinkedHashSet<>(byNamespace.keySet());
        for (ServiceEntry e : entries) {
            named.add(e.id().namespace());
            e.exportTo().stream().filter(n -> !n.equals(".") && !n.equals("*") && !n.equals("~")).forEach(named::add);
        }
        for (String ns : named) {
            views.put(ns, compile(ns, entries, byNamespace, global));
        }
        this.others = compile(null, entries, byNamespace, global);
    }

    private static NamespaceView compile(@Nullable String ns, List<ServiceEntry> entries, Map<String, Sidecar> byNamespace,
                                         OutboundPolicy global) {
        Sidecar sidecar = ns != null && byNamespace.containsKey(ns) ? byNamespace.get(ns) : byNamespace.get(ROOT_NAMESPACE);
        Optional<SidecarImports> imports = Optional.ofNullable(sidecar).map(s -> new SidecarImports(s, ns));
        List<ServiceEntry> exported = entries.stream().filter(e -> exported(e, ns)).toList();
        ServiceEntryIndex index = new ServiceEntryIndex(exported,
                (e, host, port) -> imports.map(i -> i.imports(e, host, port)).orElse(true));
        OutboundPolicy outbound = sidecar == null ? global : sidecar.outboundMode()
                .map(m -> m == OutboundMode.ALLOW_ANY ? OutboundPolicy.ALLOW_ANY : OutboundPolicy.REGISTRY_ONLY)
                .orElse(global);
        return new NamespaceView(ns, index, exported, outbound, imports);
    }

    /** What callers from {@code namespace} see; null (or a namespace the configuration never names) for the rest. */
    NamespaceView view(@Nullable String namespace) {
        if (namespace == null) {
            return others;
        }
        NamespaceView v = views.get(namespace);
        return v != null ? v : others;
    }

    /** The outbound mode for callers from {@code namespace}: for people and the learner. */
    public OutboundPolicy outboundFor(@Nullable String namespace) {
        return view(namespace).outbound();
    }

    /** Warnings found while compiling (Sidecars that are not applied). */
    List<Problem> notes() {
        return List.copyOf(notes);
    }

    /** Whether {@code entry}'s {@code exportTo} includes {@code namespace} (null: only "every namespace" does). */
    static boolean exported(ServiceEntry entry, @Nullable String namespace) {
        return exported(entry.exportTo(), entry.id().namespace(), namespace);
    }

    /**
     * Whether an {@code exportTo} list of a resource in {@code own} includes {@code namespace}: absent or
     * {@code *}, every namespace; {@code .}, {@code own}; {@code ~}, none; else the names listed. A null
     * {@code namespace} (a caller without one) is in "every namespace" only.
     */
    static boolean exported(List<String> to, String own, @Nullable String namespace) {
        if (to.isEmpty() || to.contains("*")) {
            return true;
        }
        if (namespace == null || to.contains("~")) {
            return false;
        }
        return to.contains(namespace) || (to.contains(".") && own.equals(namespace));
    }

    /** The VirtualServices exported to {@code namespace}: those a proxy of that namespace applies (as in Istio). */
    static List<io.portcullis.model.VirtualService> virtualServices(ResourceSet resources, @Nullable String namespace) {
        return resources.virtualServices().stream()
                .filter(v -> exported(v.exportTo(), v.id().namespace(), namespace)).toList();
    }

    /** The DestinationRules exported to {@code namespace}: those a proxy of that namespace applies (as in Istio). */
    static List<io.portcullis.model.DestinationRule> destinationRules(ResourceSet resources, @Nullable String namespace) {
        return resources.destinationRules().stream()
                .filter(d -> exported(d.exportTo(), d.id().namespace(), namespace)).toList();
    }

    /**
     * Why a caller from {@code namespace} (seeing {@code view}) does not reach {@code host:port} although a ServiceEntry declares
     * it: not exported to the caller's namespace, or not imported by its Sidecar. Empty when no entry
     * declares it at all. For refusal messages; not on the hot path of an allowed connection.
     */
    Optional<String> whyHidden(NamespaceView view, @Nullable String namespace, @Nullable String host,
                               byte @Nullable [] address, int port) {
        if (view.index() == all) {
            return Optional.empty();
        }
        PortBinding b = host != null ? all.byHost(host, port) : address != null ? all.byAddress(address, port) : null;
        if (b == null) {
            return Optional.empty();
        }
        ServiceEntry e = b.entry();
        if (!exported(e, namespace)) {
            return Optional.of(e.id() + " declares it but is not exported to " + NamespaceView.callers(namespace) + " (exportTo: "
                    + e.exportTo() + ")");
        }
        if (view.imports().isPresent()) {
            SidecarImports imports = view.imports().get();
            return Optional.of(e.id() + " declares it but is not imported by " + imports.sidecar().id() + ", which"
                    + " applies to " + NamespaceView.callers(namespace) + " (" + imports.describe() + ")");
        }
        return Optional.empty();
    }
}
