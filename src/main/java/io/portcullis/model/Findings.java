package io.portcullis.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems found while reading one file, each stamped with the file and, once known, the
 * resource being read. Also keeps every {@link Node} opened for the current resource, so that
 * unknown fields are reported even where a mapper forgets to close a node.
 */
final class Findings {
    private final String file;
    private final List<Problem> problems = new ArrayList<>();
    private final List<Node> openNodes = new ArrayList<>();
    private ResourceId resource;
    /** Kept as problems are added: asked twice per resource, so counting would be quadratic in a large file. */
    private int errors;

    Findings(String file) {
        this.file = file;
    }

    /** Starts a new resource: later problems name {@code id} (null while it is not known). */
    void beginResource(ResourceId id) {
        closeNodes();
        resource = id;
    }

    /** Reports the unknown fields of every node opened since the resource began. */
    void endResource() {
        closeNodes();
        resource = null;
    }

    void error(String field, String reason) {
        errors++;
        problems.add(Problem.error(file, resource, emptyToNull(field), reason));
    }

    void warning(String field, String reason) {
        problems.add(Problem.warning(file, resource, emptyToNull(field), reason));
    }

    int errorCount() {
        return errors;
    }

    List<Problem> problems() {
        return List.copyOf(problems);
    }

    void register(Node node) {
        openNodes.add(node);
    }

    private void closeNodes() {
        // Closing may not open nodes, but copy anyway so a future change cannot break the loop.
        List<Node> nodes = List.copyOf(openNodes);
        openNodes.clear();
        nodes.forEach(Node::reportUnknownFields);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
