package io.portcullis.model;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.Subset;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Maps and validates the {@code spec} of a {@code networking.istio.io DestinationRule}. */
final class DestinationRuleMapper {
    private static final Set<String> LOAD_BALANCERS =
            Set.of("UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST");

    private DestinationRuleMapper() {
    }

    static DestinationRule map(ResourceId id, Node spec) {
        String host = spec.requiredString("host");
        if (host != null) {
            host = HostSyntax.lower(host);
            String problem = HostSyntax.hostProblem(host, true);
            if (problem != null) {
                spec.error("host", problem);
            }
        }
        TrafficPolicy policy = trafficPolicy(spec.child("trafficPolicy", "DestinationRule.TrafficPolicy"));
        List<Subset> subsets = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        for (Node s : spec.children("subsets", "DestinationRule.Subset")) {
            String name = s.requiredString("name");
            if (name != null && !HostSyntax.isLabel(name)) {
                s.error("name", "\"" + name + "\" is not a valid subset name (expected: a DNS-1123 label)");
            } else if (name != null && names.putIfAbsent(name, s.path()) != null) {
                s.error("name", "subset name \"" + name + "\" is already used by " + names.get(name));
            }
            LabelSyntax.check(s.raw("labels"), s.fieldPath("labels"), s.findings());
            Map<String, String> labels = s.stringMap("labels");
            TrafficPolicy subsetPolicy = trafficPolicy(s.child("trafficPolicy", "DestinationRule.TrafficPolicy"));
            if (subsetPolicy != null && (subsetPolicy.tunnel().isPresent() || subsetPolicy.connectionPool().isPresent()
                    || subsetPolicy.outlierDetection().isPresent() || subsetPolicy.loadBalancer() != null
                    || subsetPolicy.portLevelSettings().stream().anyMatch(p -> p.connectionPool().isPresent()
                            || p.outlierDetection().isPresent() || p.loadBalancer() != null))) {
                s.warning("trafficPolicy", "tunnel, connectionPool, outlierDetection and loadBalancer are acted on in"
                        + " the rule's own trafficPolicy only, not in a subset's (Portcullis does not route to subsets)");
            }
            subsets.add(new Subset(name, labels, subsetPolicy));
        }
        ConfigMapCredentialCheck.check(spec, id.namespace());
        boolean selectsWorkloads = spec.has("workloadSelector");
        List<String> exportTo = ExportTo.read(spec, false, id.namespace(), selectsWorkloads);
        LabelSyntax.check(spec.raw("workloadSelector") == null ? null
                : spec.raw("workloadSelector").get("matchLabels"), spec.fieldPath("workloadSelector") + ".matchLabels",
                spec.findings());
        spec.notActedOn("workloadSelector", "a DestinationRule applies to every caller of Portcullis");
        return new DestinationRule(id, host, policy, subsets, exportTo);
    }

    private static TrafficPolicy trafficPolicy(Node tp) {
        if (tp == null) {
            return null;
        }
        if (tp.isEmptyObject()) {
            tp.errorHere("a traffic policy must have at least one field");
        }
        String loadBalancer = loadBalancer(tp);
        ClientTls tls = ClientTlsReader.read(tp.child("tls", "DestinationRule.ClientTLSSettings"));
        List<PortTrafficPolicy> ports = new ArrayList<>();
        Map<Integer, String> seen = new HashMap<>();
        for (Node p : tp.children("portLevelSettings", "DestinationRule.PortTrafficPolicy")) {
            int number = portSelector(p);
            if (number != 0 && seen.putIfAbsent(number, p.path()) != null) {
                p.error("port", "port " + number + " already has settings in " + seen.get(number));
            }
            if (!p.has("loadBalancer") && !p.has("tls") && !p.has("connectionPool") && !p.has("outlierDetection")) {
                p.errorHere("a port traffic policy must have at least one of loadBalancer, tls, connectionPool,"
                        + " outlierDetection");
            }
            String portLoadBalancer = loadBalancer(p);
            ClientTls portTls = ClientTlsReader.read(p.child("tls", "DestinationRule.ClientTLSSettings"));
            TrafficTuningCheck.check(p);
            ports.add(new PortTrafficPolicy(number, portLoadBalancer, portTls, TrafficSettingsReader.connectionPool(p),
                    TrafficSettingsReader.outlierDetection(p)));
        }
        TrafficTuningCheck.check(tp);
        TrafficTuningCheck.checkTunnel(tp);
        // The connectionPool and outlierDetection fields not served are warned about one by one in TrafficSettingsReader.
        tp.notActedOn("proxyProtocol", "Portcullis sends no PROXY protocol header upstream");
        tp.notActedOn("retryBudget", "Portcullis does not retry");
        return new TrafficPolicy(loadBalancer, tls, ports, TrafficSettingsReader.tunnel(tp),
                TrafficSettingsReader.connectionPool(tp), TrafficSettingsReader.outlierDetection(tp));
    }

    private static int portSelector(Node p) {
        Node port = p.child("port", "DestinationRule.PortSelector");
        if (port == null) {
            if (!p.has("port")) {
                p.error("port", "required");
            }
            return 0;
        }
        if (!port.has("number")) {
            port.error("number", "required");
        }
        return port.port("number");
    }

    /** {@code loadBalancer.simple} orders a destination's endpoints per connection; the other balancers are warned about. */
    private static String loadBalancer(Node policy) {
        Node lb = policy.child("loadBalancer", "DestinationRule.LoadBalancerSettings");
        if (lb == null) {
            return null;
        }
        String simple = lb.string("simple");
        if (simple != null && !LOAD_BALANCERS.contains(simple)) {
            lb.error("simple", "\"" + simple + "\" is not a valid simple load balancer (expected one of: "
                    + String.join(", ", LOAD_BALANCERS.stream().sorted().toList()) + ")");
        }
        lb.notActedOn("consistentHash", "Portcullis balances with loadBalancer.simple only");
        lb.notActedOn("localityLbSetting", "Portcullis knows no localities");
        lb.notActedOn("warmupDurationSecs", "Portcullis balances with loadBalancer.simple only");
        lb.notActedOn("warmup", "Portcullis balances with loadBalancer.simple only");
        lb.notActedOn("zoneAwareLbSetting", "Portcullis knows no zones");
        if (simple == null && !lb.has("consistentHash") && !lb.has("localityLbSetting") && !lb.has("warmup")
                && !lb.has("warmupDurationSecs") && !lb.has("zoneAwareLbSetting")) {
            return null;
        }
        if ("PASSTHROUGH".equals(simple)) {
            lb.warning("simple", "accepted but not acted on by Portcullis (it connects to the endpoints the entry"
                    + " declares, in order)");
        }
        return simple;
    }
}
