package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.str;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringkv.ring.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {

    @TempDir
    Path dir;

    @Test
    void putGetDeleteAndOverwrite() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertNull(store.get(b("k")));
            assertTrue(store.apply(b("k"), b("one"), v(1)));
            assertEquals("one", str(store.get(b("k")).value()));
            assertTrue(store.apply(b("k"), b("two"), v(2)));
            StoredEntry e = store.get(b("k"));
            assertEquals("two", str(e.value()));
            assertEquals(v(2), e.version());
            assertEquals(Hashing.position(b("k")), e.position());
            assertTrue(store.apply(b("k"), null, v(3)));
            StoredEntry deleted = store.get(b("k"));
            assertTrue(deleted.isTombstone(), "a delete leaves a tombstone");
            assertEquals(v(3), deleted.version());
            assertEquals(0, store.keyCount());
        }
    }

    @Test
    void olderOrEqualVersionsAreIgnored() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("k"), b("new"), v(5));
            assertFalse(store.apply(b("k"), b("old"), v(4)));
            assertFalse(store.apply(b("k"), b("same"), v(5)), "a re-sent write is idempotent");
            assertFalse(store.apply(b("k"), b("older term"), new Version(0, 9, 99)));
            assertEquals("new", str(store.get(b("k")).value()));
            assertTrue(store.apply(b("k"), b("newer term"), new Version(2, 0, 0)));
            assertEquals("newer term", str(store.get(b("k")).value()));
        }
    }

    @Test
    void tombstoneBlocksAnOlderPut() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("k"), b("v"), v(1));
            store.apply(b("k"), null, v(3));
            assertFalse(store.apply(b("k"), b("late replica write"), v(2)));
            assertTrue(store.get(b("k")).isTombstone());
            store.flush();
        }
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertFalse(store.apply(b("k"), b("late replica write"), v(2)), "the tombstone survives a restart");
        }
    }

    @Test
    void countsOnlyLiveKeysAndBytes() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("a"), b("12345"), v(1));
            store.apply(b("bb"), b(""), v(2));
            store.apply(b("c"), b("xyz"), v(3));
            store.apply(b("c"), null, v(4));
            assertEquals(2, store.keyCount());
            assertEquals(1 + 5 + 2, store.liveBytes());
            store.apply(b("a"), b("1"), v(5));
            assertEquals(1 + 1 + 2, store.liveBytes());
        }
    }

    @Test
    void reopenRecoversValuesTombstonesAndHighestVersion() {
        byte[] big = new byte[100_000];
        new Random(1).nextBytes(big);
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("a"), b("1"), v(1));
            store.apply(b("b"), b("2"), v(2));
            store.apply(b("a"), b("3"), v(3));
            store.apply(b("b"), null, v(4));
            store.apply(b("big"), big, new Version(2, 1, 1));
            store.apply(b("empty"), new byte[0], new Version(2, 1, 2));
            store.flush();
        }
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertEquals("3", str(store.get(b("a")).value()));
            assertEquals(v(3), store.get(b("a")).version());
            assertTrue(store.get(b("b")).isTombstone());
            assertArrayEquals(big, store.get(b("big")).value());
            assertArrayEquals(new byte[0], store.get(b("empty")).value());
            assertEquals(3, store.keyCount());
            assertEquals(new Version(2, 1, 2), store.highestVersion());
        }
    }

    @Test
    void closeFlushesPendingWritesAndTellsTheirWaiters() {
        List<StorageException> told = new ArrayList<>();
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("k"), b("v"), v(1));
            assertTrue(store.hasPendingWrites());
            store.whenDurable(told::add);
        }
        assertEquals(1, told.size());
        assertNull(told.get(0));
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertEquals("v", str(store.get(b("k")).value()));
        }
    }

    @Test
    void flushTellsEveryWaiterOnceAndOnlyForItsBatch() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            List<String> told = new ArrayList<>();
            store.apply(b("k"), b("v"), v(1));
            store.whenDurable(f -> told.add("first " + f));
            store.whenDurable(f -> {
                told.add("second " + f);
                store.whenDurable(g -> told.add("registered during the flush " + g));
            });
            store.flush();
            assertEquals(List.of("first null", "second null"), told);
            assertTrue(store.hasPendingWrites(), "a waiter registered during the flush waits for the next one");
            store.flush();
            assertEquals(3, told.size());
        }
    }

    @Test
    void rejectsOversizedKeysAndValuesWithTheLimitInTheMessage() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            StorageException key = assertThrows(StorageException.class, () -> store.apply(new byte[70_000], b("v"), v(1)));
            assertEquals("key is 70000 bytes, the limit is 65536", key.getMessage());
            StorageException value = assertThrows(StorageException.class,
                    () -> store.apply(b("k"), new byte[16 * 1024 * 1024 + 1], v(1)));
            assertEquals("value is 16777217 bytes, the limit is 16777216", value.getMessage());
            assertFalse(store.hasPendingWrites(), "a refused write leaves nothing behind");
            assertEquals(0, store.keyCount());
        }
    }

    @Test
    void createsAMissingDirectory() {
        Path nested = dir.resolve("a/b/c");
        try (LogStore store = LogStore.open(options(nested).build())) {
            store.apply(b("k"), b("v"), v(1));
        }
        assertTrue(Files.isDirectory(nested));
    }

    @Test
    void refusesADirectoryThatCannotBeCreated() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        StorageException e = assertThrows(StorageException.class, () -> LogStore.open(options(file.resolve("data")).build()));
        assertTrue(e.getMessage().startsWith("cannot create data directory " + file.resolve("data")), e.getMessage());
        StorageException notDir = assertThrows(StorageException.class, () -> LogStore.open(options(file).build()));
        assertEquals("data directory " + file + " is not a directory", notDir.getMessage());
    }

    @Test
    void refusesADirectoryItCannotWrite() throws Exception {
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        assumeTrue(readOnly.toFile().setWritable(false, false) && !Files.isWritable(readOnly),
                "permissions are not enforced for this user (root?)");
        try {
            StorageException e = assertThrows(StorageException.class, () -> LogStore.open(options(readOnly).build()));
            assertEquals("data directory " + readOnly + " is not writable", e.getMessage());
        } finally {
            readOnly.toFile().setWritable(true, false);
        }
    }

    @Test
    void refusesNonsensicalOptions() {
        assertThrows(IllegalArgumentException.class, () -> options(dir).segmentBytes(10).build());
        assertThrows(IllegalArgumentException.class, () -> options(dir).compactionThresholds(0, 1.5).build());
        assertThrows(IllegalArgumentException.class, () -> options(dir).maxValueBytes(Integer.MAX_VALUE).build());
        StoreOptions defaults = StoreOptions.defaults(dir);
        assertEquals(64L << 20, defaults.segmentBytes());
        assertEquals(65_536, defaults.maxKeyBytes());
        assertEquals(16 << 20, defaults.maxValueBytes());
        assertEquals(4_096, defaults.inlineValueBytes());
        assertEquals(0, defaults.tombstoneRetention());
    }

    @Test
    void refusesToOpenADirectoryTwice() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            StorageException e = assertThrows(StorageException.class, () -> LogStore.open(options(dir).build()));
            assertEquals("data directory " + dir.toAbsolutePath().normalize() + " is already open in this process", e.getMessage());
            store.apply(b("k"), b("v"), v(1));
        }
        try (LogStore again = LogStore.open(options(dir).build())) {
            assertEquals("v", str(again.get(b("k")).value()), "closing released the lock");
        }
    }

    @Test
    void refusesUseAfterClose() {
        LogStore store = LogStore.open(options(dir).build());
        store.close();
        store.close();
        assertThrows(StorageException.class, () -> store.apply(b("k"), b("v"), v(1)));
        assertThrows(StorageException.class, () -> store.get(b("k")));
        StorageException[] told = new StorageException[1];
        store.whenDurable(f -> told[0] = f);
        assertNotNull(told[0]);
        assertTrue(told[0].getMessage().endsWith("is closed"));
    }

    @Test
    void valuesBeyondTheInlineLimitAreReadFromTheBatchThenFromDisk() {
        byte[] large = new byte[10_000];
        new Random(2).nextBytes(large);
        StoreOptions o = options(dir).inlineValueBytes(100).segmentBytes(30_000).compactionThresholds(1, 0.1).build();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("large"), large, v(1));
            assertArrayEquals(large, store.get(b("large")).value(), "served from the unflushed batch");
            store.flush();
            assertArrayEquals(large, store.get(b("large")).value(), "served from the segment");
            for (int i = 2; i < 10; i++) {
                store.apply(b("other"), large, v(i));
                store.flush();
            }
            while (store.compactStep()) {
                // run the merge to its end
            }
            assertArrayEquals(large, store.get(b("large")).value(), "served from the merge output");
        }
        try (LogStore store = LogStore.open(o)) {
            assertArrayEquals(large, store.get(b("large")).value());
            assertArrayEquals(large, store.get(b("other")).value());
        }
    }

    @Test
    void aDamagedLargeValueIsReportedNotReturned() throws Exception {
        StoreOptions o = options(dir).inlineValueBytes(10).build();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("k"), b("a value longer than ten bytes"), v(1));
            store.flush();
            Path seg = Fixtures.newestSegment(dir);
            byte[] bytes = Files.readAllBytes(seg);
            bytes[bytes.length - 3] ^= 0x01;
            Files.write(seg, bytes);
            StorageException e = assertThrows(StorageException.class, () -> store.get(b("k")));
            assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        }
    }

    @Test
    void rotatesSegmentsOnceTheActiveOneIsFull() {
        try (LogStore store = LogStore.open(options(dir).segmentBytes(1_000).build())) {
            for (int i = 0; i < 100; i++) {
                store.apply(b("key-" + i), new byte[90], v(i + 1));
                store.flush();
            }
            assertTrue(store.segmentCount() >= 10, "segments: " + store.segmentCount());
            assertEquals(store.diskBytes(), Fixtures.segmentFiles(dir).stream().mapToLong(p -> p.toFile().length()).sum());
        }
    }

    @Test
    void alwaysPolicyForcesOncePerFlush() {
        QuotaChannel.Disk disk = new QuotaChannel.Disk();
        StoreOptions o = StoreOptions.builder(dir).fsyncPolicy(FsyncPolicy.ALWAYS).channelOpener(disk.opener()).build();
        try (LogStore store = LogStore.open(o)) {
            int before = disk.forces.get();
            for (int i = 0; i < 100; i++) {
                store.apply(b("k" + i), b("v"), v(i + 1));
            }
            store.flush();
            assertEquals(before + 1, disk.forces.get(), "a hundred writes share one fsync");
        }
    }

    @Test
    void noPolicyNeverForces() {
        QuotaChannel.Disk disk = new QuotaChannel.Disk();
        StoreOptions o = StoreOptions.builder(dir).fsyncPolicy(FsyncPolicy.NO).channelOpener(disk.opener()).build();
        try (LogStore store = LogStore.open(o)) {
            store.apply(b("k"), b("v"), v(1));
            store.flush();
        }
        assertEquals(0, disk.forces.get());
    }

    @Test
    void everysecPolicyForcesInTheBackground() throws Exception {
        QuotaChannel.Disk disk = new QuotaChannel.Disk();
        StoreOptions o = StoreOptions.builder(dir).channelOpener(disk.opener()).build();
        assertSame(FsyncPolicy.EVERYSEC, o.fsyncPolicy(), "the default");
        try (LogStore store = LogStore.open(o)) {
            disk.forced.drainPermits();
            store.apply(b("k"), b("v"), v(1));
            store.flush();
            assertTrue(disk.forced.tryAcquire(5, TimeUnit.SECONDS), "the background thread forced the segment");
        }
    }

    @Test
    void emptyAndBinaryKeysAreStoredExactly() {
        byte[] binary = {0, (byte) 0xff, '\n', 0};
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(new byte[0], b("empty key"), v(1));
            store.apply(binary, binary, v(2));
            store.flush();
        }
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertEquals("empty key", str(store.get(new byte[0]).value()));
            assertTrue(Arrays.equals(binary, store.get(binary).value()));
        }
    }
}
