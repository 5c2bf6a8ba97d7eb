package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.Sidecar.EgressListener;
import io.portcullis.model.Sidecar.OutboundMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Maps and validates the {@code spec} of a {@code networking.istio.io Sidecar} with the rules of
 * Istio's {@code ValidateSidecar} ({@code pkg/config/validation/validation.go}): an empty Sidecar,
 * a catch-all egress listener that is not the last or not the only one, ports used twice, hosts
 * not of the form {@code namespace/dnsName}, short names and partial wildcards in them, unix-socket
 * binds on ports other than 0, and {@code egressProxy} without {@code ALLOW_ANY} are refused; the
 * duplicate imports Istio warns about are warnings. The parts Portcullis does not act on
 * ({@code ingress}, {@code inboundConnectionPool}, {@code bind}, {@code captureMode},
 * {@code egressProxy}, a {@code workloadSelector} with labels) are validated, then warned about.
 */
final class SidecarMapper {
    private static final String UNIX_PREFIX = "unix://";

    private SidecarMapper() {
    }

    static Sidecar map(ResourceId id, Node spec) {
        boolean selects = workloadSelector(spec);
        if (spec.isEmptyList("egress") && spec.isEmptyList("ingress") && !spec.has("outboundTrafficPolicy")
                && !spec.has("inboundConnectionPool")) {
            spec.errorHere("empty configuration provided (expected at least one of egress, ingress,"
                    + " outboundTrafficPolicy and inboundConnectionPool)");
        }
        ingress(spec);
        if (spec.has("inboundConnectionPool")) {
            TrafficTuningCheck.checkConnectionPool(spec, "inboundConnectionPool");
            spec.notActedOn("inboundConnectionPool", "Portcullis serves outbound traffic only");
        }
        List<EgressListener> egress = egress(spec, id.namespace());
        Optional<OutboundMode> mode = outboundTrafficPolicy(spec);
        return new Sidecar(id, selects, egress, mode);
    }

    /** Istio's selector rules; a selector with labels is warned about, as Portcullis cannot apply it. */
    private static boolean workloadSelector(Node spec) {
        Node selector = spec.child("workloadSelector", "WorkloadSelector");
        if (selector == null) {
            return false;
        }
        JsonNode labels = selector.raw("labels");
        String at = selector.fieldPath("labels");
        boolean any = false;
        if (labels != null && labels.isObject()) {
            boolean reported = false;
            for (var it = labels.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                any = true;
                if (e.getKey().isEmpty()) {
                    spec.findings().error(at, "a selector label key cannot be empty");
                    reported = true;
                } else if (e.getKey().contains("*") || e.getValue().asText("").contains("*")) {
                    spec.findings().error(Node.join(at, e.getKey()), "wildcard is not supported in selector");
                    reported = true;
                }
            }
            if (!reported) {
                LabelSyntax.check(labels, at, spec.findings());
            }
        } else if (labels != null) {
            spec.findings().error(at, "expected a map of labels, got " + Node.describe(labels));
        }
        if (!any) {
            spec.warning("workloadSelector", "workload selector specified without labels: the Sidecar applies to every"
                    + " workload of its namespace (as in Istio)");
            return false;
        }
        spec.warning("workloadSelector", "accepted but not acted on by Portcullis (it cannot tell which workload of"
                + " the namespace calls): this Sidecar is not applied; a Sidecar of the namespace without a selector,"
                + " else the root namespace's, applies to its callers");
        return true;
    }

    private static void ingress(Node spec) {
        Set<Long> ports = new HashSet<>();
        for (Node in : spec.children("ingress", "IstioIngressListener")) {
            Node port = in.child("port", "SidecarPort");
            if (port == null) {
                if (!in.has("port")) {
                    in.error("port", "port is required for ingress listeners");
                }
            } else {
                int number = ipPort(port, false);
                if (!ports.add((long) number)) {
                    port.error("number", "ports on IP bound listeners must be unique");
                }
            }
            bindIp(in);
            captureMode(in);
            defaultEndpoint(in);
            Node tls = in.child("tls", "ServerTLSSettings");
            if (tls != null) {
                ingressTls(in, tls, port);
            }
            if (in.has("connectionPool")) {
                TrafficTuningCheck.checkConnectionPool(in, "connectionPool");
            }
        }
        spec.notActedOn("ingress", "Portcullis captures and serves outbound traffic only");
    }

