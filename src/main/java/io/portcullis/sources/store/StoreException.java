package io.portcullis.sources.store;

import io.portcullis.model.Problem;
import java.util.List;

/**
 * A refusal of the {@link FolderStore}: nothing was written. Carries the Kubernetes-style reason
 * the admin API turns into an HTTP status, and for {@link Reason#INVALID} every problem found.
 */
public final class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Kubernetes' {@code Status.reason} values, as kubectl prints them ({@code Error from server (NotFound)}). */
    public enum Reason {
        /** The resources (or the folder they would make) do not validate. */
        INVALID("Invalid"),
        /** A stale resourceVersion, a file edited meanwhile, or a resource the API cannot change alone. */
        CONFLICT("Conflict"),
        ALREADY_EXISTS("AlreadyExists"),
        NOT_FOUND("NotFound"),
        BAD_REQUEST("BadRequest"),
        /** Reading or writing the folder failed. */
        INTERNAL("InternalError");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Reason reason;
    private final transient List<Problem> problems;

    public StoreException(Reason reason, String message) {
        this(reason, message, List.of());
    }

    public StoreException(Reason reason, String message, List<Problem> problems) {
        super(message);
        this.reason = reason;
        this.problems = List.copyOf(problems);
    }

    public Reason reason() {
        return reason;
    }

    /** Errors and warnings, for {@link Reason#INVALID}; empty otherwise. */
    public List<Problem> problems() {
        return problems;
    }
}
