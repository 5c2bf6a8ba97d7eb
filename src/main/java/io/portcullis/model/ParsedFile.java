package io.portcullis.model;

import java.util.List;

/**
 * What {@link ResourceParser} made of one file: the resources that were read without error, in
 * file order, and every problem found. A resource with an error is left out of {@code resources}.
 */
public record ParsedFile(List<Resource> resources, List<Problem> problems) {
    public ParsedFile {
        resources = List.copyOf(resources);
        problems = List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(Problem::isError);
    }
}
