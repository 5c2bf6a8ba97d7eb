package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.identity.SpiffeId;
import io.portcullis.learn.Observation;
import io.portcullis.policy.CheckQuery;
import io.portcullis.policy.Facts;
import io.portcullis.policy.Reason;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IstioPrincipalTest {

    /** Identity, namespace it names ({@code -} for none). */
    private static final String CASES = """
            spiffe://cluster.local/ns/default/sa/sleep, default
            cluster.local/ns/default/sa/sleep,          default
            spiffe://td/ns/x,                           x
            spiffe://td/sa/y/ns/z,                      z
            spiffe://td/team/ns/shop/sa/web/extra/more, shop
            spiffe://ns/ns/inner/sa/a,                  inner
            spiffe://example.org/workload/a,            -
            spiffe://td/nsx/a/sa/b,                     -
            spiffe://td/ns,                             -
            spiffe://td/ns/,                            -
            cluster.local/ns//sa/sleep,                 -
            http://cluster.local/ns/a/sa/b,             -
            https://td/ns/a,                            -
            default,                                    -
            '',                                         -
            """;

    @ParameterizedTest
    @CsvSource(textBlock = CASES)
    void namespaceIsTheSegmentAfterTheFirstNsSegment(String identity, String namespace) {
        assertThat(IstioPrincipal.namespaceOf(identity)).isEqualTo(expected(namespace));
    }

    @ParameterizedTest
    @CsvSource(textBlock = CASES)
    void everyCallerReadsTheNamespaceTheSameWay(String identity, String namespace) {
        Optional<String> want = expected(namespace);
        assertThat(Facts.Peer.of(identity).namespace()).as("the data plane's peer").isEqualTo(want);
        assertThat(Optional.ofNullable(CheckQuery.parse("a.example.com:443", null, identity).callerNamespace()))
                .as("check --from").isEqualTo(want);
        assertThat(Optional.ofNullable(observationFrom(identity).namespace())).as("the learner").isEqualTo(want);
        if (identity.startsWith("spiffe://") && parses(identity)) {
            assertThat(Optional.ofNullable(SpiffeId.parse(identity).namespace())).as("SpiffeId").isEqualTo(want);
        }
    }

    @Test
    void principalIsTheSpiffeIdWithoutItsScheme() {
        assertThat(IstioPrincipal.of("spiffe://cluster.local/ns/a/sa/b").text()).isEqualTo("cluster.local/ns/a/sa/b");
        assertThat(IstioPrincipal.of("cluster.local/ns/a/sa/b").text()).isEqualTo("cluster.local/ns/a/sa/b");
        assertThat(Facts.Peer.of("spiffe://cluster.local/ns/a/sa/b").principal()).isEqualTo("cluster.local/ns/a/sa/b");
    }

    private static Optional<String> expected(String namespace) {
        return namespace.equals("-") ? Optional.empty() : Optional.of(namespace);
    }

    private static Observation observationFrom(String principal) {
        return new Observation(0, "proxy_3128", "a.example.com", null, 443, null, null, principal, "10.0.0.1",
                "10.0.0.2:3128", false, Reason.NO_SERVICE_ENTRY, null, null, true, 0, 0);
    }

    private static boolean parses(String spiffeId) {
        try {
            SpiffeId.parse(spiffeId);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
