package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.portcullis.proxy.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The gateway runs on io_uring where the kernel has it and falls back to epoll where it has not:
 * the end-to-end classes most tied to the transport (CONNECT and forwarding, SNI and TCP
 * listeners, a request sent with an immediate half-close, CONNECT tunnels at their edges) run
 * again here with epoll forced, so the fallback stays as tested as the default. Test classes run
 * one at a time in this JVM, so the property is this class's alone while it runs.
 */
class EpollTransportEndToEndTest {

    @BeforeAll
    static void forceEpoll() {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        System.setProperty(Transport.PROPERTY, "epoll");
    }

    @AfterAll
    static void restore() {
        System.clearProperty(Transport.PROPERTY);
    }

    @Test
    void theGatewayRunsOnEpollWhenAskedAndOnIoUringOtherwise() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            assertThat(g.gateway.transportName()).isEqualTo("epoll");
        }
        System.clearProperty(Transport.PROPERTY);
        try (RunningGateway g = RunningGateway.start()) {
            assertThat(g.gateway.transportName()).isEqualTo(IoUring.isAvailable() ? "io_uring" : "epoll");
        } finally {
            System.setProperty(Transport.PROPERTY, "epoll");
        }
    }

    @Nested
    class ExplicitProxy extends ExplicitProxyEndToEndTest {
    }

    @Nested
    class GatewayListeners extends GatewayListenersEndToEndTest {
    }

    @Nested
    class ImmediateHalfClose extends ImmediateHalfCloseEndToEndTest {
    }

    @Nested
    class ConnectTunnelEdges extends ConnectTunnelEdgesEndToEndTest {
    }

    @Nested
    class IncompleteClientHello extends IncompleteClientHelloEndToEndTest {
    }
}
