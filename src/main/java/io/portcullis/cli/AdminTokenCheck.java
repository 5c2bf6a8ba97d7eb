package io.portcullis.cli;

import io.portcullis.admin.AdminToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Refuses to start an admin endpoint anyone on the network could use: the admin API changes what
 * the gateway lets out, so a bind outside loopback needs a token. A usage error (exit 2), before
 * anything is opened.
 */
final class AdminTokenCheck {
    private AdminTokenCheck() {
    }

    static void check(CommandLine cmd, String adminFlag, InetSocketAddress bind, Path tokenFile) {
        if (tokenFile == null) {
            if (!bind.getAddress().isLoopbackAddress()) {
                throw new ParameterException(cmd, "--admin " + adminFlag + " is not a loopback address: the admin API"
                        + " changes what the gateway allows, so binding it there requires --admin-token-file FILE"
                        + " (clients then send Authorization: Bearer <token>)");
            }
            return;
        }
        try {
            AdminToken.read(tokenFile);
        } catch (IOException e) {
            throw new ParameterException(cmd, "--admin-token-file: " + (e instanceof java.nio.file.NoSuchFileException
                    ? "no such file " + tokenFile : e.getMessage()));
        }
    }
}
