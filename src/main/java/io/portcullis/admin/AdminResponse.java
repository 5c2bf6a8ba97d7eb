package io.portcullis.admin;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An admin answer, built on any thread and written by the admin event loop.
 *
 * @param warnings sent as {@code Warning: 299 - "…"} headers, which kubectl-like clients print
 */
// The body is handed to Netty once and never compared or hashed, so the array's identity equality is harmless.
@SuppressWarnings("ArrayRecordComponent")
public record AdminResponse(int status, String contentType, byte[] body, List<String> warnings) {
    public AdminResponse {
        warnings = List.copyOf(warnings);
    }

    public static AdminResponse text(int status, String body) {
        return new AdminResponse(status, "text/plain; charset=utf-8", (body + "\n").getBytes(StandardCharsets.UTF_8),
                List.of());
    }
}
