package io.portcullis.policy;

import io.portcullis.model.IstioPrincipal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What a listener saw of one connection, or of one HTTP request on it, before anything was
 * decided: the whole input of {@link Admission#admit}. Listeners gather facts and never decide;
 * the same facts always get the same verdict from the same configuration, which is what lets
 * {@code check} and {@code diff} answer for a connection without one. Immutable.
 *
 * @param kind                the kind of listener
 * @param listener            the Gateway listener's spec; empty on the explicit proxy and the capture port
 * @param port                the port the listener serves
 * @param peer                the caller's authenticated identity (mutual TLS); empty without one
 * @param local               the listener's address the client connected to
 * @param remote              the client's address
 * @param originalDestination where a captured connection was going before iptables redirected it
 * @param authority           the CONNECT authority or the absolute-form request target
 * @param sni                 the TLS ClientHello's SNI (for mutual TLS: the one the sidecar announced)
 * @param host                the Host header (Gateway server) or the Host of a captured request
 * @param http                the request's method, path and headers, where HTTP was parsed
 * @param namespace           the namespace whose exportTo and Sidecar scope the caller when it is known
 *                            without an identity ({@code check --from-namespace}); else the peer's
 * @param routedTo            for an HTTP request a VirtualService http route took (a Gateway server's, the
 *                            explicit proxy's, a sidecar's): where the route sends it, which is decided
 *                            ({@link RoutedDestination} says how for each); empty when no route took it
 */
public record Facts(ListenerKind kind, Optional<ListenerSpec> listener, int port, Optional<Peer> peer,
                    Optional<InetSocketAddress> local, Optional<InetSocketAddress> remote,
                    Optional<InetSocketAddress> originalDestination, Optional<HostPort> authority,
                    Optional<String> sni, Optional<HostPort> host, Optional<Http> http,
                    Optional<String> namespace, Optional<RoutedDestination> routedTo) {

    public Facts {
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * The namespace the caller is scoped to (exportTo, Sidecar): the one given, else its identity's;
     * empty when neither is known (the policy's own namespace applies then).
     */
    public Optional<String> callerNamespace() {
        return namespace.or(() -> peer.flatMap(Peer::namespace));
    }

    /**
     * A caller known by its certificate.
     *
     * @param principal Istio's form, without {@code spiffe://}: {@code cluster.local/ns/default/sa/sleep}
     */
    public record Peer(String principal, Optional<String> namespace) {
        /** From a SPIFFE ID or Istio's principal form; the namespace is read from its {@code /ns/NAME} segment. */
        public static Peer of(String principalOrSpiffeId) {
            IstioPrincipal p = IstioPrincipal.of(principalOrSpiffeId);
            return new Peer(p.text(), p.namespace());
        }
    }

    /** An HTTP request head: method, path (without query) and headers. */
    public record Http(String method, String path, RequestHeaders headers) {
    }

    /** Starts the facts of a connection accepted by a listener of {@code kind} on {@code port}. */
    public static Builder of(ListenerKind kind, int port) {
        return new Builder(kind, port);
    }

    /** A copy with another kind, listener spec and port kept: e.g. the HTTP inside a CONNECT tunnel. */
    public Builder toBuilder() {
        Builder b = new Builder(kind, port);
        b.listener = listener;
        b.peer = peer;
        b.local = local;
        b.remote = remote;
        b.originalDestination = originalDestination;
        b.authority = authority;
        b.sni = sni;
        b.host = host;
        b.http = http;
        b.namespace = namespace;
        b.routedTo = routedTo;
        return b;
    }

    /** Fills facts in as a listener learns them; absent ones stay empty. */
    public static final class Builder {
        private final ListenerKind kind;
        private final int port;
        private Optional<ListenerSpec> listener = Optional.empty();
        private Optional<Peer> peer = Optional.empty();
        private Optional<InetSocketAddress> local = Optional.empty();
        private Optional<InetSocketAddress> remote = Optional.empty();
        private Optional<InetSocketAddress> originalDestination = Optional.empty();
        private Optional<HostPort> authority = Optional.empty();
        private Optional<String> sni = Optional.empty();
        private Optional<HostPort> host = Optional.empty();
        private Optional<Http> http = Optional.empty();
        private Optional<String> namespace = Optional.empty();
        private Optional<RoutedDestination> routedTo = Optional.empty();

        private Builder(ListenerKind kind, int port) {
            this.kind = kind;
            this.port = port;
        }

        public Builder listener(ListenerSpec spec) {
            this.listener = Optional.of(spec);
            return this;
        }

        /** The caller's identity: a SPIFFE ID or Istio's principal form; null for none. */
        public Builder peer(String principal) {
            this.peer = Optional.ofNullable(principal).map(Peer::of);
            return this;
        }

        /** Non-IP addresses (an in-memory channel's) are left out. */
        public Builder local(SocketAddress address) {
            this.local = inet(address);
            return this;
        }

        public Builder remote(SocketAddress address) {
            this.remote = inet(address);
            return this;
        }

        public Builder originalDestination(InetSocketAddress address) {
            this.originalDestination = Optional.of(address);
            return this;
        }

        public Builder authority(HostPort authority) {
            this.authority = Optional.of(authority);
            return this;
        }

        /** The ClientHello's SNI; null when it had none. */
        public Builder sni(String sni) {
            this.sni = Optional.ofNullable(sni);
            return this;
        }

        /** The request's Host; null when it named none. */
        public Builder host(HostPort host) {
            this.host = Optional.ofNullable(host);
            return this;
        }

        public Builder http(String method, String path, RequestHeaders headers) {
            this.http = Optional.of(new Http(method, path, headers));
            return this;
        }

        /** The caller's namespace when known without its identity ({@code check --from-namespace}); null for none. */
        public Builder namespace(String namespace) {
            this.namespace = Optional.ofNullable(namespace);
            return this;
        }

        /** Where the VirtualService http route that took the request sends it. */
        public Builder routedTo(RoutedDestination destination) {
            this.routedTo = Optional.of(destination);
            return this;
        }

        public Facts build() {
            return new Facts(kind, listener, port, peer, local, remote, originalDestination, authority, sni, host, http,
                    namespace, routedTo);
        }

        private static Optional<InetSocketAddress> inet(SocketAddress a) {
            return a instanceof InetSocketAddress i ? Optional.of(i) : Optional.empty();
        }
    }
}
