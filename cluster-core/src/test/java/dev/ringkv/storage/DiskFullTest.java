package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.copyDir;
import static dev.ringkv.storage.Fixtures.str;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskFullTest {

    private static final String FULL = "disk write failed: No space left on device; the write was not applied";

    @TempDir
    Path dir;

    private final QuotaChannel.Disk disk = new QuotaChannel.Disk();

    private StoreOptions.Builder options(Path d) {
        return StoreOptions.builder(d).fsyncPolicy(FsyncPolicy.ALWAYS).channelOpener(disk.opener()).inlineValueBytes(16);
    }

    @Test
    void aFlushOnAFullDiskIsRolledBackAndItsWaitersAreTold() {
        Path live = dir.resolve("live");
        Path crashedWhileFull = dir.resolve("crashed");
        byte[] bigOld = new byte[1_000];
        new Random(3).nextBytes(bigOld);
        try (LogStore store = LogStore.open(options(live).build())) {
            store.apply(b("k"), b("v1"), v(1));
            store.apply(b("big"), bigOld, v(2));
            store.flush();
            long sizeBefore = Fixtures.newestSegment(live).toFile().length();

            disk.allowOnly(40); // the batch gets partly written, then the disk refuses
            store.apply(b("k"), b("v2"), v(3));
            store.apply(b("new"), b("n"), v(4));
            store.apply(b("big"), new byte[2_000], v(5));
            store.apply(b("k"), null, v(6));
            assertTrue(store.get(b("k")).isTombstone(), "visible before the flush");
            List<StorageException> told = new ArrayList<>();
            store.whenDurable(told::add);
            store.whenDurable(told::add);
            store.flush();

            assertEquals(2, told.size());
            for (StorageException e : told) {
                assertNotNull(e);
                assertEquals(FULL, e.getMessage());
            }
            assertEquals("v1", str(store.get(b("k")).value()), "rolled back to the durable value");
            assertEquals(v(1), store.get(b("k")).version());
            assertNull(store.get(b("new")));
            assertArrayEquals(bigOld, store.get(b("big")).value(), "the old large value is read from disk again");
            assertEquals(2, store.keyCount());
            assertEquals(v(2), store.highestVersion());
            assertFalse(store.hasPendingWrites());
            assertEquals(sizeBefore, Fixtures.newestSegment(live).toFile().length(), "partial write cut off");
            assertEquals(sizeBefore, store.diskBytes());

            assertTrue(store.apply(b("k"), b("v2"), v(3)), "the rolled-back version can be written again");
            store.whenDurable(told::add);
            store.flush();
            assertEquals(FULL, told.get(2).getMessage(), "still full: refused again, nothing half-applied");
            copyDir(live, crashedWhileFull);

            disk.unlimited();
            assertTrue(store.apply(b("k"), b("v3"), v(3)));
            store.whenDurable(told::add);
            store.flush();
            assertNull(told.get(3), "space is back: the next flush works");
            assertEquals("v3", str(store.get(b("k")).value()));
        }
        try (LogStore store = LogStore.open(options(live).build())) {
            assertEquals("v3", str(store.get(b("k")).value()));
            assertNull(store.get(b("new")));
            assertArrayEquals(bigOld, store.get(b("big")).value());
            assertEquals(v(3), store.highestVersion());
        }
        try (LogStore store = LogStore.open(options(crashedWhileFull).build())) {
            assertEquals("v1", str(store.get(b("k")).value()), "only durable data after a crash");
            assertEquals(v(2), store.highestVersion());
        }
    }

    @Test
    void aMergeThatRunsOutOfSpaceKeepsEverySegmentAndResumesLater() {
        Path live = dir.resolve("live");
        StoreOptions o = options(live).fsyncPolicy(FsyncPolicy.NO).segmentBytes(1_024).compactionThresholds(1, 0.2)
                .compactionStep(20, 2_048).build();
        Fixtures.Model model = new Fixtures.Model();
        Random random = new Random(11);
        Fixtures.Model crashedModel;
        try (LogStore store = LogStore.open(o)) {
            for (int i = 1; i <= 600; i++) {
                String key = "key-" + random.nextInt(60);
                String value = random.nextInt(5) == 0 ? null : "value-" + i + "-" + "x".repeat(random.nextInt(40));
                store.apply(b(key), value == null ? null : b(value), v(i));
                model.put(key, value, v(i));
                if (i % 5 == 0) {
                    store.flush();
                }
            }
            store.flush();
            disk.allowOnly(3_000);
            int steps = 0;
            while (store.compactStep()) {
                steps++;
            }
            assertTrue(steps > 0, "the merge got going before the disk filled");
            assertFalse(store.isCompacting(), "the merge was abandoned");
            model.assertMatches(store);
            assertFalse(store.compactStep(), "no retry against a full disk until a write succeeds");
            copyDir(live, dir.resolve("crashed"));
            crashedModel = model.copy();

            disk.unlimited();
            store.apply(b("after"), b("space is back"), v(1_000));
            model.put("after", "space is back", v(1_000));
            store.flush();
            while (store.compactStep()) {
                // resumes and completes
            }
            model.assertMatches(store);
        }
        try (LogStore store = LogStore.open(o)) {
            model.assertMatches(store);
        }
        try (LogStore store = LogStore.open(options(dir.resolve("crashed")).fsyncPolicy(FsyncPolicy.NO).build())) {
            crashedModel.assertMatches(store);
        }
    }
}
