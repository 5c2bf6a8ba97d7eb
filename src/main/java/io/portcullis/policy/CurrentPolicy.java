package io.portcullis.policy;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The live snapshot, swapped atomically by a configuration source and read once per connection
 * by the data plane. A connection keeps the snapshot it started with.
 */
public final class CurrentPolicy {
    private final AtomicReference<EgressPolicy> ref;

    public CurrentPolicy(EgressPolicy initial) {
        this.ref = new AtomicReference<>(initial);
    }

    public EgressPolicy get() {
        return ref.get();
    }

    public void set(EgressPolicy policy) {
        ref.set(policy);
    }
}
