package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record codec read back through windows smaller and larger than the records, and garbage. */
class SegmentReaderTest {

    @TempDir
    Path dir;

    private record Written(byte[] key, byte[] value, Version version) {
    }

    private Path write(List<Written> records, byte[] trailing) throws Exception {
        Batch batch = new Batch();
        for (Written w : records) {
            batch.appendRecord(w.key(), w.value(), w.version());
        }
        byte[] bytes = batch.copy(0, batch.length());
        Path file = dir.resolve("records");
        Files.write(file, bytes);
        if (trailing.length > 0) {
            Files.write(file, trailing, java.nio.file.StandardOpenOption.APPEND);
        }
        return file;
    }

    private static List<Written> randomRecords(int count) {
        Random random = new Random(8);
        List<Written> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[random.nextInt(20)];
            random.nextBytes(key);
            byte[] value = random.nextInt(6) == 0 ? null : new byte[random.nextInt(4) == 0 ? 3_000 : random.nextInt(50)];
            if (value != null) {
                random.nextBytes(value);
            }
            records.add(new Written(key, value, new Version(random.nextInt(3), random.nextLong(), random.nextLong())));
        }
        return records;
    }

    @Test
    void readsEveryRecordWhateverTheWindowSize() throws Exception {
        List<Written> records = randomRecords(200);
        Path file = write(records, new byte[0]);
        for (int window : new int[] {1, 64, 1_000, 1 << 20}) {
            try (FileChannel ch = FileChannel.open(file)) {
                SegmentReader reader = new SegmentReader(ch, Segment.FORMAT_VERSION, 0, ch.size(), window);
                for (Written w : records) {
                    assertTrue(reader.next(), "window " + window);
                    assertArrayEquals(w.key(), reader.key());
                    assertArrayEquals(w.value(), reader.value());
                    assertEquals(w.version(), reader.version());
                }
                assertFalse(reader.next());
                assertNull(reader.problem());
                assertEquals(ch.size(), reader.stoppedAt());
            }
        }
    }

    @Test
    void stopsAtGarbageAndSaysWhere() throws Exception {
        List<Written> records = List.of(new Written(b("a"), b("1"), v(1)), new Written(b("b"), null, v(2)));
        long end = RecordCodec.size(1, 1) + RecordCodec.size(1, -1);
        byte[][] garbage = {
            {1, 2, 3},                                                     // shorter than a header
            {0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},           // negative key length
            {0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                'x'},                                                      // claims more than is there
            new byte[40],                                                  // zeros: a checksum mismatch
        };
        String[] reasons = {"torn record", "invalid lengths", "torn record", "checksum mismatch"};
        for (int i = 0; i < garbage.length; i++) {
            Path file = write(records, garbage[i]);
            try (FileChannel ch = FileChannel.open(file)) {
                SegmentReader reader = new SegmentReader(ch, Segment.FORMAT_VERSION, 0, ch.size(), 16);
                assertTrue(reader.next());
                assertTrue(reader.next());
                assertFalse(reader.next());
                assertEquals(end, reader.stoppedAt());
                assertTrue(reader.problem().startsWith(reasons[i]), reader.problem());
                assertFalse(reader.next(), "stays stopped");
            }
        }
    }
}
