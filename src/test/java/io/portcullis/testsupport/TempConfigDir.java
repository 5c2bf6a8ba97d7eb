package io.portcullis.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A config folder for tests of the folder watcher: every {@link #write} is atomic (a dot-prefixed
 * {@code .tmp-…} file, fsync, then an atomic rename), so a watcher never sees a half-written file
 * and may ignore dot files. Use with try-with-resources; {@link #create()} deletes the folder on
 * close, {@link #at(Path)} (e.g. a JUnit {@code @TempDir}) leaves cleanup to its owner.
 */
public final class TempConfigDir implements AutoCloseable {

  private final Path path;
  private final boolean owned;

  private TempConfigDir(Path path, boolean owned) {
    this.path = path;
    this.owned = owned;
  }

  public static TempConfigDir create() {
    try {
      return new TempConfigDir(Files.createTempDirectory("portcullis-config-"), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TempConfigDir at(Path dir) {
    try {
      return new TempConfigDir(Files.createDirectories(dir), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path path() {
    return path;
  }

  public Path resolve(String fileName) {
    return path.resolve(fileName);
  }

  /** Atomically creates or replaces {@code fileName} (may contain sub folders); returns its path. */
  public Path write(String fileName, String yaml) {
    Path target = path.resolve(fileName);
    Path dir = target.getParent();
    Path tmp = dir.resolve(".tmp-" + target.getFileName() + "-" + UUID.randomUUID());
    try {
      Files.createDirectories(dir);
      try (FileChannel channel =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(yaml.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      return Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** Deletes {@code fileName}; returns whether it existed. */
  public boolean delete(String fileName) {
    try {
      return Files.deleteIfExists(path.resolve(fileName));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (!owned) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
