package io.portcullis.proxy.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointBalancerTest {
    private static final Candidate A = endpoint(8081);
    private static final Candidate B = endpoint(8082);
    private static final Candidate C = endpoint(8083);
    private static final List<Candidate> ALL = List.of(A, B, C);

    private static Candidate endpoint(int port) {
        return Candidate.ofAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static UpstreamSettings settings(String balancer, Optional<OutlierDetection> od) {
        return new UpstreamSettings("api.example.test:80", new ResourceId("DestinationRule", "default", "api"),
                Optional.empty(), Optional.empty(), Optional.ofNullable(balancer), od);
    }

    @Test
    void roundRobinStartsAtTheNextEndpointEachTime() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings("ROUND_ROBIN", Optional.empty());
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
        assertThat(b.order(ALL, s)).containsExactly(C, A, B);
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
    }

    @Test
    void withoutABalancerTheDeclaredOrderStays() {
        EndpointBalancer b = new EndpointBalancer();
        assertThat(b.order(ALL, settings(null, Optional.empty()))).containsExactly(A, B, C);
        assertThat(b.order(ALL, settings(null, Optional.empty()))).containsExactly(A, B, C);
    }

    @Test
    void randomStartsEverywhereSometimes() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings("RANDOM", Optional.empty());
        Set<Candidate> firsts = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            List<Candidate> order = b.order(ALL, s);
            assertThat(order).containsExactlyInAnyOrder(A, B, C);
            firsts.add(order.get(0));
        }
        assertThat(firsts).containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void leastRequestPrefersTheEndpointWithFewestOpenConnections() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings("LEAST_REQUEST", Optional.empty());
        EmbeddedChannel toA = new EmbeddedChannel();
        EmbeddedChannel toB = new EmbeddedChannel();
        b.connected(s, A, toA);
        b.connected(s, B, toB);
        assertThat(b.order(ALL, s).get(0)).isEqualTo(C);
        EmbeddedChannel toC = new EmbeddedChannel();
        b.connected(s, C, toC);
        toB.close();
        // Round robin would start at A or B by turn; B has no open connection left.
        assertThat(b.order(ALL, s).get(0)).isEqualTo(B);
        toA.close();
        toC.close();
    }

    @Test
    void consecutiveConnectFailuresEjectAnEndpointToTheEndWithinTheEjectionLimit() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(2, Duration.ofMinutes(5), 50)));
        b.failed(s, A, 3);
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
        b.failed(s, A, 3);
        assertThat(b.ejected(s, A)).isTrue();
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
        // 50 % of three endpoints is one: B stays in while A is out.
        b.failed(s, B, 3);
        b.failed(s, B, 3);
        assertThat(b.ejected(s, B)).isFalse();
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
    }

    @Test
    void aSuccessEndsTheStreak() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(2, Duration.ofMinutes(5), 100)));
        b.failed(s, A, 3);
        EmbeddedChannel ch = new EmbeddedChannel();
        b.connected(s, A, ch);
        b.failed(s, A, 3);
        assertThat(b.ejected(s, A)).isFalse();
        ch.close();
    }
}
