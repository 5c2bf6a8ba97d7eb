package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local addresses of the sidecar's own upstream connections. When one of them arrives on the
 * capture port, iptables captured the sidecar itself (it does not run as the excluded user or
 * group) and following it would loop forever; the capture handler refuses it with
 * {@code capture_loop}. Thread-safe.
 *
 * <p>Connections still connecting count too: the looped connection can be accepted in the same
 * batch of events as its own connect's completion, and before it.
 */
final class OwnConnections {
    private final Set<SocketAddress> locals = ConcurrentHashMap.newKeySet();
    private final Set<Channel> connecting = ConcurrentHashMap.newKeySet();

    /** An upstream channel whose connect is under way. */
    void connecting(Channel upstream) {
        if (connecting.add(upstream)) {
            upstream.closeFuture().addListener(f -> connecting.remove(upstream));
        }
    }

    /** An upstream channel that is connected. */
    void register(Channel upstream) {
        SocketAddress local = upstream.localAddress();
        if (local != null && locals.add(local)) {
            upstream.closeFuture().addListener(f -> locals.remove(local));
        }
        connecting.remove(upstream);
    }

    boolean isOwn(SocketAddress remote) {
        if (remote == null) {
            return false;
        }
        if (locals.contains(remote)) {
            return true;
        }
        // Bound by the time its looped connection can be accepted: connect(2) picks the local port.
        for (Channel ch : connecting) {
            if (remote.equals(ch.localAddress())) {
                return true;
            }
        }
        return false;
    }
}
