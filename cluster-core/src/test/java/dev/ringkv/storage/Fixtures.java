package dev.ringkv.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Small helpers shared by the storage tests. */
final class Fixtures {

    private Fixtures() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static Version v(long seq) {
        return new Version(1, 1, seq);
    }

    /** Fast options for tests whose subject is not durability against power loss. */
    static StoreOptions.Builder options(Path dir) {
        return StoreOptions.builder(dir).fsyncPolicy(FsyncPolicy.NO);
    }

    /** What a crash would leave: a byte copy of the directory as it is now. */
    static void copyDir(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path p : files.toList()) {
                    Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** File name to content, for "nothing changed" checks. */
    static Map<String, byte[]> snapshot(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            Map<String, byte[]> m = new TreeMap<>();
            for (Path p : files.toList()) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "file names");
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), "content of " + name));
    }

    static List<Path> segmentFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("segment-\\d{10}\\.log")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path newestSegment(Path dir) {
        List<Path> all = segmentFiles(dir);
        return all.get(all.size() - 1);
    }

    /**
     * A reference model: the newest value (null = deleted) and version per key. A deleted key may be gone from
     * the store entirely once compaction dropped its tombstone.
     */
    static final class Model {
        record Value(String value, Version version) {
        }

        final Map<String, Value> entries = new HashMap<>();

        void put(String key, String value, Version version) {
            entries.put(key, new Value(value, version));
        }

        Model copy() {
            Model m = new Model();
            m.entries.putAll(entries);
            return m;
        }

        void assertMatches(Store store) {
            long live = 0;
            for (Map.Entry<String, Value> e : entries.entrySet()) {
                StoredEntry got = store.get(b(e.getKey()));
                Value want = e.getValue();
                if (want.value() == null) {
                    if (got != null) {
                        assertTrue(got.isTombstone(), () -> e.getKey() + " was deleted but reads " + str(got.value()));
                        assertEquals(want.version(), got.version(), e.getKey());
                    }
                } else {
                    live++;
                    assertNotNull(got, () -> e.getKey() + " is missing");
                    assertEquals(want.value(), str(got.value()), e.getKey());
                    assertEquals(want.version(), got.version(), e.getKey());
                }
            }
            assertEquals(live, store.keyCount(), "keyCount");
            List<StoredEntry> all = store.scan(Range.full(Position.ZERO), null, Integer.MAX_VALUE, true);
            for (StoredEntry s : all) {
                assertTrue(entries.containsKey(str(s.key())), () -> "unexpected key " + str(s.key()));
            }
        }
    }
}
