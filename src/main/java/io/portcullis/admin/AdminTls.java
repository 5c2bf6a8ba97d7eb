package io.portcullis.admin;

import java.nio.file.Path;

/**
 * The PEM certificate chain and key the admin API serves HTTPS with ({@code --admin-tls-cert},
 * {@code --admin-tls-key}). kubectl sends a bearer token only over TLS, so a token-protected admin
 * API that kubectl should reach needs them.
 */
public record AdminTls(Path certFile, Path keyFile) {
}