    private static void ingressTls(Node in, Node tls, Node port) {
        for (String field : List.of("subjectAltNames", "httpsRedirect", "credentialName", "credentialNames",
                "tlsCertificates")) {
            JsonNode v = tls.raw(field);
            boolean set = v != null && !(v.isArray() && v.isEmpty()) && !(v.isBoolean() && !v.booleanValue())
                    && !(v.isTextual() && v.textValue().isEmpty());
            if (set) {
                tls.error(field, field + " is not supported in a Sidecar's ingress tls (Istio refuses it)");
            }
        }
        String mode = tls.string("mode");
        if ("ISTIO_MUTUAL".equals(mode) || "AUTO_PASSTHROUGH".equals(mode)) {
            tls.error("mode", "cannot set mode to " + mode + " in sidecar ingress tls");
        }
        if (port != null) {
            Protocol p = PortReader.parseProtocol(String.valueOf(port.raw("protocol") == null ? ""
                    : port.raw("protocol").asText()));
            if (p != null && !p.isTls()) {
                in.error("tls", "server cannot have TLS settings for non HTTPS/TLS ports");
            }
        }
        ServerTlsReader.read(tls);
    }

    /** {@code defaultEndpoint}: {@code 127.0.0.1:PORT}, {@code 0.0.0.0:PORT}, {@code [::1]:PORT}, {@code [::]:PORT}, {@code :PORT} or a unix socket. */
    private static void defaultEndpoint(Node in) {
        String ep = in.string("defaultEndpoint");
        if (ep == null || ep.isEmpty()) {
            return;
        }
        if (ep.startsWith(UNIX_PREFIX)) {
            String problem = unixAddressProblem(ep.substring(UNIX_PREFIX.length()));
            if (problem != null) {
                in.error("defaultEndpoint", problem);
            }
            return;
        }
        int colon = ep.lastIndexOf(':');
        String host = colon < 0 ? ep : ep.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (colon < 0 || !List.of("", "127.0.0.1", "0.0.0.0", "::1", "::").contains(host)) {
            in.error("defaultEndpoint", "defaultEndpoint must be of form 127.0.0.1:<port>, 0.0.0.0:<port>,"
                    + " [::1]:<port>, [::]:<port>, unix://filepath or unset");
            return;
        }
        String port = ep.substring(colon + 1);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            in.error("defaultEndpoint", "the port \"" + port + "\" is not a number in 1-65535");
        }
    }

    private static List<EgressListener> egress(Node spec, String namespace) {
        List<Node> listeners = spec.children("egress", "IstioEgressListener");
        List<EgressListener> out = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        Set<String> sockets = new HashSet<>();
        boolean catchAll = false;
        for (int i = 0; i < listeners.size(); i++) {
            Node e = listeners.get(i);
            Node port = e.child("port", "SidecarPort");
            OptionalInt number = OptionalInt.empty();
            boolean unix = false;
            if (port == null) {
                if (catchAll) {
                    e.errorHere("egress can have only one listener with empty port");
                } else if (i != listeners.size() - 1) {
                    e.errorHere("the egress listener with empty port should be the last listener in the list");
                }
                catchAll = true;
                e.allow("bind", "captureMode");
            } else {
                String bind = e.string("bind");
                unix = port.has("number") && port.raw("number").canConvertToLong() && port.raw("number").asLong() == 0;
                if (unix) {
                    ipPort(port, true);
                    if (bind == null || !bind.startsWith(UNIX_PREFIX)) {
                        e.error("bind", "ports with 0 value must have a unix domain socket bind address");
                    } else if (unixAddressProblem(bind.substring(UNIX_PREFIX.length())) != null) {
                        e.error("bind", unixAddressProblem(bind.substring(UNIX_PREFIX.length())));
                    } else if (!sockets.add(bind)) {
                        e.error("bind", "unix domain socket values for listeners must be unique");
                    }
                    String capture = e.string("captureMode");
                    if (capture != null && !capture.equals("DEFAULT") && !capture.equals("NONE")) {
                        e.error("captureMode", "captureMode must be DEFAULT/NONE for unix domain socket listeners");
                    }
                    e.warning("bind", "a unix domain socket; accepted but not acted on by Portcullis (it captures"
                            + " TCP only), so this listener imports nothing");
                } else {
                    int n = ipPort(port, false);
                    if (n > 0) {
                        number = OptionalInt.of(n);
                        if (!ports.add(n)) {
                            port.error("number", "ports on IP bound listeners must be unique");
                        }
                    }
                    bindIp(e);
                    captureMode(e);
                }
            }
            e.notActedOn("captureMode", "Portcullis's sidecar captures with its own iptables rules (portcullis capture)");
            if (!unix) {
                e.notActedOn("bind", "Portcullis's sidecar listens on its capture addresses");
            }
            List<String> hosts = hosts(e, namespace);
            // A unix-socket listener stays, on port 0, which no connection has: it imports nothing here,
            // yet still means the Sidecar has egress listeners (no default import of everything).
            out.add(new EgressListener(unix ? OptionalInt.of(0) : number, hosts));
        }
        return out;
    }

    /** {@code egress[].hosts}: {@code namespace/dnsName}, with Istio's duplicate warnings. */
    private static List<String> hosts(Node e, String namespace) {
        List<String> raw = e.strings("hosts");
        if (raw.isEmpty()) {
            if (e.isEmptyList("hosts")) {
                e.error("hosts", "egress listener must contain at least one host");
            }
            return raw;
        }
        List<String> out = new ArrayList<>();
        Map<String, Set<String>> byNamespace = new HashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            String h = raw.get(i);
            String at = e.elementPath("hosts", i);
            String problem = hostProblem(h);
            if (problem != null) {
                e.findings().error(at, "\"" + h + "\": " + problem);
                continue;
            }
            String ns = h.substring(0, h.indexOf('/'));
            String name = HostSyntax.lower(h.substring(h.indexOf('/') + 1));
            if (!ns.startsWith("~")) {
                Set<String> seen = byNamespace.computeIfAbsent(ns.equals(".") ? namespace : ns, k -> new HashSet<>());
                boolean duplicate = name.equals("*") ? !seen.isEmpty() : seen.contains(name) || seen.contains("*");
                if (duplicate) {
                    e.findings().warning(at, "duplicated egress host: " + h);
                }
                seen.add(name);
            }
            out.add(ns + "/" + name);
        }
        if (byNamespace.getOrDefault("*", Set.of()).contains("*") && byNamespace.size() != 1) {
            e.warning("hosts", "`*/*` host select all resources, no other hosts can be added");
        }
        return out;
    }

    /** Istio's {@code ValidateNamespaceSlashWildcardHostname} for a Sidecar; null when {@code h} is fine. */
    static String hostProblem(String h) {
        int slash = h.indexOf('/');
        if (slash < 0) {
            return "host must be of form namespace/dnsName";
        }
        String ns = h.substring(0, slash);
        String name = HostSyntax.lower(h.substring(slash + 1));
        if (ns.isEmpty() || name.isEmpty()) {
            return "config namespace and dnsName in host entry cannot be empty";
        }
        String bare = ns.startsWith("~") ? ns.substring(1) : ns;
        if (!bare.isEmpty() && !bare.equals("*") && !bare.equals(".") && !HostSyntax.isLabel(bare)) {
            return "invalid namespace value \"" + ns + "\" in sidecar";
        }
        if (!name.equals("*") && !name.contains(".")) {
            return "short names (non FQDN) are not allowed";
        }
        if (name.contains("*") && !name.equals("*") && !name.startsWith("*.")) {
            return "partial wildcard \"" + name + "\" not allowed";
        }
        if (!name.equals("*")) {
            String problem = HostSyntax.hostProblem(name, false);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static Optional<OutboundMode> outboundTrafficPolicy(Node spec) {
        Node tp = spec.child("outboundTrafficPolicy", "OutboundTrafficPolicy");
        if (tp == null) {
            return Optional.empty();
        }
        String text = tp.string("mode");
        OutboundMode mode = OutboundMode.REGISTRY_ONLY;
        if ("ALLOW_ANY_DYNAMIC_DNS".equals(text)) {
            tp.error("mode", "ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in Sidecar resource");
        } else if (text != null) {
            try {
                mode = OutboundMode.valueOf(text);
            } catch (IllegalArgumentException e) {
                tp.error("mode", "\"" + text + "\" is not a valid mode (expected one of: REGISTRY_ONLY, ALLOW_ANY)");
            }
        }
        Node proxy = tp.child("egressProxy", "Destination");
        if (proxy != null) {
            if (mode != OutboundMode.ALLOW_ANY) {
                tp.error("egressProxy", "egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode");
            } else {
                String host = proxy.requiredString("host");
                if (host != null && HostSyntax.hostProblem(HostSyntax.lower(host), false) != null) {
                    proxy.error("host", "\"" + host + "\" is not a valid host name");
                } else if (host != null && host.startsWith("*")) {
                    proxy.error("host", "\"" + host + "\" is not a fully qualified domain name");
                }
                Node port = proxy.child("port", "PortSelector");
                if (port == null) {
                    if (!proxy.has("port")) {
                        proxy.error("port", "egress_proxy port must be non-nil");
                    }
                } else if (port.has("number")) {
                    port.port("number");
                }
                String subset = proxy.string("subset");
                if (subset != null && !subset.isEmpty() && !HostSyntax.isLabel(subset)) {
                    proxy.error("subset", "\"" + subset + "\" is not a valid subset name");
                }
                tp.warning("egressProxy", "accepted but not acted on by Portcullis: traffic ALLOW_ANY lets out goes"
                        + " to its own destination, not through this proxy");
            }
            if (mode != OutboundMode.ALLOW_ANY) {
                proxy.allowRest();
            }
        }
        return Optional.of(mode);
    }

    /** A {@code SidecarPort}: a valid number (0 only for unix sockets), a known protocol, a DNS-label name. */
    private static int ipPort(Node port, boolean unix) {
        String name = port.string("name");
        if (name != null && !name.isEmpty() && !HostSyntax.isLabel(name)) {
            port.error("name", "\"" + name + "\" is not a valid port name (expected: a DNS-1123 label)");
        }
        // Istio lets the protocol be empty here: it is then sniffed.
        String protocol = port.string("protocol");
        if (protocol != null && !protocol.isEmpty()) {
            PortReader.protocol(port, "protocol");
        }
        if (port.has("targetPort")) {
            port.port("targetPort");
            port.error("targetPort", "targetPort has no impact on Sidecars");
        }
        if (unix) {
            port.integer("number", 0, 0);
            return 0;
        }
        if (!port.has("number")) {
            port.error("number", "required");
            return 0;
        }
        return port.port("number");
    }

    /** Istio's {@code ValidateUnixAddress}: an abstract name ({@code @name}) or an absolute path to a file. */
    private static String unixAddressProblem(String address) {
        if (address.isEmpty()) {
            return "unix address must not be empty";
        }
        if (address.startsWith("@")) {
            return null;
        }
        return !address.startsWith("/") || address.endsWith("/")
                ? address + " is not an absolute path to a file" : null;
    }

    private static void bindIp(Node listener) {
        String bind = listener.string("bind");
        if (bind != null && !bind.isEmpty() && !HostSyntax.isIpLiteral(bind)) {
            listener.error("bind", "\"" + bind + "\" is not a valid IP");
        }
    }

    private static void captureMode(Node listener) {
        String mode = listener.string("captureMode");
        if (mode != null && !List.of("DEFAULT", "IPTABLES", "NONE").contains(mode)) {
            listener.error("captureMode", "\"" + mode + "\" is not a valid captureMode (expected one of: DEFAULT,"
                    + " IPTABLES, NONE)");
        }
    }
}
