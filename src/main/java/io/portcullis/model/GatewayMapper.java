package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.Gateway.Server;
import io.portcullis.model.Gateway.ServerTls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Maps and validates the {@code spec} of a {@code networking.istio.io Gateway} (pilot's {@code ValidateGateway}). */
final class GatewayMapper {
    private static final String UNIX_PREFIX = "unix://";

    private GatewayMapper() {
    }

    static Gateway map(ResourceId id, Node spec) {
        if (!HostSyntax.isLabel(id.name())) {
            spec.findings().error("metadata.name", "\"" + id.name() + "\" is not a valid Gateway name (expected: a"
                    + " DNS-1123 label without dots, since VirtualServices name it as namespace/name)");
        }
        Map<String, String> selector = spec.stringMap("selector");
        if (spec.isEmptyList("servers")) {
            spec.error("servers", "required (at least one server)");
        }
        List<Server> servers = new ArrayList<>();
        Map<String, String> portNames = new HashMap<>();
        Map<String, String> serverNames = new HashMap<>();
        for (Node s : spec.children("servers", "Gateway.Server")) {
            Server server = server(s);
            if (!isUnixBind(s)) {
                servers.add(server);
            }
            if (server.port() != null && server.port().name() != null) {
                String first = portNames.putIfAbsent(server.port().name(), s.path());
                if (first != null) {
                    s.findings().error(s.path() + ".port.name", "port name \"" + server.port().name()
                            + "\" is already used by " + first + "; port names must be unique across servers");
                }
            }
            if (server.name() != null) {
                String first = serverNames.putIfAbsent(server.name(), s.path());
                if (first != null) {
                    s.error("name", "server name \"" + server.name() + "\" is already used by " + first);
                }
            }
        }
        return new Gateway(id, selector, servers);
    }

    private static Server server(Node s) {
        Node portNode = s.child("port", "Gateway.Port");
        String bind = s.string("bind");
        boolean unixBind = bind != null && bind.startsWith(UNIX_PREFIX);
        if (unixBind && bind.length() == UNIX_PREFIX.length()) {
            s.error("bind", "a unix domain socket bind needs a path after " + UNIX_PREFIX);
        } else if (bind != null && !unixBind && !bind.isEmpty() && !HostSyntax.isIpLiteral(bind)) {
            s.error("bind", "\"" + bind + "\" is not an IP address (expected an IP or " + UNIX_PREFIX + "PATH)");
        }
        ServicePort port = null;
        if (portNode != null) {
            port = PortReader.gatewayPort(portNode, unixBind);
        } else if (!s.has("port")) {
            s.error("port", "required");
        }
        List<String> hosts = hosts(s);
        Node tlsNode = s.child("tls", "Gateway.ServerTLSSettings");
        ServerTls tls = tlsNode == null ? null : ServerTlsReader.read(tlsNode);
        String name = s.string("name");
        if (unixBind) {
            // Left out of the model: no TCP listener is opened for it, least of all on an ephemeral port 0.
            s.warning("bind", "a unix domain socket; accepted but not acted on by Portcullis (it listens on TCP"
                    + " only), so this server is not served");
        } else {
            s.notActedOn("bind", "Portcullis binds every listener to its own listen address");
        }
        s.notActedOn("defaultEndpoint", "Istio does not implement it either");
        if (port != null && port.protocol() != null) {
            protocolFitsTls(s, port.protocol(), tls, tlsNode);
        }
        return new Server(port, hosts, tls, name);
    }

    private static boolean isUnixBind(Node s) {
        JsonNode bind = s.raw("bind");
        return bind != null && bind.isTextual() && bind.textValue().startsWith(UNIX_PREFIX);
    }

    /** Istio's rule: TLS and HTTPS servers need TLS settings; other servers may not have any. */
    private static void protocolFitsTls(Node s, Protocol protocol, ServerTls tls, Node tlsNode) {
        if (protocol.isTls() && tls == null && !s.has("tls")) {
            s.error("tls", "required for a " + protocol + " server (e.g. mode: PASSTHROUGH)");
        } else if (!protocol.isTls() && tls != null) {
            boolean redirectOnly = tls.mode() == Gateway.ServerTlsMode.PASSTHROUGH && tls.serverCertificate() == null
                    && tls.privateKey() == null && tls.caCertificates() == null;
            if (protocol.isHttp() && !redirectOnly) {
                s.error("tls", "a plain-text " + protocol + " server cannot have TLS settings (only httpsRedirect)");
            } else if (!protocol.isHttp()) {
                s.error("tls", "a " + protocol + " server cannot have TLS settings (use protocol TLS for TLS)");
            }
        }
        if (tlsNode != null && tls != null && tlsNode.has("httpsRedirect") && !protocol.isHttp()) {
            tlsNode.warning("httpsRedirect", "only meaningful on an HTTP server");
        }
    }

    /** {@code [namespace/]host}, where namespace is a name, {@code .} or {@code *}, and host may be {@code *}. */
    private static List<String> hosts(Node s) {
        List<String> raw = s.strings("hosts");
        if (s.isEmptyList("hosts")) {
            s.error("hosts", "required (at least one host)");
        }
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String entry = raw.get(i);
            int slash = entry.indexOf('/');
            String namespace = slash < 0 ? null : entry.substring(0, slash);
            String host = HostSyntax.lower(slash < 0 ? entry : entry.substring(slash + 1));
            String where = s.elementPath("hosts", i);
            if (namespace != null && !namespace.equals("*") && !namespace.equals(".")
                    && !HostSyntax.isLabel(namespace)) {
                s.findings().error(where, "\"" + namespace + "\" in \"" + entry + "\" is not a namespace name, \".\""
                        + " or \"*\"");
            }
            String problem = HostSyntax.hostProblem(host, true);
            if (problem == null && HostSyntax.isPartialWildcard(host)) {
                problem = "\"" + host + "\" is a partial wildcard; a Gateway host takes \"*\" only as a whole first"
                        + " label (*.example.com)";
            } else if (problem == null && !host.equals("*") && !host.contains(".")) {
                problem = "\"" + host + "\" is a short name; a Gateway host must be a fully qualified name or *";
            }
            if (problem != null) {
                s.findings().error(where, problem);
            }
            hosts.add(namespace == null ? host : namespace + "/" + host);
        }
        return hosts;
    }
}
