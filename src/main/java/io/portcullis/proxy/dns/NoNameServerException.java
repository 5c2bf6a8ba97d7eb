package io.portcullis.proxy.dns;

/** The gateway cannot start: it has no name server to ask and no {@code --hosts-file} to answer instead. */
public final class NoNameServerException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NoNameServerException(String message) {
        super(message);
    }
}
