package io.portcullis.policy;

import io.portcullis.model.ResourceId;
import java.util.List;

/**
 * The answer to a {@link CheckQuery}: the verdict the data plane would take ({@link Admission#admit}), which resources
 * made it, and for a refusal the resources that came nearest to allowing it ("declares the host,
 * on another port"), most telling first. For people ({@code portcullis check}), not for the data
 * plane: it is computed on demand and may scan every resource.
 *
 * @param path       how the connection was assumed to arrive, e.g. {@code explicit proxy (CONNECT a:443)}
 * @param matched    the resources that decided an allowed connection (entry, route, gateway, rule)
 * @param nearMisses for a refusal, at most a few resources that almost matched, nearest first
 * @param notes      what the check could not take into account, or other paths to the same port
 * @param callerNamespace the namespace the caller was taken to be in (exportTo, Sidecar); null for none
 */
public record Explanation(String path, Verdict decision, List<Finding> matched, List<Finding> nearMisses,
                          List<String> notes, String callerNamespace) {
    public Explanation(String path, Verdict decision, List<Finding> matched, List<Finding> nearMisses,
                       List<String> notes) {
        this(path, decision, matched, nearMisses, notes, null);
    }

    public Explanation {
        matched = List.copyOf(matched);
        nearMisses = List.copyOf(nearMisses);
        notes = List.copyOf(notes);
    }

    /** One resource and what it has to do with the connection, in one line. */
    public record Finding(ResourceId resource, String detail) {}
}
