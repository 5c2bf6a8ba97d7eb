package io.portcullis.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Runs an iperf3 client (one TCP stream) and reads the received bytes and rate from its JSON report. */
final class Iperf {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Bytes the receiving side got, over {@code seconds}. */
    record Result(long bytes, double seconds) {
        double gbitPerSecond() {
            return bytes * 8 / seconds / 1e9;
        }
    }

    private Iperf() {
    }

    /** @param reverse false: client to server (upload); true: server to client ({@code -R}) */
    static Result run(int port, int seconds, boolean reverse) {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", "127.0.0.1", "-p", Integer.toString(port),
                "-t", Integer.toString(seconds), "-J"));
        if (reverse) {
            cmd.add("-R");
        }
        String out = Processes.run(seconds + 30L, cmd);
        try {
            JsonNode root = JSON.readTree(out);
            if (root.hasNonNull("error")) {
                throw new IllegalStateException("iperf3: " + root.get("error").asText());
            }
            JsonNode received = root.path("end").path("sum_received");
            return new Result(received.path("bytes").asLong(), received.path("seconds").asDouble());
        } catch (IOException e) {
            throw new UncheckedIOException("iperf3 printed no JSON report:\n" + out, e);
        }
    }
}
