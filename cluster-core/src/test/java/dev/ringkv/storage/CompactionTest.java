package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.copyDir;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.str;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactionTest {

    @TempDir
    Path dir;

    /** Many small segments, eager compaction, small steps: every mechanism gets exercised. */
    private static StoreOptions small(Path d) {
        return options(d).segmentBytes(2_048).inlineValueBytes(64).compactionThresholds(1, 0.3)
                .compactionStep(40, 4_096).build();
    }

    /** A random workload against the store and the model, in step. */
    private static final class Workload {
        final Random random;
        final Fixtures.Model model = new Fixtures.Model();
        final int keys;
        long seq;

        Workload(long seed, int keys) {
            this.random = new Random(seed);
            this.keys = keys;
        }

        void step(LogStore store) {
            String key = "key-" + random.nextInt(keys);
            int kind = random.nextInt(10);
            if (kind < 7) {
                String value = value();
                seq++;
                assertTrue(store.apply(b(key), b(value), v(seq)));
                model.put(key, value, v(seq));
            } else if (kind < 9) {
                seq++;
                assertTrue(store.apply(b(key), null, v(seq)));
                model.put(key, null, v(seq));
            } else {
                Fixtures.Model.Value current = model.entries.get(key);
                if (current != null && current.version().seq() > 1) {
                    // A late replica write: refused while the key's newer record (a tombstone included) is held.
                    Version stale = v(current.version().seq() - 1);
                    boolean tombstoneDropped = current.value() == null && store.get(b(key)) == null;
                    assertEquals(tombstoneDropped, store.apply(b(key), b("stale"), stale), key);
                    if (tombstoneDropped) {
                        model.put(key, "stale", stale);
                    }
                }
            }
        }

        private String value() {
            int length = random.nextInt(8) == 0 ? 65 + random.nextInt(400) : random.nextInt(60);
            StringBuilder sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            return sb.toString();
        }
    }

    /** {@code writes} random writes with flushes and compaction steps in between, checked against the model. */
    private static void interleave(Workload w, LogStore store, int writes, int checkEvery) {
        for (int i = 1; i <= writes; i++) {
            w.step(store);
            if (w.random.nextInt(4) == 0) {
                store.flush();
            }
            if (w.random.nextInt(3) == 0) {
                store.compactStep();
            }
            if (i % checkEvery == 0) {
                w.model.assertMatches(store);
            }
        }
        while (store.compactStep()) {
            // finish
        }
        w.model.assertMatches(store);
    }

    @Test
    void compactionUnderInterleavedWritesMatchesAPlainMapModel() {
        Workload w = new Workload(42, 150);
        int[] merges = {0};
        try (LogStore store = LogStore.open(small(dir))) {
            store.onCrashPoint(name -> merges[0] += name.equals("merge-committed") ? 1 : 0);
            interleave(w, store, 4_000, 500);
            assertTrue(merges[0] >= 5, "merges: " + merges[0]);
            assertEquals(v(w.seq), store.highestVersion());
            assertEquals(store.diskBytes(), Fixtures.segmentFiles(dir).stream().mapToLong(p -> p.toFile().length()).sum());
        }
        try (LogStore store = LogStore.open(small(dir))) {
            w.model.assertMatches(store);
            assertEquals(v(w.seq), store.highestVersion());
            for (int i = 0; i < 500; i++) {
                w.step(store);
                store.compactStep();
            }
            store.flush();
            w.model.assertMatches(store);
        }
        try (LogStore store = LogStore.open(small(dir))) {
            w.model.assertMatches(store);
        }
    }

    @Test
    void overwritingFewKeysCompactsByWalkingTheKeyDirectoryAndMatchesTheModel() {
        Workload w = new Workload(11, 12); // 12 keys, thousands of records: most of every input is dead
        try (LogStore store = LogStore.open(small(dir))) {
            interleave(w, store, 4_000, 250);
            assertTrue(store.mergesByWalk() >= 5, "merges that walked the key directory: " + store.mergesByWalk());
            assertEquals(store.diskBytes(), Fixtures.segmentFiles(dir).stream().mapToLong(p -> p.toFile().length()).sum());
        }
        try (LogStore store = LogStore.open(small(dir))) {
            w.model.assertMatches(store);
        }
    }

    @Test
    void aMergeThatWalksTheKeyDirectoryEncodesInMemoryValuesAgainAndReadsTheOthersFromDisk() throws Exception {
        String small = "kept-in-memory-0123456789"; // under the 64-byte inline limit
        String large = "on-disk-only-".repeat(10);  // over it: read from its segment
        try (LogStore store = LogStore.open(small(dir))) {
            store.apply(b("small"), b(small), v(1));
            store.apply(b("large"), b(large), v(2));
            store.flush();
            // Damage the small value's bytes on disk. A merge that re-encodes it from memory writes the
            // right record anyway (a read of the disk would have stopped the merge on the checksum).
            Path first = Fixtures.segmentFiles(dir).get(0);
            byte[] bytes = Files.readAllBytes(first);
            int at = indexOf(bytes, b(small));
            assertTrue(at > 0, "the small value is in " + first.getFileName());
            try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) ~bytes[at]}), at);
            }
            long seq = 2;
            for (int i = 0; i < 200; i++) { // two keys overwritten many times: most of every input is dead
                store.apply(b("hot-" + (i % 2)), b("value-" + i), v(++seq));
            }
            store.flush();
            while (store.compactStep()) {
                // finish
            }
            assertTrue(store.mergesByWalk() > 0, "merges that walked the key directory: " + store.mergesByWalk());
            assertFalse(Files.exists(first), "the damaged input was merged away");
            assertEquals(small, str(store.get(b("small")).value()));
            assertEquals(large, str(store.get(b("large")).value()));
        }
        try (LogStore store = LogStore.open(small(dir))) {
            assertEquals(small, str(store.get(b("small")).value()), "the merge output holds a sound record");
            assertEquals(large, str(store.get(b("large")).value()));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void aCrashAtAnyPointOfAMergeRecoversTheSameData() throws Exception {
        crashAtEveryPoint(new Workload(7, 400), false); // more keys than records per merge: read record by record
    }

    @Test
    void aCrashAtAnyPointOfAMergeThatWalksTheKeyDirectoryRecoversTheSameData() throws Exception {
        crashAtEveryPoint(new Workload(8, 6), true);
    }

    private void crashAtEveryPoint(Workload w, boolean walking) throws Exception {
        Path live = dir.resolve("live");
        List<Path> crashes = new ArrayList<>();
        List<Fixtures.Model> durable = new ArrayList<>();
        Map<String, Integer> pointsSeen = new HashMap<>();
        try (LogStore store = LogStore.open(small(live))) {
            for (int i = 0; i < 600; i++) {
                w.step(store);
                if (i % 10 == 0) {
                    store.flush();
                }
            }
            store.flush();
            store.onCrashPoint(name -> {
                pointsSeen.merge(name, 1, Integer::sum);
                Path copy = dir.resolve("crash-" + crashes.size() + "-" + name);
                copyDir(live, copy);
                crashes.add(copy);
                durable.add(w.model.copy()); // compactStep flushed everything before merging
            });
            boolean more = true;
            for (int steps = 0; more && steps < 400; steps++) {
                for (int i = 0; i < 3; i++) {
                    w.step(store);
                }
                more = store.compactStep();
                Path copy = dir.resolve("crash-" + crashes.size() + "-after-step");
                copyDir(live, copy);
                crashes.add(copy);
                durable.add(w.model.copy());
            }
            assertFalse(more, "compaction settles");
            int merges = pointsSeen.getOrDefault("merge-committed", 0);
            assertTrue(walking ? store.mergesByWalk() > 0 : merges > store.mergesByWalk(),
                    merges + " merges, " + store.mergesByWalk() + " of them walked the key directory");
        }
        assertTrue(pointsSeen.getOrDefault("merge-input-removed", 0) >= 4, "crash points: " + pointsSeen);
        for (int i = 0; i < crashes.size(); i++) {
            Path crash = crashes.get(i);
            Path torn = dir.resolve(crash.getFileName() + "-torn");
            copyDir(crash, torn);
            Map<Path, Long> sizes = appendGarbageToTheFilesBeingWritten(torn);
            for (Path attempt : List.of(crash, torn)) {
                try (LogStore store = LogStore.open(small(attempt))) {
                    durable.get(i).assertMatches(store);
                    while (store.compactStep()) {
                        // finish whatever is due
                    }
                    durable.get(i).assertMatches(store);
                }
                try (LogStore store = LogStore.open(small(attempt))) {
                    durable.get(i).assertMatches(store);
                }
            }
            sizes.forEach((file, size) -> {
                if (Files.exists(file)) {
                    assertEquals(size, file.toFile().length(), "torn tail of " + file.getFileName() + " cut off");
                }
            });
            RecoveryTest.deleteRecursively(crash);
            RecoveryTest.deleteRecursively(torn);
        }
    }

    /** A crash can tear the active segment and the merge output being written; nothing else. */
    private static Map<Path, Long> appendGarbageToTheFilesBeingWritten(Path d) throws IOException {
        Map<Path, Long> sizes = new HashMap<>();
        Path newestAppend = null;
        Path newestMerge = null;
        for (Path p : Fixtures.segmentFiles(d)) {
            try (FileChannel ch = FileChannel.open(p)) {
                Segment.HeaderCheck h = Segment.readHeader(ch, ch.size());
                if (h.ok() && h.kind() == Segment.Kind.APPEND) {
                    newestAppend = p;
                } else if (h.ok()) {
                    newestMerge = p;
                }
            }
        }
        Batch record = new Batch();
        record.appendRecord(b("half-written"), b("value"), v(1_000_000));
        byte[] half = record.copy(0, record.length());
        for (Path p : new Path[] {newestAppend, newestMerge}) {
            if (p != null) {
                sizes.put(p, p.toFile().length());
                Files.write(p, java.util.Arrays.copyOf(half, half.length - 3), StandardOpenOption.APPEND);
            }
        }
        return sizes;
    }

    @Test
    void aCrashHalfwayThroughRemovingMergedSegmentsDoesNotResurrectADeletedKey() {
        // Arrange a tombstone in a lower-numbered segment than an older value of its key (a copy made by an
        // earlier merge), so the merge removing both removes the tombstone first.
        Path live = dir.resolve("live");
        StoreOptions o = options(live).segmentBytes(300).compactionThresholds(1, 0.1).build();
        List<Path> crashes = new ArrayList<>();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("victim"), b("old value"), v(1));
            store.apply(b("filler"), new byte[300], v(2));
            store.flush(); // segment 1 sealed; segment 2 active
            store.apply(b("filler"), new byte[10], v(3));
            store.flush();
            store.compactStep(); // flushes, merges segment 1 into segment 3 (victim's old value copied)
            while (store.compactStep()) {
                // done when false
            }
            store.apply(b("victim"), null, v(4)); // tombstone lands in segment 2, below segment 3
            store.apply(b("filler"), new byte[300], v(5));
            store.flush(); // segment 2 sealed
            store.onCrashPoint(name -> {
                if (name.equals("merge-input-removed")) {
                    Path copy = dir.resolve("crash-" + crashes.size());
                    copyDir(live, copy);
                    crashes.add(copy);
                }
            });
            while (store.compactStep()) {
                // the merge dropping the tombstone
            }
            assertNull(store.get(b("victim")), "the tombstone was dropped with every older record");
        }
        assertFalse(crashes.isEmpty());
        for (Path crash : crashes) {
            try (LogStore store = LogStore.open(options(crash).build())) {
                StoredEntry e = store.get(b("victim"));
                assertTrue(e == null || e.isTombstone(), "resurrected: " + (e == null ? null : str(e.value())));
            }
        }
    }

    @Test
    void tombstonesWithinTheRetentionSurviveCompaction() {
        StoreOptions o = options(dir).segmentBytes(200).compactionThresholds(1, 0.1).tombstoneRetention(100).build();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("old"), b("x"), v(1));
            store.apply(b("old"), null, v(2));
            for (int i = 3; i < 200; i++) {
                store.apply(b("filler"), b("value " + i), v(i));
                store.flush();
            }
            store.apply(b("recent"), b("x"), v(200));
            store.apply(b("recent"), null, v(201));
            store.apply(b("filler"), b("last"), v(202));
            store.flush();
            store.apply(b("filler"), b("really last"), v(203));
            store.flush();
            while (store.compactStep()) {
                // to the end
            }
            assertNull(store.get(b("old")), "201 sequence numbers old: past retention, dropped");
            assertNotNull(store.get(b("recent")), "2 sequence numbers old: kept");
            assertFalse(store.apply(b("recent"), b("late"), v(200)), "and still blocks older writes");
        }
    }

    @Test
    void tombstonesKeptForeverSurviveCompactionAfterANewerTerm() {
        // issue 17 item 3: a member keeps tombstones forever; a write stamped in a newer term (after any
        // election) must not make an older term's tombstone droppable, or an older copy arriving later (a
        // rejoin, a restart, anti-entropy) resurrects the deleted key
        StoreOptions o = options(dir).segmentBytes(200).compactionThresholds(1, 0.1).tombstoneRetention(Long.MAX_VALUE)
                .build();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("deleted"), b("x"), new Version(1, 1, 1));
            store.apply(b("deleted"), null, new Version(1, 1, 2));
            for (int i = 3; i < 200; i++) {
                store.apply(b("filler"), b("value " + i), new Version(2, 2_000_000, i));
                store.flush();
            }
            while (store.compactStep()) {
                // to the end
            }
            assertNotNull(store.get(b("deleted")), "the tombstone was dropped");
            assertFalse(store.apply(b("deleted"), b("x"), new Version(1, 1, 1)), "an older copy resurrected the key");
        }
    }

    @Test
    void nothingHappensBelowTheThresholds() {
        StoreOptions o = options(dir).segmentBytes(200).compactionThresholds(10_000, 0.5).build();
        try (LogStore store = LogStore.open(o)) {
            for (int i = 1; i < 20; i++) {
                store.apply(b("k"), b("value " + i), v(i));
                store.flush();
            }
            int segments = store.segmentCount();
            assertFalse(store.compactStep());
            assertFalse(store.isCompacting());
            assertEquals(segments, store.segmentCount());
        }
    }

    @Test
    void highestVersionSurvivesCompactionDroppingEveryRecord() {
        StoreOptions o = options(dir).segmentBytes(100).compactionThresholds(1, 0.1).build();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("k"), new byte[100], new Version(4, 1, 1));
            store.flush();
            store.apply(b("k"), null, new Version(4, 1, 2));
            store.flush();
            store.apply(b("other"), new byte[100], new Version(4, 1, 3));
            store.flush();
            store.apply(b("other"), null, new Version(4, 1, 4));
            store.flush();
            while (store.compactStep()) {
                // to the end
            }
            assertNull(store.get(b("k")));
        }
        try (LogStore store = LogStore.open(o)) {
            assertEquals(0, store.keyCount());
            assertEquals(new Version(4, 1, 4), store.highestVersion());
        }
    }
}
