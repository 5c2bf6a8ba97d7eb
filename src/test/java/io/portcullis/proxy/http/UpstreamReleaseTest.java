package io.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The steps both upstream sources share between two exchanges: close unless kept, and read while idle. */
class UpstreamReleaseTest {
    @Test
    void aConnectionNotToBeKeptIsClosed() {
        EmbeddedChannel upstream = new EmbeddedChannel();
        assertThat(UpstreamRelease.detach(upstream, false)).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(UpstreamRelease.usable(upstream)).isFalse();
    }

    @Test
    void aKeptConnectionStaysOpenAndReadsWhileIdle() {
        EmbeddedChannel upstream = new EmbeddedChannel();
        upstream.config().setAutoRead(false);
        assertThat(UpstreamRelease.detach(upstream, true)).isTrue();
        assertThat(upstream.isOpen()).isTrue();
        assertThat(upstream.config().isAutoRead()).isTrue();
        assertThat(UpstreamRelease.usable(upstream)).isTrue();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aConnectionTheServerClosedIsNotKeptEvenWhenAskedTo() {
        EmbeddedChannel upstream = new EmbeddedChannel();
        upstream.close();
        assertThat(UpstreamRelease.detach(upstream, true)).isFalse();
    }
}
