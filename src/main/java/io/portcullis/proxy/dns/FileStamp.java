package io.portcullis.proxy.dns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * What a file looks like from outside (size, modification time, inode), following symbolic links:
 * cheap to compare each second, and different after an edit in place, an atomic rename, or a
 * Kubernetes {@code ..data} symlink swap.
 */
record FileStamp(long size, long modifiedNanos, Object fileKey, String error) {
    static FileStamp of(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                    a.fileKey(), null);
        } catch (IOException e) {
            return new FileStamp(-1, -1, null, e.getClass().getSimpleName());
        }
    }

    boolean sameAs(FileStamp other) {
        return other != null && size == other.size && modifiedNanos == other.modifiedNanos
                && Objects.equals(fileKey, other.fileKey) && Objects.equals(error, other.error);
    }
}
