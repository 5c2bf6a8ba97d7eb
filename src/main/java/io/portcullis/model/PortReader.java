package io.portcullis.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Reads Istio's {@code Port} ({@code ServiceEntry.ports[]}, {@code Gateway.servers[].port}) and protocol names. */
final class PortReader {
    static final String PROTOCOLS = Arrays.stream(Protocol.values()).map(Enum::name).collect(Collectors.joining(", "));

    private PortReader() {
    }

    /** {@code ServiceEntry.ports[]}: protocol optional (then TCP, as Istio treats an unknown one). */
    static ServicePort serviceEntryPort(Node port) {
        int number = requiredPort(port, "number");
        String name = portName(port, true);
        Protocol protocol;
        if (port.has("protocol")) {
            protocol = protocol(port, "protocol");
        } else {
            protocol = Protocol.TCP;
            port.warning("protocol", "absent; treated as TCP (opaque bytes routed by address and port only)");
        }
        int targetPort = port.port("targetPort");
        return new ServicePort(number, name, protocol, targetPort);
    }

    /** {@code Gateway.servers[].port}: every field required, as Istio's validation has it. */
    static ServicePort gatewayPort(Node port) {
        return gatewayPort(port, false);
    }

    /** As {@link #gatewayPort(Node)}; a server bound to a unix socket has port number 0 (or none). */
    static ServicePort gatewayPort(Node port, boolean unixBind) {
        int number;
        if (unixBind) {
            Integer n = port.has("number") ? port.integer("number", 0, 0) : Integer.valueOf(0);
            number = n == null ? 0 : n;
        } else {
            number = requiredPort(port, "number");
        }
        // Istio checks only that a gateway port has a name, not its form.
        String name = portName(port, false);
        Protocol protocol = null;
        if (port.has("protocol")) {
            protocol = protocol(port, "protocol");
        } else {
            port.error("protocol", "required (expected one of: " + PROTOCOLS + ")");
        }
        if (port.has("targetPort")) {
            port.port("targetPort");
            port.error("targetPort", "targetPort has no impact on Gateways (Istio refuses it too)");
        }
        return new ServicePort(number, name, protocol, 0);
    }

    /** Istio's protocol names are case-insensitive; upper case is their canonical spelling. */
    static Protocol protocol(Node node, String field) {
        String text = node.string(field);
        if (text == null) {
            return null;
        }
        Protocol p = parseProtocol(text);
        if (p == null) {
            node.error(field, "\"" + text + "\" is not a supported protocol (expected one of: " + PROTOCOLS + ")");
        } else if (!p.name().equals(text)) {
            node.warning(field, "\"" + text + "\" read as " + p.name() + "; write it in upper case as Istio documents it");
        }
        return p;
    }

    static Protocol parseProtocol(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        for (Protocol p : Protocol.values()) {
            if (p.name().equals(upper)) {
                return p;
            }
        }
        return null;
    }

    private static int requiredPort(Node port, String field) {
        if (!port.has(field)) {
            port.error(field, "required");
            return 0;
        }
        return port.port(field);
    }

    private static String portName(Node port, boolean dnsLabel) {
        String name = port.requiredString("name");
        if (dnsLabel && name != null && !HostSyntax.isLabel(name)) {
            port.error("name", "\"" + name + "\" is not a valid port name (expected: a DNS-1123 label: lower-case"
                    + " letters, digits and '-', at most 63 characters)");
        }
        return name;
    }
}
