package io.portcullis.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextPoolTest {

    @Test
    void equalTextsShareTheFirstCopy() {
        TextPool pool = new TextPool(16);
        String first = new String("api.example.com");
        String second = new String("api.example.com");
        assertThat(second).isNotSameAs(first);

        assertThat(pool.canonical(first)).isSameAs(first);
        assertThat(pool.canonical(second)).isSameAs(first);
        assertThat(pool.canonical(null)).isNull();
    }

    @Test
    void aFloodOfDistinctTextsNeverHoldsMoreThanTheLimit() {
        TextPool pool = new TextPool(100);
        for (int i = 0; i < 10_000; i++) {
            String text = "host-" + i + ".example.com";
            assertThat(pool.canonical(text)).isEqualTo(text);
            assertThat(pool.size()).isLessThanOrEqualTo(100);
        }
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new TextPool(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit: 0");
    }
}
