package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostTrieTest {
    private final HostTrie<String> trie = new HostTrie<>();

    @Test
    void exactNameWinsOverWildcard() {
        trie.putIfAbsent("*.googleapis.com", "wild");
        trie.putIfAbsent("www.googleapis.com", "exact");
        assertThat(trie.match("www.googleapis.com")).isEqualTo("exact");
        assertThat(trie.match("fcm.googleapis.com")).isEqualTo("wild");
    }

    @Test
    void wildcardMatchesDeeperNamesButNotTheSuffixItself() {
        trie.putIfAbsent("*.example.test", "wild");
        assertThat(trie.match("a.b.example.test")).isEqualTo("wild");
        assertThat(trie.match("example.test")).isNull();
        assertThat(trie.match("badexample.test")).isNull();
        assertThat(trie.match("test")).isNull();
    }

    @Test
    void longestWildcardSuffixWins() {
        trie.putIfAbsent("*.com", "com");
        trie.putIfAbsent("*.example.com", "example");
        assertThat(trie.match("a.example.com")).isEqualTo("example");
        assertThat(trie.match("a.other.com")).isEqualTo("com");
    }

    @Test
    void firstPatternStoredWins() {
        assertThat(trie.putIfAbsent("a.test", "first")).isEqualTo("first");
        assertThat(trie.putIfAbsent("a.test", "second")).isEqualTo("first");
        assertThat(trie.match("a.test")).isEqualTo("first");
        assertThat(trie.size()).isEqualTo(1);
    }

    @Test
    void unknownNamesAndEmptyKeysMiss() {
        trie.putIfAbsent("a.test", "x");
        assertThat(trie.match("b.test")).isNull();
        assertThat(trie.match("")).isNull();
        assertThat(trie.match("x.a.test")).isNull();
    }
}
