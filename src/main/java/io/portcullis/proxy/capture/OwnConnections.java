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
 */
final class OwnConnections {
    private final Set<SocketAddress> locals = ConcurrentHashMap.newKeySet();

    void register(Channel upstream) {
        SocketAddress local = upstream.localAddress();
        if (local != null && locals.add(local)) {
            upstream.closeFuture().addListener(f -> locals.remove(local));
        }
    }

    boolean isOwn(SocketAddress remote) {
        return remote != null && locals.contains(remote);
    }
}
