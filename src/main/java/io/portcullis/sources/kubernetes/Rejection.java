package io.portcullis.sources.kubernetes;

import io.portcullis.model.Problem;
import java.util.List;
import java.util.stream.Collectors;

/** An object skipped alone because it does not validate, and why (the validator's own messages). */
public record Rejection(ApiObject object, List<Problem> errors) {
    public Rejection {
        errors = List.copyOf(errors);
    }

    /** The reasons without the object's name, which status and Events carry already: {@code spec.hosts[0]: ...}. */
    public String message() {
        return errors.stream().map(p -> (p.field() == null ? "" : p.field() + ": ") + p.reason())
                .collect(Collectors.joining("; "));
    }
}
