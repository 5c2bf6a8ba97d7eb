package io.portcullis.policy;

import io.portcullis.model.LiteralSplit;
import java.util.HashMap;
import java.util.Map;

/**
 * Host name lookup over exact names and {@code *.suffix} wildcards, in a trie of reversed labels,
 * so a lookup costs O(labels in the name) whatever the number of entries.
 *
 * <p>Istio's matching: an exact name wins over any wildcard; among wildcards the longest suffix
 * wins; {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com}, not
 * {@code example.com}. Keys must already be normalised (see {@link HostNames#normalize}).
 * Not thread-safe while being built; safe to share once built and no longer modified.
 *
 * @param <V> the value stored under a pattern
 */
public final class HostTrie<V> {
    private final Node<V> root = new Node<>();
    private int size;

    private static final class Node<V> {
        final Map<String, Node<V>> children = new HashMap<>(4);
        V exact;
        V wildcard;
    }

    /** Stores {@code value} under {@code pattern} unless the pattern is already present; returns the value kept. */
    public V putIfAbsent(String pattern, V value) {
        boolean wildcard = pattern.startsWith("*.");
        String name = wildcard ? pattern.substring(2) : pattern;
        Node<V> node = root;
        String[] labels = LiteralSplit.droppingTrailingEmpty(name, '.');
        for (int i = labels.length - 1; i >= 0; i--) {
            node = node.children.computeIfAbsent(labels[i], k -> new Node<>());
        }
        if (wildcard) {
            if (node.wildcard == null) {
                node.wildcard = value;
                size++;
            }
            return node.wildcard;
        }
        if (node.exact == null) {
            node.exact = value;
            size++;
        }
        return node.exact;
    }

    /** The value of the most specific pattern matching {@code host}, or null. */
    public V match(String host) {
        Node<V> node = root;
        V best = null;
        int end = host.length();
        while (end > 0) {
            int dot = host.lastIndexOf('.', end - 1);
            String label = host.substring(dot + 1, end);
            Node<V> next = node.children.get(label);
            if (next == null) {
                return best;
            }
            node = next;
            if (dot < 0) {
                // The whole name is consumed: an exact entry wins; the wildcard here needs one more label.
                return node.exact != null ? node.exact : best;
            }
            if (node.wildcard != null) {
                best = node.wildcard;
            }
            end = dot;
        }
        return best;
    }

    public int size() {
        return size;
    }
}
