package io.portcullis.learn;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The learned candidates on disk, so they survive a restart: one JSON file written whole to a
 * hidden temporary file beside it, fsynced, then renamed over the old one atomically and the
 * folder fsynced, so a crash leaves the old file or the new one, never a torn one.
 */
public final class LearnStateFile {
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path file;

    public LearnStateFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path path() {
        return file;
    }

    /** The candidates saved, or none when there is no file yet. */
    public List<CandidateView> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        JsonNode root = JSON.readTree(bytes);
        if (root == null || root.path("version").asInt() != VERSION || !root.path("candidates").isArray()) {
            throw new IOException(file + ": not a version " + VERSION + " state file of learned candidates");
        }
        return JSON.convertValue(root.get("candidates"), new TypeReference<List<CandidateView>>() { });
    }

    public void write(List<CandidateView> candidates, long savedAt) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION).put("savedAt", savedAt);
        root.set("candidates", JSON.valueToTree(candidates));
        byte[] bytes = JSON.writeValueAsBytes(root);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + tmp + " over " + file + " atomically", e);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
