package io.portcullis.model;

/**
 * One validation finding, in the single form every error takes:
 * {@code file: Kind/namespace/name spec.addresses[0]: "10.0.0.0/33" is not a CIDR (expected: prefix 0-32)}.
 *
 * @param file     the file (or other source) the resource came from; null when unknown
 * @param resource null when the problem precedes knowing the resource (e.g. malformed YAML)
 * @param field    the field path, e.g. {@code spec.servers[0].addresses}; null for the whole resource
 */
public record Problem(Severity severity, String file, ResourceId resource, String field, String reason) {
    public enum Severity { ERROR, WARNING }

    public static Problem error(String file, ResourceId resource, String field, String reason) {
        return new Problem(Severity.ERROR, file, resource, field, reason);
    }

    public static Problem warning(String file, ResourceId resource, String field, String reason) {
        return new Problem(Severity.WARNING, file, resource, field, reason);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        if (resource != null) {
            sb.append(resource);
            sb.append(field != null ? " " + field : "").append(": ");
        } else if (field != null) {
            sb.append(field).append(": ");
        }
        return sb.append(reason).toString();
    }
}
