package io.portcullis.policy;

import io.portcullis.model.Cidr;

/**
 * Longest-prefix match over IPv4 and IPv6 prefixes: a binary trie walked bit by bit, so a lookup
 * costs at most 32 (IPv4) or 128 (IPv6) steps whatever the number of prefixes.
 * Not thread-safe while being built; safe to share once built.
 *
 * @param <V> the value stored under a prefix
 */
public final class AddressTrie<V> {
    private final Node<V> v4 = new Node<>();
    private final Node<V> v6 = new Node<>();

    private static final class Node<V> {
        @SuppressWarnings("unchecked")
        final Node<V>[] children = (Node<V>[]) new Node<?>[2];
        V value;
    }

    /**
     * Stores {@code value} under {@code cidr} unless already present; returns the value kept. A
     * mapped prefix of /96 or longer is stored under the IPv4 range it denotes too
     * ({@link Cidr#ipv4Equivalent}).
     */
    public V putIfAbsent(Cidr cidr, V value) {
        V kept = put(cidr, value);
        cidr.ipv4Equivalent().ifPresent(v4 -> put(v4, value));
        return kept;
    }

    private V put(Cidr cidr, V value) {
        byte[] net = cidr.network();
        Node<V> node = net.length == 4 ? v4 : v6;
        for (int i = 0; i < cidr.prefixLength(); i++) {
            int bit = bit(net, i);
            if (node.children[bit] == null) {
                node.children[bit] = new Node<>();
            }
            node = node.children[bit];
        }
        if (node.value == null) {
            node.value = value;
        }
        return node.value;
    }

    /** The value of the longest prefix containing {@code address} (4 or 16 bytes), or null. */
    public V match(byte[] address) {
        Node<V> node = address.length == 4 ? v4 : v6;
        V best = node.value;
        for (int i = 0; i < address.length * 8; i++) {
            node = node.children[bit(address, i)];
            if (node == null) {
                break;
            }
            if (node.value != null) {
                best = node.value;
            }
        }
        return best;
    }

    private static int bit(byte[] bytes, int i) {
        return (bytes[i >> 3] >> (7 - (i & 7))) & 1;
    }
}
