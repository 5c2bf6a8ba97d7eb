package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ResourceId;
import io.portcullis.policy.Reason;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What dry-run AuthorizationPolicies would have done reaches the access line's message, bounded, and the metric. */
class ConnectionLogDryRunTest {
    private static final ResourceId POLICY = new ResourceId("AuthorizationPolicy", "shop", "no-deletes");

    @Test
    void theNoteFollowsARefusalAndIsCountedEachTime() {
        List<String> counted = new ArrayList<>();
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000), null,
                new ConnectionObserver() {
                    @Override
                    public void authzDryRun(String policy, String result) {
                        counted.add(policy + " " + result);
                    }
                }, null);
        log.dryRun(POLICY, "denied", "would deny: denied by " + POLICY + " rules[0]");
        assertThat(log.snapshot().message())
                .isEqualTo("dry-run denied: would deny: denied by AuthorizationPolicy/shop/no-deletes rules[0]");
        log.refused(Reason.AUTHZ_DENIED, "denied by AuthorizationPolicy/shop/strict rules[1]");
        assertThat(log.snapshot().message()).isEqualTo("denied by AuthorizationPolicy/shop/strict rules[1]; dry-run"
                + " denied: would deny: denied by AuthorizationPolicy/shop/no-deletes rules[0]");
        log.dryRun(null, "allowed", "would allow");
        assertThat(counted).containsExactly("AuthorizationPolicy/shop/no-deletes denied", "- allowed");
    }

    @Test
    void aLongTunnelKeepsItsLineBounded() {
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000));
        for (int i = 0; i < 10_000; i++) {
            log.dryRun(POLICY, "denied", "would deny: request " + (i % 3));
        }
        String message = log.snapshot().message();
        assertThat(message.split("; ")).hasSize(3);
        for (int i = 0; i < 10_000; i++) {
            log.dryRun(POLICY, "denied", "would deny: request " + i);
        }
        assertThat(log.snapshot().message().length()).isLessThan(1200);
    }
}
