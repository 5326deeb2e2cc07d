package dev.ringkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The commit point of a compaction: {@code merge.commit} lists the input segments to remove once the
 * outputs are durable. Removing inputs one by one is not atomic, and a half-removed merge could bring a
 * key back to life (its dropped tombstone gone with one input, an older value still in another); with
 * the list on disk, recovery finishes the removal first.
 *
 * <p>Format: {@code [magic "RKVM":4][count:4] count x [segment id:8][set aside:1] [crc32c:4]}, written to a
 * temporary file, forced, then renamed into place.
 */
final class MergeCommit {

    static final String FILE = "merge.commit";
    static final String TEMP_FILE = "merge.commit.tmp";
    private static final int MAGIC = 0x524B564D; // "RKVM"

    /** An input to remove: deleted, or (if part of it was unreadable) renamed to {@code .corrupt} for inspection. */
    record Item(long segmentId, boolean setAside) {
    }

    /** A commit file's content, or why it is unusable. */
    record Contents(List<Item> items, String problem) {
    }

    private MergeCommit() {
    }

    static void write(Path dir, List<Item> items) throws IOException {
        byte[] b = new byte[12 + items.size() * 9];
        int p = RecordCodec.putInt(b, 0, MAGIC);
        p = RecordCodec.putInt(b, p, items.size());
        for (Item item : items) {
            p = RecordCodec.putLong(b, p, item.segmentId());
            b[p++] = (byte) (item.setAside() ? 1 : 0);
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, p);
        RecordCodec.putInt(b, p, (int) crc.getValue());
        Path temp = dir.resolve(TEMP_FILE);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            Segment.writeFully(channel, ByteBuffer.wrap(b), 0);
            channel.force(true);
        }
        Files.move(temp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.syncDirectory(dir);
    }

    /** The commit file's content; {@code null} if there is none. */
    static Contents read(Path dir) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(dir.resolve(FILE));
        } catch (NoSuchFileException e) {
            return null;
        }
        if (b.length < 12 || RecordCodec.getInt(b, 0) != MAGIC) {
            return new Contents(List.of(), "not a merge commit file");
        }
        int count = RecordCodec.getInt(b, 4);
        if (count < 0 || b.length != 12 + 9L * count) {
            return new Contents(List.of(), "wrong length for " + count + " entries");
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        if ((int) crc.getValue() != RecordCodec.getInt(b, b.length - 4)) {
            return new Contents(List.of(), "checksum mismatch");
        }
        List<Item> items = new ArrayList<>(count);
        for (int i = 0, p = 8; i < count; i++, p += 9) {
            items.add(new Item(RecordCodec.getLong(b, p), b[p + 8] != 0));
        }
        return new Contents(items, null);
    }

    /** Removes the listed inputs that still exist, then the commit file. Idempotent. */
    static void carryOut(Path dir, List<Item> items, Runnable afterEach) throws IOException {
        for (Item item : items) {
            Path segment = dir.resolve(StoreFiles.segmentName(item.segmentId()));
            if (item.setAside()) {
                if (Files.exists(segment)) {
                    Files.move(segment, segment.resolveSibling(segment.getFileName() + StoreFiles.CORRUPT_SUFFIX),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                Files.deleteIfExists(segment);
            }
            afterEach.run();
        }
        StoreFiles.syncDirectory(dir);
        Files.deleteIfExists(dir.resolve(FILE));
    }
}
