package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Hashing;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreDumpTest {

    @TempDir
    Path dir;

    private void fill() {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("alpha"), b("one"), v(1));
            store.apply(new byte[] {1, 'k'}, b("tab\there\\"), v(2));
            store.apply(b("gone"), b("soon"), v(3));
            store.apply(b("gone"), null, v(4));
            byte[] large = new byte[1_000];
            Arrays.fill(large, (byte) 'x');
            store.apply(b("large"), large, v(5));
            store.apply(b("empty"), new byte[0], new Version(2, 1, 1));
            store.flush();
        }
    }

    private static String dump(Path d) throws Exception {
        StringBuilder out = new StringBuilder();
        StoreDump.dump(d, out);
        return out.toString();
    }

    @Test
    void printsOneLinePerKeyInRingOrderWithEscapesAndTombstones() throws Exception {
        fill();
        Map<String, byte[]> before = Fixtures.snapshot(dir);
        List<String> lines = dump(dir).lines().toList();
        Fixtures.assertSameFiles(before, Fixtures.snapshot(dir));

        assertTrue(lines.get(0).startsWith("# " + dir.toAbsolutePath().normalize() + ": 4 keys, 1 tombstones, "), lines.get(0));
        assertTrue(lines.get(0).endsWith(" bytes on disk, highest version 2.1.1"), lines.get(0));
        List<String> entries = lines.subList(1, lines.size());
        assertEquals(5, entries.size());
        assertTrue(entries.contains(Hashing.position(b("alpha")).hex() + "  1.1.1  alpha  one"));
        assertTrue(entries.contains(Hashing.position(new byte[] {1, 'k'}).hex() + "  1.1.2  \\x01k  tab\\x09here\\\\"));
        assertTrue(entries.contains(Hashing.position(b("gone")).hex() + "  1.1.4  gone  (deleted)"));
        assertTrue(entries.contains(Hashing.position(b("large")).hex() + "  1.1.5  large  " + "x".repeat(256) + "... (1000 bytes)"));
        assertTrue(entries.contains(Hashing.position(b("empty")).hex() + "  2.1.1  empty  "));
        List<String> positions = entries.stream().map(l -> l.substring(0, 32)).toList();
        assertEquals(positions.stream().sorted().toList(), positions, "ring order");
    }

    @Test
    void reportsATornTailWithoutCuttingIt() throws Exception {
        fill();
        Path segment = Fixtures.newestSegment(dir);
        RecoveryTest.truncate(segment, segment.toFile().length() - 5);
        Map<String, byte[]> before = Fixtures.snapshot(dir);
        List<String> lines = dump(dir).lines().toList();
        Fixtures.assertSameFiles(before, Fixtures.snapshot(dir));
        assertTrue(lines.get(1).startsWith("# warning: " + segment.getFileName() + ": "), lines.get(1));
        assertTrue(lines.get(0).contains(": 3 keys, 1 tombstones,"), "the torn last record (empty) is not shown: " + lines.get(0));
    }

    @Test
    void worksOnTheDirectoryOfAnOpenStore() throws Exception {
        try (LogStore store = LogStore.open(options(dir).build())) {
            store.apply(b("k"), b("v"), v(1));
            store.flush();
            assertTrue(dump(dir).contains("  1.1.1  k  v"));
            store.apply(b("k"), b("w"), v(2));
            store.flush();
        }
        assertTrue(dump(dir).contains("  1.1.2  k  w"));
    }

    @Test
    void refusesAMissingDirectory() {
        StorageException e = assertThrows(StorageException.class, () -> dump(dir.resolve("nope")));
        assertEquals("data directory " + dir.resolve("nope").toAbsolutePath() + " does not exist", e.getMessage());
    }
}
