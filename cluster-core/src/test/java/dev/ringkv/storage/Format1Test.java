package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written before versions had a ring field (segment format 1: a 28-byte header, records
 * {@code [crc][keyLen][valueLen][term][seq][key][value]}) still opens: its entries read intact, as ring 0,
 * beside new format-2 segments, and compaction rewrites them into format 2. The old files here are
 * written byte by byte in the old layout, not by the code under test.
 */
class Format1Test {

    @TempDir
    Path dir;

    /** Builds a format-1 segment file by hand. */
    private static final class OldSegment {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        OldSegment(long highWaterTerm, long highWaterSeq) {
            ByteBuffer h = ByteBuffer.allocate(28);
            h.putInt(0x524B5631).putShort((short) 1).put((byte) 1).put((byte) 0); // "RKV1", format 1, append
            h.putLong(highWaterTerm).putLong(highWaterSeq);
            CRC32C crc = new CRC32C();
            crc.update(h.array(), 0, 24);
            h.putInt((int) crc.getValue());
            bytes.writeBytes(h.array());
        }

        OldSegment put(String key, String value, long term, long seq) {
            return record(b(key), value == null ? null : b(value), term, seq);
        }

        OldSegment record(byte[] key, byte[] value, long term, long seq) {
            ByteBuffer r = ByteBuffer.allocate(28 + key.length + (value == null ? 0 : value.length));
            r.putInt(0).putInt(key.length).putInt(value == null ? -1 : value.length).putLong(term).putLong(seq);
            r.put(key);
            if (value != null) {
                r.put(value);
            }
            CRC32C crc = new CRC32C();
            crc.update(r.array(), 4, r.capacity() - 4);
            r.putInt(0, (int) crc.getValue());
            bytes.writeBytes(r.array());
            return this;
        }

        int size() {
            return bytes.size();
        }

        void writeTo(Path file) throws IOException {
            Files.write(file, bytes.toByteArray());
        }
    }

    private static final String LARGE = "L".repeat(300);

    /** Two old segments: overwrites, a tombstone, a value too large to be kept in memory. */
    private void writeOldDirectory() throws IOException {
        Files.createDirectories(dir);
        new OldSegment(0, 0)
                .put("alpha", "one", 3, 3_000_001)
                .put("beta", "first", 3, 3_000_002)
                .put("gone", "soon", 3, 3_000_003)
                .put("large", LARGE, 3, 3_000_004)
                .writeTo(dir.resolve("segment-0000000001.log"));
        new OldSegment(3, 3_000_004)
                .put("beta", "second", 4, 4_000_001)
                .put("gone", null, 4, 4_000_002)
                .put("alpha", "stale copy", 2, 9_000_000) // an older term: loses, whatever its sequence
                .writeTo(dir.resolve("segment-0000000002.log"));
    }

    private static void assertOldEntries(LogStore store) {
        assertEquals("one", str(store.get(b("alpha")).value()));
        assertEquals(new Version(3, 0, 3_000_001), store.get(b("alpha")).version());
        assertEquals("second", str(store.get(b("beta")).value()));
        assertEquals(new Version(4, 0, 4_000_001), store.get(b("beta")).version());
        assertTrue(store.get(b("gone")).isTombstone());
        assertEquals(new Version(4, 0, 4_000_002), store.get(b("gone")).version());
        assertEquals(LARGE, str(store.get(b("large")).value()), "read from its old record on disk");
        assertEquals(new Version(3, 0, 3_000_004), store.get(b("large")).version());
    }

    private static StoreOptions.Builder small(Path d) {
        // a 64-byte limit keeps LARGE on disk: reading it back goes through the old record layout; tombstones
        // are kept (as a cluster member keeps them) so that the old one can be checked after the merge
        return options(d).inlineValueBytes(64).segmentBytes(4_096).compactionThresholds(1, 0.1)
                .tombstoneRetention(Long.MAX_VALUE);
    }

    private List<Integer> formats() throws IOException {
        List<Integer> out = new java.util.ArrayList<>();
        for (Path p : Fixtures.segmentFiles(dir)) {
            byte[] h = Files.readAllBytes(p);
            out.add((h[4] & 0xff) << 8 | (h[5] & 0xff));
        }
        return out;
    }

