package io.portcullis.cli;

import io.portcullis.policy.GatewayLabels;
import io.portcullis.sources.DownwardApiLabels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code --gateway-labels} and {@code --gateway-labels-file} of {@code run}, combined into one label set. */
final class GatewayLabelsOptions {
    private GatewayLabelsOptions() {
    }

    /** Unset when neither is given; a label in both must have the same value. */
    static GatewayLabels resolve(CommandLine cmd, String text, Path file) {
        if (text == null && file == null) {
            return GatewayLabels.unset();
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (file != null) {
            try {
                labels.putAll(DownwardApiLabels.read(file).labels().orElseThrow());
            } catch (IOException e) {
                throw new ParameterException(cmd, "--gateway-labels-file: cannot read " + file + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "--gateway-labels-file: " + e.getMessage());
            }
        }
        if (text != null) {
            try {
                for (Map.Entry<String, String> e : GatewayLabels.parse(text).labels().orElseThrow().entrySet()) {
                    String before = labels.putIfAbsent(e.getKey(), e.getValue());
                    if (before != null && !before.equals(e.getValue())) {
                        throw new ParameterException(cmd, "--gateway-labels: " + e.getKey() + "=" + e.getValue()
                                + " contradicts " + e.getKey() + "=" + before + " in " + file);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "--gateway-labels: " + e.getMessage());
            }
        }
        return GatewayLabels.of(labels);
    }
}
