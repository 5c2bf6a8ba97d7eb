package io.portcullis.cli;

/**
 * A command that was understood but failed or was refused: its lines go to stderr as they are,
 * and the command exits 1. (A command that was not understood is picocli's
 * {@code ParameterException}: exit 2.)
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }
}
