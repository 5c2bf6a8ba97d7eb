package io.portcullis.sources.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names the file the API writes a new resource to, so that a person finds it with {@code ls}:
 * {@code serviceentry.default.googleapis.yaml} (kind, namespace, name). Kinds and namespaces have
 * no dots, so the name reads back unambiguously. Names too long for a file system (a resource name
 * may have 253 characters) are cut and end in a digest of the whole.
 */
final class ResourceFileNames {
    /** ext4 and most file systems stop at 255 bytes. */
    private static final int MAX_BYTES = 255;
    private static final String SUFFIX = ".yaml";

    private ResourceFileNames() {
    }

    static String of(FolderView.Key key) {
        String base = key.kind().singular() + "." + key.namespace() + "." + key.name().toLowerCase(Locale.ROOT);
        if (bytes(base + SUFFIX) <= MAX_BYTES) {
            return base + SUFFIX;
        }
        String digest = "-" + digest(base);
        return base.substring(0, MAX_BYTES - SUFFIX.length() - digest.length()) + digest + SUFFIX;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
