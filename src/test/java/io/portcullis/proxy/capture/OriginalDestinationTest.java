package io.portcullis.proxy.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The sockaddr layouts the kernel answers SO_ORIGINAL_DST with (the live path runs in the netns tests). */
class OriginalDestinationTest {
    @Test
    void readsSockaddrIn() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) 2);
        b.put(2, (byte) 0x18).put(3, (byte) 0xeb); // 6379, network order
        b.put(4, (byte) 10).put(5, (byte) 237).put(6, (byte) 7).put(7, (byte) 1);
        assertThat(OriginalDestination.parse(b)).isEqualTo(new InetSocketAddress("10.237.7.1", 6379));
    }

    @Test
    void readsSockaddrIn6() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) 10);
        b.put(2, (byte) 0x01).put(3, (byte) 0xbb); // 443
        byte[] addr = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        for (int i = 0; i < 16; i++) {
            b.put(8 + i, addr[i]);
        }
        assertThat(OriginalDestination.parse(b)).isEqualTo(new InetSocketAddress("2001:db8::1", 443));
    }

    @Test
    void refusesAnotherFamily() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putShort(0, (short) 1);
        assertThatThrownBy(() -> OriginalDestination.parse(b)).hasMessageContaining("address family 1");
    }
}
