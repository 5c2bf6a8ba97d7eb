package io.portcullis.model;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds the admin API and the command line know, with the names kubectl uses for Istio's
 * CRDs: plural ({@code serviceentries}), singular ({@code serviceentry}) and short names
 * ({@code se}). Knowing a kind here does not mean the validator accepts it: an
 * {@code AuthorizationPolicy} can be listed, and is refused by {@link ResourceParser} until it is
 * enforced. Versions are those a resource of the kind may carry; the first is the preferred one.
 */
public enum ResourceKind {
    SERVICE_ENTRY("ServiceEntry", ResourceParser.NETWORKING, Versions.NETWORKING, "serviceentries", "serviceentry", "se"),
    VIRTUAL_SERVICE("VirtualService", ResourceParser.NETWORKING, Versions.NETWORKING, "virtualservices",
            "virtualservice", "vs"),
    DESTINATION_RULE("DestinationRule", ResourceParser.NETWORKING, Versions.NETWORKING, "destinationrules",
            "destinationrule", "dr"),
    GATEWAY("Gateway", ResourceParser.NETWORKING, Versions.NETWORKING, "gateways", "gateway", "gw"),
    SIDECAR(Sidecar.KIND, ResourceParser.NETWORKING, Versions.NETWORKING, "sidecars", "sidecar"),
    ENVOY_FILTER("EnvoyFilter", ResourceParser.NETWORKING, List.of("v1alpha3"), "envoyfilters", "envoyfilter"),
    AUTHORIZATION_POLICY("AuthorizationPolicy", "security.istio.io", List.of("v1", "v1beta1"),
            "authorizationpolicies", "authorizationpolicy"),
    /** Istio 0.7's {@code config.istio.io/v1alpha2} EgressRule, stored as written and served as a ServiceEntry. */
    EGRESS_RULE(LegacyEgressRuleConverter.KIND, "config.istio.io", List.of("v1alpha2"), "egressrules", "egressrule");

    private final String kind;
    private final String group;
    // List.copyOf / List.of: unmodifiable, which the check cannot see without Guava's ImmutableList.
    @SuppressWarnings("ImmutableEnumChecker")
    private final List<String> versions;
    private final String plural;
    private final String singular;
    // List.of: unmodifiable, which the check cannot see without Guava's ImmutableList.
    @SuppressWarnings("ImmutableEnumChecker")
    private final List<String> shortNames;

    ResourceKind(String kind, String group, List<String> versions, String plural, String singular, String... shortNames) {
        this.kind = kind;
        this.group = group;
        this.versions = List.copyOf(versions);
        this.plural = plural;
        this.singular = singular;
        this.shortNames = List.of(shortNames);
    }

    /** {@code ServiceEntry}, as written in {@code kind:}. */
    public String kind() {
        return kind;
    }

    public String group() {
        return group;
    }

    public List<String> versions() {
        return versions;
    }

    /** {@code networking.istio.io/v1}: the version new resources of this kind are shown with. */
    public String preferredApiVersion() {
        return group + "/" + versions.get(0);
    }

    public String plural() {
        return plural;
    }

    public String singular() {
        return singular;
    }

    public List<String> shortNames() {
        return shortNames;
    }

    /** {@code serviceentry.networking.istio.io}: how kubectl names one object in its output lines. */
    public String qualifiedSingular() {
        return singular + "." + group;
    }

    /** {@code serviceentries.networking.istio.io}: how kubectl names the resource type in errors. */
    public String qualifiedPlural() {
        return plural + "." + group;
    }

    /**
     * The kind a command-line argument names: plural, singular, short name or kind, in any case,
     * optionally followed by {@code .group} ({@code serviceentries.networking.istio.io}).
     */
    public static Optional<ResourceKind> fromArgument(String argument) {
        String a = argument.trim().toLowerCase(Locale.ROOT);
        for (ResourceKind k : values()) {
            String suffix = "." + k.group;
            String bare = a.endsWith(suffix) ? a.substring(0, a.length() - suffix.length()) : a;
            if (bare.equals(k.plural) || bare.equals(k.singular) || k.shortNames.contains(bare)
                    || bare.equals(k.kind.toLowerCase(Locale.ROOT))) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The kind of a resource by its {@code apiVersion} group and {@code kind}, whatever the version. */
    public static Optional<ResourceKind> of(String apiVersion, String kind) {
        if (apiVersion == null || kind == null) {
            return Optional.empty();
        }
        int slash = apiVersion.indexOf('/');
        return ofGroup(slash < 0 ? "" : apiVersion.substring(0, slash), kind);
    }

    /** The kind {@code kind} of API group {@code group}. */
    public static Optional<ResourceKind> ofGroup(String group, String kind) {
        for (ResourceKind k : values()) {
            if (k.kind.equals(kind) && k.group.equals(group)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The kind whose REST path segments are {@code group} and {@code plural}. */
    public static Optional<ResourceKind> ofPath(String group, String plural) {
        for (ResourceKind k : values()) {
            if (k.group.equals(group) && k.plural.equals(plural)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** Every name an argument may use, for help texts and "unknown kind" errors. */
    public static String allNames() {
        StringBuilder sb = new StringBuilder();
        for (ResourceKind k : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(k.plural);
            k.shortNames.forEach(s -> sb.append(" (").append(s).append(')'));
        }
        return sb.toString();
    }

    private static final class Versions {
        static final List<String> NETWORKING = List.of("v1", "v1beta1", "v1alpha3");
    }
}
