package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.learn.Observation;

/** One connection as the live view shows it. */
final class FlowJson {
    private FlowJson() {
    }

    static ObjectNode of(Observation o) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("at", o.at()).put("listener", o.listener()).put("destination", o.destination()).put("port", o.port())
                .put("protocol", o.protocol().name()).put("caller", o.caller())
                .put("verdict", o.allowed() ? "allowed" : "denied").put("reason", o.reason().code())
                .put("message", o.message()).put("resource", o.resource())
                .put("bytes", o.bytesReceived() + o.bytesSent());
        return n;
    }
}
