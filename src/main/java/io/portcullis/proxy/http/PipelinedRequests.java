package io.portcullis.proxy.http;

import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;

/**
 * What the client sent that its exchange loop cannot take yet (an upstream still connecting, a
 * response outstanding, pipelined requests behind it), in arrival order. The loop stops reading
 * while anything waits here, so memory stays bounded by one read batch. Owns the messages it holds.
 */
final class PipelinedRequests {
    private final Deque<Object> waiting = new ArrayDeque<>();

    void add(Object msg) {
        waiting.add(msg);
    }

    @Nullable Object next() {
        return waiting.poll();
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Hands everything over in order (to a CONNECT tunnel, whose first bytes they are). */
    Deque<Object> takeAll() {
        Deque<Object> out = new ArrayDeque<>(waiting);
        waiting.clear();
        return out;
    }

    void releaseAll() {
        for (Object m = waiting.poll(); m != null; m = waiting.poll()) {
            ReferenceCountUtil.release(m);
        }
    }
}
