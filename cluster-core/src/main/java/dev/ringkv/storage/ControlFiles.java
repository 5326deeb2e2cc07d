package dev.ringkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small named records of a node's control state (DESIGN §8: the ECS's ring, the election's term and vote),
 * kept beside the data in {@code <data dir>/control/}, one file each. A save is durable when it returns
 * (written to a temporary file, fsynced, renamed over the old one, directory fsynced), so a crash leaves
 * either the old record or the new one. Saves are rare (a vote, a ring change): they block the node's
 * loop for one fsync.
 */
public final class ControlFiles {

    private final Path dir;

    public ControlFiles(Path dataDir) {
        this.dir = dataDir.resolve("control");
    }

    /** The text last saved under {@code name}, or null if none was. */
    public String load(String name) {
        try {
            return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StorageException("cannot read control record " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the record durably. */
    public void save(String name, String text) {
        Path tmp = dir.resolve(name + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            StoreFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new StorageException("cannot save control record " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }
}
