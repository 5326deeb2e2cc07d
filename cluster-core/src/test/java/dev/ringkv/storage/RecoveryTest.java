package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.copyDir;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.str;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {

    @TempDir
    Path dir;

    /** One write of a scripted history: key, value (null = delete), version. */
    private record Op(String key, String value, long seq) {
    }

    private static final List<Op> HISTORY = List.of(
            new Op("k0", "zero", 1), new Op("k1", "one", 2), new Op("k2", "two", 3), new Op("k3", "three", 4),
            new Op("k4", "four", 5), new Op("k2", "two again", 6), new Op("k3", null, 7),
            new Op("k5", "x".repeat(200), 8), new Op("k1", null, 9), new Op("k6", "six", 10));

    /** Writes the history, one flush per write; returns the active segment's size after each. */
    private List<Long> writeHistory(LogStore store) {
        List<Long> ends = new ArrayList<>();
        for (Op op : HISTORY) {
            store.apply(b(op.key()), op.value() == null ? null : b(op.value()), v(op.seq()));
            store.flush();
            ends.add(Fixtures.newestSegment(store.directory()).toFile().length());
        }
        return ends;
    }

    private static Fixtures.Model modelOfFirst(int writes) {
        Fixtures.Model m = new Fixtures.Model();
        for (Op op : HISTORY.subList(0, writes)) {
            m.put(op.key(), op.value(), v(op.seq()));
        }
        return m;
    }

    @Test
    void aCrashMidWriteKeepsExactlyTheRecordsWrittenBeforeTheCut() throws Exception {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        List<Long> ends;
        try (LogStore store = LogStore.open(options(live).build())) {
            ends = writeHistory(store);
            copyDir(live, crashed); // the process dies here: what is in the files is all there is
        }
        String segmentName = Fixtures.newestSegment(crashed).getFileName().toString();
        // the tails cut below are of records as written now (format 2, with the ring field); Format1Test cuts
        // an old one
        byte[] header = Files.readAllBytes(crashed.resolve(segmentName));
        assertEquals(2, (header[4] & 0xff) << 8 | (header[5] & 0xff));
        int n = HISTORY.size();
        long firstCut = ends.get(n - 4);
        int cases = 0;
        for (long cut = firstCut; cut <= ends.get(n - 1); cut++) {
            Path attempt = dir.resolve("cut-" + cut);
            copyDir(crashed, attempt);
            truncate(attempt.resolve(segmentName), cut);
            int complete = 0;
            while (complete < n && ends.get(complete) <= cut) {
                complete++;
            }
            try (LogStore store = LogStore.open(options(attempt).build())) {
                modelOfFirst(complete).assertMatches(store);
                assertEquals(v(HISTORY.get(complete - 1).seq()), store.highestVersion(), "cut at " + cut);
            }
            assertEquals(ends.get(complete - 1), attempt.resolve(segmentName).toFile().length(),
                    "the torn tail is cut off at the last complete record (cut at " + cut + ")");
            deleteRecursively(attempt);
            cases++;
        }
        assertTrue(cases > 250, "cut points tried: " + cases);
    }

    @Test
    void aFlippedByteInTheTailDropsThatRecordAndKeepsTheEarlierOnes() throws Exception {
        Path live = dir.resolve("live");
        List<Long> ends;
        try (LogStore store = LogStore.open(options(live).build())) {
            ends = writeHistory(store);
        }
        Path segment = Fixtures.segmentFiles(live).get(0);
        int last = HISTORY.size() - 1;
        flipByte(segment, ends.get(last - 1) + 30); // inside the last record
        try (LogStore store = LogStore.open(options(live).build())) {
            modelOfFirst(last).assertMatches(store);
        }
        assertEquals(ends.get(last - 1), segment.toFile().length());

        flipByte(segment, ends.get(3) + 5); // inside the fifth record: it and all after it go
        try (LogStore store = LogStore.open(options(live).build())) {
            modelOfFirst(4).assertMatches(store);
        }
    }

    @Test
    void aFlippedByteInAnOlderSegmentStopsReadingThatSegmentAndLeavesTheFile() throws Exception {
        StoreOptions o = options(dir).segmentBytes(250).build();
        try (LogStore store = LogStore.open(o)) {
            for (int i = 0; i < 40; i++) {
                store.apply(b("key-" + i), b("value-" + i), v(i + 1));
                store.flush();
            }
        }
        List<Path> segments = Fixtures.segmentFiles(dir);
        assertTrue(segments.size() > 5);
        Path damaged = segments.get(2);
        List<String> keysInDamaged = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(damaged)) {
            SegmentReader reader = new SegmentReader(ch, Segment.FORMAT_VERSION, Segment.HEADER_BYTES, ch.size());
            while (reader.next()) {
                keysInDamaged.add(str(reader.key()));
                offsets.add(reader.offset());
            }
        }
        assertTrue(keysInDamaged.size() >= 3);
        flipByte(damaged, offsets.get(1) + RecordCodec.HEADER_BYTES + 2);
        Map<String, byte[]> before = Fixtures.snapshot(dir);
        try (LogStore store = LogStore.open(o)) {
            assertEquals("value-" + keysInDamaged.get(0).substring(4), str(store.get(b(keysInDamaged.get(0))).value()));
            for (String lost : keysInDamaged.subList(1, keysInDamaged.size())) {
                assertNull(store.get(b(lost)), lost + " lay after the damage");
            }
            assertEquals(40 - (keysInDamaged.size() - 1), store.keyCount(), "every other segment is read in full");
        }
        assertTrue(Files.exists(damaged));
        assertEquals(before.get(damaged.getFileName().toString()).length, damaged.toFile().length(), "not truncated");
    }

    @Test
    void aGarbageFileInPlaceOfTheNewestSegmentIsSetAside() throws Exception {
        writeThree();
        Path garbage = dir.resolve("segment-0000000099.log");
        Files.writeString(garbage, "this is not a segment, just some text that got here somehow");
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertThree(store);
        }
        assertFalse(Files.exists(garbage));
        assertTrue(Files.exists(dir.resolve("segment-0000000099.log.corrupt")), "kept for inspection");
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertThree(store);
            store.apply(b("after"), b("x"), v(10));
            store.flush();
        }
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertEquals("x", str(store.get(b("after")).value()), "new segments take ids past the set-aside file");
        }
    }

    @Test
    void anEmptyOrShortNewestSegmentIsATornCreationAndIsRemoved() throws Exception {
        writeThree();
        Path empty = dir.resolve("segment-0000000050.log");
        Files.write(empty, new byte[0]);
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertThree(store);
        }
        assertFalse(Files.exists(empty));
        Path shortHeader = dir.resolve("segment-0000000060.log");
        Files.write(shortHeader, new byte[] {'R', 'K', 'V', '1', 0});
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertThree(store);
        }
        assertFalse(Files.exists(shortHeader));
    }

    @Test
    void aGarbageOlderFileIsIgnoredAndKept() throws Exception {
        writeThree();
        Path garbage = dir.resolve("segment-0000000000.log"); // older than every real segment
        Files.write(garbage, new byte[4096]);
        try (LogStore store = LogStore.open(options(dir).build())) {
            assertThree(store);
        }
        assertEquals(4096, garbage.toFile().length());
    }

    @Test
    void aSegmentOfANewerFormatIsRefusedRatherThanMisread() throws Exception {
        writeThree();
        Path newer = dir.resolve("segment-0000000070.log");
        byte[] header = Segment.encodeHeader(Segment.Kind.APPEND, v(1));
        header[5] = 3; // format version 3
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(header, 0, Segment.HEADER_BYTES - 4);
        RecordCodec.putInt(header, Segment.HEADER_BYTES - 4, (int) crc.getValue());
        Files.write(newer, header);
        Map<String, byte[]> before = Fixtures.snapshot(dir);
        StorageException e = assertThrows(StorageException.class, () -> LogStore.open(options(dir).build()));
        assertTrue(e.getMessage().contains("segment-0000000070.log has segment format version 3"), e.getMessage());
        before.remove(StoreFiles.LOCK_FILE);
        Map<String, byte[]> after = Fixtures.snapshot(dir);
        after.remove(StoreFiles.LOCK_FILE);
        Fixtures.assertSameFiles(before, after);
    }

    @Test
    void theHighWaterMarkOfAnEmptyStoreSurvivesRestarts() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("k"), b("v"), new Version(3, 5, 7));
            store.apply(b("k"), null, new Version(3, 5, 8));
            store.flush();
        }
        for (int i = 0; i < 3; i++) {
            try (LogStore store = LogStore.open(options(dir).build())) {
                assertEquals(new Version(3, 5, 8), store.highestVersion());
            }
        }
        assertTrue(Fixtures.segmentFiles(dir).size() <= 3, "header-only segments of earlier runs are removed");
    }

    private void writeThree() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("a"), b("1"), v(1));
            store.apply(b("b"), b("2"), v(2));
            store.apply(b("c"), null, v(3));
            store.flush();
        }
    }

    private static void assertThree(LogStore store) {
        assertEquals("1", str(store.get(b("a")).value()));
        assertEquals("2", str(store.get(b("b")).value()));
        assertTrue(store.get(b("c")).isTombstone());
        assertEquals(v(3), store.highestVersion());
    }

    static void truncate(Path file, long size) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) offset] ^= 0x40;
        Files.write(file, bytes);
    }

    static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