    @Test
    void anOldDirectoryOpensWithItsEntriesIntactAsRingZero() throws Exception {
        writeOldDirectory();
        try (LogStore store = LogStore.open(options(dir).inlineValueBytes(64).build())) {
            assertOldEntries(store);
            assertEquals(3, store.keyCount());
            assertEquals(new Version(4, 0, 4_000_002), store.highestVersion());
            // a version of the same term under any ring beats the old ring-0 one; an older term does not
            assertTrue(store.apply(b("beta"), b("third"), new Version(4, 1, 1)));
            assertFalse(store.apply(b("alpha"), b("older term"), new Version(2, 5_000_000, 1)));
            store.flush();
        }
        assertEquals(List.of(1, 1, 2), formats(), "old files are kept as they are; new writes go to format 2");
        try (LogStore store = LogStore.open(options(dir).inlineValueBytes(64).build())) {
            assertEquals("third", str(store.get(b("beta")).value()));
            assertEquals(new Version(4, 1, 1), store.highestVersion());
            assertEquals("one", str(store.get(b("alpha")).value()));
            assertEquals(LARGE, str(store.get(b("large")).value()));
        }
        StringBuilder dump = new StringBuilder();
        StoreDump.dump(dir, dump);
        assertTrue(dump.toString().contains("  3.0.3000001  alpha  one"), dump.toString());
        assertTrue(dump.toString().contains("  4.1.1  beta  third"), dump.toString());
    }

    @Test
    void compactionRewritesAnOldDirectoryInFormat2() throws Exception {
        writeOldDirectory();
        try (LogStore store = LogStore.open(small(dir).build())) {
            store.apply(b("new"), b("value"), new Version(5, 5_000_000, 4_000_003));
            store.flush();
            while (store.compactStep()) {
                // to the end
            }
            assertOldEntries(store);
            assertEquals("value", str(store.get(b("new")).value()));
            assertEquals(0, store.mergesByWalk(), "this merge read its inputs record by record");
        }
        assertFalse(formats().contains(1), "format-1 files left after compaction: " + formats());
        try (LogStore store = LogStore.open(small(dir).build())) {
            assertOldEntries(store);
            assertEquals(new Version(5, 5_000_000, 4_000_003), store.highestVersion());
        }
    }

    @Test
    void compactionByWalkingTheKeyDirectoryRewritesOldRecordsToo() throws Exception {
        // overwrite-heavy: many more records than keys, so the merge walks the key directory and copies the
        // entries pointing into old segments (the large value is read from its old record and encoded again)
        Files.createDirectories(dir);
        OldSegment old = new OldSegment(0, 0).put("large", LARGE, 1, 1);
        for (int i = 2; i < 60; i++) {
            old.put("hot", "v" + i, 1, i);
        }
        old.writeTo(dir.resolve("segment-0000000001.log"));
        try (LogStore store = LogStore.open(small(dir).build())) {
            while (store.compactStep()) {
                // to the end
            }
            assertEquals(1, store.mergesByWalk());
            assertEquals(LARGE, str(store.get(b("large")).value()));
            assertEquals(new Version(1, 0, 1), store.get(b("large")).version());
            assertEquals("v59", str(store.get(b("hot")).value()));
        }
        assertFalse(formats().contains(1), "format-1 files left after compaction: " + formats());
        try (LogStore store = LogStore.open(small(dir).build())) {
            assertEquals(LARGE, str(store.get(b("large")).value()));
            assertEquals(new Version(1, 0, 59), store.highestVersion());
        }
    }

    @Test
    void aTornTailOfAnOldSegmentIsCutOffAndTheRestKept() throws Exception {
        Files.createDirectories(dir);
        OldSegment old = new OldSegment(0, 0).put("a", "1", 1, 1).put("b", "2", 1, 2);
        int whole = old.size();
        old.put("c", "3", 1, 3);
        Path file = dir.resolve("segment-0000000001.log");
        old.writeTo(file);
        RecoveryTest.truncate(file, whole + 20); // the last record cut in its header
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertEquals("1", str(store.get(b("a")).value()));
            assertEquals("2", str(store.get(b("b")).value()));
            assertNull(store.get(b("c")));
            assertEquals(new Version(1, 0, 2), store.highestVersion());
        }
        assertEquals(whole, Files.size(file), "truncated to its last whole record");
    }
}
