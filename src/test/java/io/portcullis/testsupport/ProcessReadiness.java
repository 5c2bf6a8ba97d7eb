package io.portcullis.testsupport;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for a server process started by a test to answer its readiness probe. */
final class ProcessReadiness {
    private ProcessReadiness() {
    }

    /**
     * Polls {@code ready} until it answers true; fails as soon as the process exits, or once
     * {@code timeoutMillis} pass without an answer ("no {@code awaited} within …").
     */
    static void await(Process process, String name, long timeoutMillis, long pollMillis, String awaited,
                      BooleanSupplier ready) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue());
            }
            if (ready.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("no " + awaited + " within " + timeoutMillis + " ms");
    }
}
