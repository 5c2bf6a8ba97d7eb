package io.portcullis.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole, validated configuration: every resource of a folder (or any other source), with the
 * file each came from. Immutable.
 */
public record ResourceSet(
        List<ServiceEntry> serviceEntries,
        List<Gateway> gateways,
        List<VirtualService> virtualServices,
        List<DestinationRule> destinationRules,
        Map<ResourceId, String> origins,
        List<AuthorizationPolicy> authorizationPolicies,
        List<TlsSecret> secrets,
        List<Sidecar> sidecars) {

    public static final ResourceSet EMPTY = new ResourceSet(List.of(), List.of(), List.of(), List.of(), Map.of());

    public ResourceSet {
        serviceEntries = List.copyOf(serviceEntries);
        gateways = List.copyOf(gateways);
        virtualServices = List.copyOf(virtualServices);
        destinationRules = List.copyOf(destinationRules);
        origins = Map.copyOf(origins);
        authorizationPolicies = List.copyOf(authorizationPolicies);
        secrets = List.copyOf(secrets);
        sidecars = List.copyOf(sidecars);
    }

    /** A set without Sidecars. */
    public ResourceSet(List<ServiceEntry> serviceEntries, List<Gateway> gateways, List<VirtualService> virtualServices,
                       List<DestinationRule> destinationRules, Map<ResourceId, String> origins,
                       List<AuthorizationPolicy> authorizationPolicies, List<TlsSecret> secrets) {
        this(serviceEntries, gateways, virtualServices, destinationRules, origins, authorizationPolicies, secrets,
                List.of());
    }

    /** A set without Secrets. */
    public ResourceSet(List<ServiceEntry> serviceEntries, List<Gateway> gateways, List<VirtualService> virtualServices,
                       List<DestinationRule> destinationRules, Map<ResourceId, String> origins,
                       List<AuthorizationPolicy> authorizationPolicies) {
        this(serviceEntries, gateways, virtualServices, destinationRules, origins, authorizationPolicies, List.of());
    }

    /** The Secret {@code id} names, when the set has it. */
    public java.util.Optional<TlsSecret> secret(ResourceId id) {
        return secrets.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** A set without AuthorizationPolicies. */
    public ResourceSet(List<ServiceEntry> serviceEntries, List<Gateway> gateways, List<VirtualService> virtualServices,
                       List<DestinationRule> destinationRules, Map<ResourceId, String> origins) {
        this(serviceEntries, gateways, virtualServices, destinationRules, origins, List.of(), List.of());
    }

    /** The file a resource came from, or null. */
    public String origin(ResourceId id) {
        return origins.get(id);
    }

    /** The Istio resources; Secrets are in {@link #secrets()} only, so listings and logs never carry them. */
    public List<Resource> all() {
        List<Resource> all = new ArrayList<>();
        all.addAll(serviceEntries);
        all.addAll(gateways);
        all.addAll(virtualServices);
        all.addAll(destinationRules);
        all.addAll(authorizationPolicies);
        all.addAll(sidecars);
        return all;
    }

    /** Builds a set from resources in the order given (which is kept: it decides precedence). */
    public static ResourceSet of(List<? extends Resource> resources, Map<ResourceId, String> origins) {
        List<ServiceEntry> se = new ArrayList<>();
        List<Gateway> gw = new ArrayList<>();
        List<VirtualService> vs = new ArrayList<>();
        List<DestinationRule> dr = new ArrayList<>();
        List<AuthorizationPolicy> ap = new ArrayList<>();
        List<TlsSecret> secrets = new ArrayList<>();
        List<Sidecar> sc = new ArrayList<>();
        for (Resource r : resources) {
            if (r instanceof ServiceEntry s) {
                se.add(s);
            } else if (r instanceof Gateway g) {
                gw.add(g);
            } else if (r instanceof VirtualService v) {
                vs.add(v);
            } else if (r instanceof DestinationRule d) {
                dr.add(d);
            } else if (r instanceof AuthorizationPolicy a) {
                ap.add(a);
            } else if (r instanceof TlsSecret s) {
                secrets.add(s);
            } else if (r instanceof Sidecar s) {
                sc.add(s);
            }
        }
        return new ResourceSet(se, gw, vs, dr, new LinkedHashMap<>(origins), ap, secrets, sc);
    }
}
