package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portcullis.model.Problem;
import io.portcullis.model.RawFile;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Coverage-guided fuzzing of configuration loading, seeded with the articles' files: the text as
 * a YAML file and as a JSON file through {@link FolderLoader#fromFiles} (documents, resource
 * parsing, the whole-set validation) and, when valid, compiled into a policy; and
 * {@link RawFile#split}, which the admin API uses to rewrite one resource of a hand-written file.
 * The only documented rejection is a list of problems: an exception, a hang or an OOM is a
 * finding. Splitting keeps every byte: the segments put together are the text.
 */
class ConfigurationFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void configurationFile(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        for (String name : new String[] {"fuzz.yaml", "fuzz.json"}) {
            LoadResult loaded = FolderLoader.fromFiles(Map.of(name, text));
            for (Problem p : loaded.problems()) {
                assertThat(p.reason()).as("every problem says why").isNotBlank();
            }
            if (!loaded.hasErrors()) {
                assertThat(EgressPolicy.compile(loaded.resources(), OutboundPolicy.REGISTRY_ONLY)).isNotNull();
            }
            RawFile raw = RawFile.split(name, text);
            assertThat(raw.text()).as("the segments of %s put together", name).isEqualTo(text);
        }
    }
}
