package io.portcullis.cli;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How a command reaches the running gateway's admin API: {@code --server}, {@code --token-file}. */
final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:PORTCULLIS_SERVER:-http://127.0.0.1:15000}",
            description = "Admin endpoint of the running gateway (env PORTCULLIS_SERVER). Default: ${DEFAULT-VALUE}.")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_TOKEN_FILE}",
            description = "File holding the admin bearer token, when the gateway requires one (env PORTCULLIS_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "Give up waiting for the gateway after this. Default: ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    AdminClient client() {
        URI uri;
        try {
            uri = URI.create(server.endsWith("/") ? server.substring(0, server.length() - 1) : server);
        } catch (IllegalArgumentException e) {
            throw new CliException("error: --server " + server + " is not a URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new CliException("error: --server " + server + " is not an http://HOST:PORT URL");
        }
        return new AdminClient(uri, tokenFile, requestTimeout);
    }
}
