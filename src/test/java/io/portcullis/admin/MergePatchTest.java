package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The examples of RFC 7386, Appendix A. */
class MergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\":\"b\"}                 | {\"a\":\"c\"}              | {\"a\":\"c\"}",
            "{\"a\":\"b\"}                 | {\"b\":\"c\"}              | {\"a\":\"b\",\"b\":\"c\"}",
            "{\"a\":\"b\"}                 | {\"a\":null}               | {}",
            "{\"a\":\"b\",\"b\":\"c\"}     | {\"a\":null}               | {\"b\":\"c\"}",
            "{\"a\":[\"b\"]}               | {\"a\":\"c\"}              | {\"a\":\"c\"}",
            "{\"a\":\"c\"}                 | {\"a\":[\"b\"]}            | {\"a\":[\"b\"]}",
            "{\"a\":{\"b\":\"c\"}}         | {\"a\":{\"b\":\"d\",\"c\":null}} | {\"a\":{\"b\":\"d\"}}",
            "{\"a\":[{\"b\":\"c\"}]}       | {\"a\":[1]}                | {\"a\":[1]}",
            "[\"a\",\"b\"]                 | [\"c\",\"d\"]              | [\"c\",\"d\"]",
            "{\"a\":\"b\"}                 | [\"c\"]                    | [\"c\"]",
            "{\"a\":\"foo\"}               | null                       | null",
            "{\"a\":\"foo\"}               | \"bar\"                    | \"bar\"",
            "{\"e\":null}                  | {\"a\":1}                  | {\"e\":null,\"a\":1}",
            "[1,2]                         | {\"a\":\"b\",\"c\":null}   | {\"a\":\"b\"}",
            "{}                            | {\"a\":{\"bb\":{\"ccc\":null}}} | {\"a\":{\"bb\":{}}}",
    })
    void appliesTheRfcExamples(String target, String patch, String expected) throws Exception {
        JsonNode original = JSON.readTree(target);
        JsonNode result = MergePatch.apply(original, JSON.readTree(patch));
        assertThat(result).isEqualTo(JSON.readTree(expected));
        assertThat(original).as("the target is not changed").isEqualTo(JSON.readTree(target));
    }
}
