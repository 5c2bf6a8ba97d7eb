package io.portcullis.sources;

import io.portcullis.model.Problem;
import io.portcullis.model.ResourceSet;
import java.util.List;

/**
 * A whole configuration as loaded, with every problem found in it.
 *
 * @param resources the validated set; {@link ResourceSet#EMPTY} when {@link #hasErrors()}, since a set
 *                  with errors must be rejected whole, never applied in part
 * @param problems  errors and warnings, in file order, then the cross-resource ones
 */
public record LoadResult(ResourceSet resources, List<Problem> problems) {
    public LoadResult {
        problems = List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(Problem::isError);
    }

    public List<Problem> errors() {
        return problems.stream().filter(Problem::isError).toList();
    }

    public List<Problem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }
}
