package io.portcullis.model;

import io.portcullis.model.VirtualService.Destination;
import io.portcullis.model.VirtualService.RouteDestination;
import java.util.ArrayList;
import java.util.List;

/** Reads the {@code route} ({@code RouteDestination} list) of a VirtualService tls or tcp route. */
final class RouteReader {
    private RouteReader() {
    }

    static List<RouteDestination> read(Node route) {
        if (route.isEmptyList("route")) {
            route.error("route", "required (at least one destination)");
        }
        List<RouteDestination> out = new ArrayList<>();
        int total = 0;
        for (Node rd : route.children("route", "VirtualService.RouteDestination")) {
            Destination destination = destination(rd);
            Integer weight = rd.integer("weight", 0, 100);
            int w = weight == null ? 0 : weight;
            total += w;
            out.add(new RouteDestination(destination, w));
        }
        if (out.size() > 1 && total != 100) {
            route.error("route", "the weights of several destinations must add up to 100 (they add up to " + total
                    + ")");
        }
        return out;
    }

    private static Destination destination(Node rd) {
        Node d = rd.child("destination", "VirtualService.Destination");
        if (d == null) {
            if (!rd.has("destination")) {
                rd.error("destination", "required");
            }
            return null;
        }
        String host = d.requiredString("host");
        if (host != null) {
            host = HostSyntax.lower(host);
            String problem = HostSyntax.hostProblem(host, false);
            if (problem != null) {
                d.error("host", problem);
            }
        }
        String subset = d.string("subset");
        if (subset != null && !HostSyntax.isLabel(subset)) {
            d.error("subset", "\"" + subset + "\" is not a valid subset name (expected: a DNS-1123 label)");
        }
        int port = 0;
        Node portSelector = d.child("port", "VirtualService.PortSelector");
        if (portSelector != null) {
            if (!portSelector.has("number")) {
                portSelector.error("number", "required");
            }
            port = portSelector.port("number");
        }
        return new Destination(host, subset, port);
    }
}
