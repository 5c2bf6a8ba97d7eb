package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Objects;

/** Parses YAML fixtures and asserts on their problems. */
final class Fixtures {
    static final String FILE = "test.yaml";

    private Fixtures() {
    }

    static ParsedFile parse(String yaml) {
        return ResourceParser.parse(FILE, yaml);
    }

    /** The one resource of a fixture that must parse without errors. */
    static <T extends Resource> T single(String yaml, Class<T> type) {
        ParsedFile parsed = parse(yaml);
        assertThat(parsed.problems().stream().filter(Problem::isError)).as("errors").isEmpty();
        assertThat(parsed.resources()).hasSize(1);
        return type.cast(parsed.resources().get(0));
    }

    static List<Problem> errors(String yaml) {
        return parse(yaml).problems().stream().filter(Problem::isError).toList();
    }

    static List<Problem> warnings(String yaml) {
        return parse(yaml).problems().stream().filter(p -> !p.isError()).toList();
    }

    /** The fixture has exactly one error, at {@code field}, whose reason contains {@code fragment}; no resource. */
    static Problem onlyError(String yaml, String field, String fragment) {
        ParsedFile parsed = parse(yaml);
        List<Problem> errors = parsed.problems().stream().filter(Problem::isError).toList();
        assertThat(errors).as("errors").hasSize(1);
        Problem p = errors.get(0);
        assertThat(p.field()).as("field of " + p).isEqualTo(field);
        assertThat(p.reason()).as("reason of " + p).contains(fragment);
        assertThat(p.file()).isEqualTo(FILE);
        assertThat(parsed.resources()).as("a resource with an error is left out").isEmpty();
        return p;
    }

    /** The fixture parses without errors and has a warning at {@code field} whose reason contains {@code fragment}. */
    static Problem warning(String yaml, String field, String fragment) {
        ParsedFile parsed = parse(yaml);
        assertThat(parsed.hasErrors()).as("errors: " + parsed.problems()).isFalse();
        return parsed.problems().stream()
                .filter(p -> Objects.equals(field, p.field()) && p.reason().contains(fragment))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no warning at " + field + " containing \"" + fragment
                        + "\" in " + parsed.problems()));
    }
}
