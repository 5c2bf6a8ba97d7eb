package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The split without regular expressions keeps {@code String.split}'s results, trailing empties dropped. */
class LiteralSplitTest {
    @ParameterizedTest(name = "\"{0}\" on ''{1}'' gives {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "a.b.c|.|[a, b, c]",
            "a.b.|.|[a, b]",
            "a.b..|.|[a, b]",
            ".|.|[]",
            "...|.|[]",
            "abc|.|[abc]",
            ".a|.|[, a]",
            "a..b|.|[a, , b]",
            "*.example.com|.|[*, example, com]",
            "a,b,|,|[a, b]",
    })
    void splitsOnTheLiteralCharacter(String text, char separator, String expected) {
        assertThat(List.of(LiteralSplit.droppingTrailingEmpty(text, separator))).hasToString(expected);
    }

    @Test
    void anEmptyTextWithoutTheSeparatorIsItsOnlyPart() {
        assertThat(LiteralSplit.droppingTrailingEmpty("", '.')).containsExactly("");
    }

    /** Every short string over a small alphabet, against {@code String.split} with the character quoted. */
    @Test
    void agreesWithStringSplitOnEveryShortString() {
        char[] alphabet = {'a', '.', '|', '*'};
        List<String> texts = new ArrayList<>(List.of(""));
        for (int length = 1; length <= 6; length++) {
            List<String> longer = new ArrayList<>();
            for (String t : texts) {
                if (t.length() == length - 1) {
                    for (char c : alphabet) {
                        longer.add(t + c);
                    }
                }
            }
            texts.addAll(longer);
        }
        for (char separator : new char[] {'.', '|', '*'}) {
            for (String t : texts) {
                String[] regex = t.split(Pattern.quote(String.valueOf(separator)));
                assertThat(LiteralSplit.droppingTrailingEmpty(t, separator)).as("\"%s\" on '%s'", t, separator)
                        .containsExactly(regex);
            }
        }
    }
}
