package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;

/** Prints what the gateway said, as kubectl does: {@code Error from server (NotFound): …}, warnings first. */
final class ServerErrors {
    private ServerErrors() {
    }

    /** The refusal as a {@link CliException}: every problem on its own line, then the server's message. */
    static CliException refusal(AdminClient.Response r) {
        JsonNode b = r.body();
        StringBuilder sb = new StringBuilder();
        List<String> errors = new java.util.ArrayList<>();
        for (JsonNode p : b.path("problems")) {
            if ("error".equals(p.path("severity").asText())) {
                errors.add(p.path("message").asText());
            }
            sb.append("error".equals(p.path("severity").asText()) ? "error: " : "Warning: ")
                    .append(p.path("message").asText()).append('\n');
        }
        String reason = b.path("reason").asText(defaultReason(r.status()));
        // The server repeats the errors at the end of its message for kubectl; they are printed above.
        String message = b.path("message").asText();
        String repeated = ": " + String.join("; ", errors);
        if (!errors.isEmpty() && message.endsWith(repeated)) {
            message = message.substring(0, message.length() - repeated.length());
        }
        sb.append("Error from server (").append(reason).append("): ").append(message);
        if (r.status() == 401 || r.status() == 403) {
            sb.append("\n(the gateway requires the token of its --admin-token-file: pass --token-file FILE)");
        }
        return new CliException(sb.toString());
    }

    static void warnings(PrintWriter err, List<String> warnings) {
        warnings.forEach(w -> err.println("Warning: " + w));
    }

    /** Prints the problems of an apply result (warnings only, since it succeeded). */
    static void problems(PrintWriter err, JsonNode problems) {
        for (JsonNode p : problems) {
            err.println(("error".equals(p.path("severity").asText()) ? "error: " : "Warning: ") + p.path("message").asText());
        }
    }

    private static String defaultReason(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 409 -> "Conflict";
            case 413 -> "RequestEntityTooLarge";
            case 422 -> "Invalid";
            default -> "HTTP " + status;
        };
    }
}
