package io.portcullis.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own listening sockets (explicit proxy, Gateway servers, admin, capture), so that
 * no upstream connection goes to one of them: a gateway tunnelled into itself chains without end,
 * and its clients would seem to come from its own address to AuthorizationPolicy source rules.
 * (Smokescreen refuses the same.) An upstream address is one of them when its port is a
 * listener's and its address is the listener's bound address, or, for a listener bound to a
 * wildcard address, any address of this host: loopback, the unspecified address (which the kernel
 * connects to loopback), or an address of one of its network interfaces.
 *
 * <p>Thread-safe: listeners are added and removed by the threads that bind them; the event loops
 * ask {@link #describe}, which never blocks (the interface addresses are read at registration and
 * every {@link #REFRESH_SECONDS} s on a daemon thread of their own).
 */
public final class OwnListeners implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnListeners.class);
    static final long REFRESH_SECONDS = 30;

    private final Map<InetSocketAddress, String> listeners = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "own-addresses");
        t.setDaemon(true);
        return t;
    });
    private volatile Set<InetAddress> localAddresses = Set.of();

    public OwnListeners() {
        refreshLocalAddresses();
        // refreshLocalAddresses catches its own failures, so the periodic task never ends early.
        ScheduledFuture<?> unused = refresh.scheduleWithFixedDelay(
                this::refreshLocalAddresses, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /** Records a bound listener; {@code what} names it in refusals ("explicit proxy", "admin"…). Not on an event loop. */
    public void add(InetSocketAddress bound, String what) {
        listeners.put(bound, what);
        refreshLocalAddresses();
    }

    public void remove(InetSocketAddress bound) {
        listeners.remove(bound);
    }

    /** The listener {@code target} would reach, described for a refusal, if it is one of ours. */
    public Optional<String> describe(InetSocketAddress target) {
        InetAddress ip = unmapped(target.getAddress());
        for (Map.Entry<InetSocketAddress, String> e : listeners.entrySet()) {
            InetSocketAddress l = e.getKey();
            if (l.getPort() == target.getPort() && reaches(ip, l.getAddress())) {
                return Optional.of(e.getValue() + " on " + UpstreamConnector.format(l));
            }
        }
        return Optional.empty();
    }

    private boolean reaches(InetAddress target, InetAddress bound) {
        if (bound.isAnyLocalAddress()) {
            // A wildcard bind (dual-stack for ::) takes connections to every address of the host.
            return isLocal(target);
        }
        if (target.isAnyLocalAddress()) {
            // Connecting to 0.0.0.0 or :: reaches the loopback address of that family.
            return bound.isLoopbackAddress() && bound.getClass() == target.getClass();
        }
        return target.equals(unmapped(bound));
    }

    private boolean isLocal(InetAddress ip) {
        return ip.isAnyLocalAddress() || ip.isLoopbackAddress() || localAddresses.contains(ip);
    }

    /** {@code ::ffff:a.b.c.d} reaches a.b.c.d: compare it as the IPv4 address it is. */
    private static InetAddress unmapped(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (ip instanceof Inet6Address && Arrays.equals(Arrays.copyOf(b, 12),
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff})) {
            try {
                return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are an IPv4 address", e);
            }
        }
        return ip;
    }

    private void refreshLocalAddresses() {
        try {
            Set<InetAddress> found = new HashSet<>();
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    found.add(a);
                }
            }
            localAddresses = Set.copyOf(found);
        } catch (SocketException | RuntimeException e) {
            // Keep the last list; loopback and the bound addresses themselves are still recognised.
            LOG.warn("cannot list this host's interface addresses: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        refresh.shutdownNow();
    }
}
