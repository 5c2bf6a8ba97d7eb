package io.portcullis.policy;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.ResourceId;
import java.net.InetAddress;
import java.util.List;

/**
 * The sidecar's lookup on one captured connection: refused with a reason, or where to send it and
 * how. Internal to {@link Admission}, which answers it as a {@link Verdict} like every other.
 *
 * @param binding        the ServiceEntry port that allowed it; null when undeclared or refused
 * @param upstream       where to connect (the original destination, the entry's endpoints, the
 *                       egress gateway, or another host a route names); null when refused
 * @param tls            client TLS for the upstream connection ({@code ISTIO_MUTUAL} to the gateway);
 *                       null for plain TCP
 * @param tlsSni         the SNI to announce on that TLS: the app's own SNI when it sent one (the
 *                       article's forward_downstream_sni), else the DestinationRule's {@code sni}
 * @param route          the VirtualService whose mesh route decided; null without one
 * @param viaGateway     whether the route sends the connection to another, mesh-internal host
 *                       (the egress gateway) rather than straight out
 * @param checkName      the host the SNI or Host named, which must resolve to the original
 *                       destination address (spoofing defence); null when matched by address
 * @param checkAddresses the addresses {@code checkName} stands for when the entry lists them
 *                       (STATIC endpoints); null to resolve the name
 * @param mismatch       the reason of a failed check: {@code sni_mismatch} or {@code host_mismatch}
 * @param routedTo       the mesh route's destination when it names another host than the entry's; null otherwise
 */
record SidecarDecision(Reason reason, PortBinding binding, String message, UpstreamTarget upstream,
                              ClientTls tls, String tlsSni, ResourceId route, boolean viaGateway, String checkName,
                              List<InetAddress> checkAddresses, Reason mismatch, RoutedDestination routedTo) {

    SidecarDecision(Reason reason, PortBinding binding, String message, UpstreamTarget upstream, ClientTls tls,
                    String tlsSni, ResourceId route, boolean viaGateway, String checkName,
                    List<InetAddress> checkAddresses, Reason mismatch) {
        this(reason, binding, message, upstream, tls, tlsSni, route, viaGateway, checkName, checkAddresses, mismatch,
                null);
    }

    static SidecarDecision deny(Reason reason, String message) {
        return new SidecarDecision(reason, null, message, null, null, null, null, false, null, null, null);
    }

    /** The same decision, sent by its mesh route to {@code destination}. */
    SidecarDecision routed(RoutedDestination destination) {
        return new SidecarDecision(reason, binding, message, upstream, tls, tlsSni, route, viaGateway, checkName,
                checkAddresses, mismatch, destination);
    }

    boolean allowed() {
        return reason.allows();
    }

    /** The ServiceEntry that allowed it, or null. */
    ResourceId resource() {
        return binding == null ? null : binding.entry().id();
    }
}
