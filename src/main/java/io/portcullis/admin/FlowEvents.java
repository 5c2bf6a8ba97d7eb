package io.portcullis.admin;

import io.portcullis.learn.Learner;
import io.portcullis.learn.Observation;
import io.portcullis.model.ObjectText;
import java.util.function.Consumer;

/** {@code GET /ui/events}: every decided connection as a server-sent event {@code flow}, as it is learned. */
final class FlowEvents implements EventStream {
    private final Learner learner;

    FlowEvents(Learner learner) {
        this.learner = learner;
    }

    @Override
    public boolean serves(String path) {
        return path.equals("/ui/events");
    }

    @Override
    public AutoCloseable open(AdminRequest request, Consumer<String> sink) {
        Consumer<Observation> listener = o -> sink.accept("event: flow\ndata: " + ObjectText.json(FlowJson.of(o))
                .replace("\n", "") + "\n\n");
        learner.subscribe(listener);
        return () -> learner.unsubscribe(listener);
    }
}
