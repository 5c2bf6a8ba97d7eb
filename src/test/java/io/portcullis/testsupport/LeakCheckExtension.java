package io.portcullis.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (at {@code paranoid} in the build) reported a
 * buffer that was never released. Registered for every test class by service loading.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        // Leaks are reported when a leaked buffer has been collected and the detector next runs.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
        }
        List<String> leaks = new ArrayList<>(LeakRecorder.LEAKS);
        LeakRecorder.LEAKS.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " buffer leak(s) during "
                    + context.getDisplayName() + ":\n" + String.join("\n", leaks));
        }
    }
}
