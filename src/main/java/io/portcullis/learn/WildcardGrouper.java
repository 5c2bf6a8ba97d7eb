package io.portcullis.learn;

import com.google.common.net.InternetDomainName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Folds several names under one parent domain into a {@code *.parent} wildcard, with the public
 * suffix list (Guava's {@link InternetDomainName}) deciding what may be a parent: never a suffix
 * a registry sells names under ({@code *.com}, {@code *.co.uk}), never a single label
 * ({@code *.internal}); a suffix a company runs for its customers may be
 * ({@code *.s3.amazonaws.com}: the buckets of S3). Names are grouped by their immediate parent
 * (the name without its first label), which is what a wildcard says with the least reach.
 */
public final class WildcardGrouper {
    /** A wildcard and the names it stands for; or one name ({@code names} of one, not a wildcard). */
    public record Group(String host, Set<String> names) {
        public boolean isWildcard() {
            return host.startsWith("*.");
        }
    }

    private final int minNames;

    /** @param minNames distinct names under one parent before they become a wildcard */
    public WildcardGrouper(int minNames) {
        if (minNames < 2) {
            throw new IllegalArgumentException("minNames: " + minNames + " (expected: >= 2)");
        }
        this.minNames = minNames;
    }

    public List<Group> group(Set<String> names) {
        Map<String, Set<String>> byParent = new TreeMap<>();
        List<Group> out = new ArrayList<>();
        for (String name : new TreeSet<>(names)) {
            Optional<String> parent = wildcardParent(name);
            if (parent.isPresent()) {
                byParent.computeIfAbsent(parent.get(), p -> new TreeSet<>()).add(name);
            } else {
                out.add(new Group(name, Set.of(name)));
            }
        }
        byParent.forEach((parent, members) -> {
            if (members.size() >= minNames) {
                out.add(new Group("*." + parent, members));
            } else {
                members.forEach(n -> out.add(new Group(n, Set.of(n))));
            }
        });
        out.sort((a, b) -> a.host().replace("*.", "").compareTo(b.host().replace("*.", "")));
        return out;
    }

    /** The parent a wildcard over {@code name} could name, when the public suffix list allows one. */
    public static Optional<String> wildcardParent(String name) {
        int dot = name.indexOf('.');
        if (dot < 0 || name.startsWith("*.")) {
            return Optional.empty();
        }
        String parent = name.substring(dot + 1);
        return mayBeWildcarded(parent) ? Optional.of(parent) : Optional.empty();
    }

    /**
     * Whether {@code *.domain} is acceptable: at least two labels, under a registry suffix, and not one
     * itself. Unknown top-level names ({@code .internal}, {@code .test}) are not under a registry suffix.
     */
    public static boolean mayBeWildcarded(String domain) {
        if (!InternetDomainName.isValid(domain)) {
            return false;
        }
        InternetDomainName d = InternetDomainName.from(domain);
        return d.parts().size() >= 2 && !d.isRegistrySuffix() && d.isUnderRegistrySuffix();
    }
}
