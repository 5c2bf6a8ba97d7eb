package io.portcullis.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * A check an allowed {@link Verdict.Forward} still owes once bytes arrive or names resolve: the
 * verdict was given on what the client announced, and the data plane must hold the client to it.
 * Data, not code: the executor carries each one out (and {@code check} can show them).
 */
public sealed interface OwedCheck {

    /**
     * At the gateway's mutual-TLS listener, where the destination speaks TLS: the app's own
     * ClientHello inside must name {@code announced}, the SNI the sidecar announced and the
     * gateway routed and authorized by (the article's {@code sni_verifier}); else {@code sni_mismatch}.
     */
    record InnerSniEquals(String announced) implements OwedCheck {
    }

    /**
     * At a sidecar, where the entry was found by a name (SNI or Host): that name must stand for
     * {@code original}, the address the app connected to (the spoofing defence); else {@code mismatch}.
     *
     * @param known    the addresses the name stands for when the entry lists them (STATIC
     *                 endpoints); empty to resolve the name
     * @param mismatch {@code sni_mismatch} or {@code host_mismatch}
     */
    record NameResolvesTo(String name, InetAddress original, Optional<List<InetAddress>> known, Reason mismatch)
            implements OwedCheck {
        public NameResolvesTo {
            known = known.map(List::copyOf);
        }
    }

    /**
     * In a CONNECT tunnel on a port that is not opaque TCP: the first bytes' SNI or Host must name
     * the authority (or a host allowed on its own); else {@code sni_mismatch} or {@code host_mismatch}.
     */
    record TunnelNamesAuthority(String host, int port) implements OwedCheck {
    }
}
