package io.portcullis.telemetry;

import io.portcullis.model.AddressText;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One address of a {@link ConnectionRecord}, kept as the socket (or the request) gave it and
 * written as text ({@link AddressText}) at most once, by the first thread that asks for it: the
 * access-log writer, not the event loop that froze the record (formatting four addresses per
 * connection there was 2.5-3% of the loop's allocation). The learner reads the record after the
 * writer, handed over through a queue, so it finds the text already written.
 *
 * <p>Thread-safe by the idiom of {@code String.hashCode}: the text is a {@code String}, safe to
 * share without a lock; only two threads asking at the same instant could both write it, equal.
 */
public final class LoggedAddress {
    /** No address: {@code -}, as Envoy writes a field it has no value for. */
    public static final LoggedAddress NONE = new LoggedAddress(null, null, 0, "-");

    private final @Nullable SocketAddress socket;
    private final @Nullable String host;
    private final int port;
    private @Nullable String text;

    private LoggedAddress(@Nullable SocketAddress socket, @Nullable String host, int port, @Nullable String text) {
        this.socket = socket;
        this.host = host;
        this.port = port;
        this.text = text;
    }

    /** A socket's address, e.g. {@code 192.0.2.1:80}, {@code [2001:db8::1]:443}; {@link #NONE} for null. */
    public static LoggedAddress of(@Nullable SocketAddress address) {
        return address == null ? NONE : new LoggedAddress(address, null, 0, null);
    }

    /** A host (name or literal) and port, e.g. {@code books.example:443}; {@link #NONE} for a null host. */
    public static LoggedAddress of(@Nullable String host, int port) {
        return host == null ? NONE : new LoggedAddress(null, host, port, null);
    }

    /** Text already written, as it is: records built from log fields (tools, tests). */
    public static LoggedAddress text(String text) {
        return new LoggedAddress(null, null, 0, text);
    }

    /** The address as the access log writes it; {@code -} for none. */
    public String text() {
        String t = text;
        if (t == null) {
            t = socket != null ? AddressText.of(socket) : AddressText.hostPort(String.valueOf(host), port);
            text = t;
        }
        return t;
    }

    /** Equal when written the same: a record equals another with the same fields, however they were given. */
    @Override
    public boolean equals(Object o) {
        return o instanceof LoggedAddress other && text().equals(other.text());
    }

    @Override
    public int hashCode() {
        return text().hashCode();
    }

    @Override
    public String toString() {
        return text();
    }
}
