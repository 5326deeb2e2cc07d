package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ringkv.ring.Hashing;
import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** drop(range): the node forgets what it no longer holds; everything outside the range stays. */
class DropTest {

    @TempDir
    Path dir;

    @Test
    void dropsExactlyTheEntriesInAWrappingRange() {
        try (LogStore s = LogStore.open(Fixtures.options(dir).build())) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                keys.add("k" + i);
                s.apply(b("k" + i), b("v" + i), v(i + 1));
            }
            s.apply(b("k7"), null, v(1000)); // a tombstone is dropped too when in range
            s.flush();
            // a wrapping range: from 3/4 of the ring across zero to 1/4
            Range r = new Range(new Position(0xC000000000000000L, 0), new Position(0x4000000000000000L, 0));
            long expected = keys.stream().filter(k -> r.contains(Hashing.position(b(k)))).count();
            assertEquals(expected, s.drop(r));
            for (String k : keys) {
                boolean in = r.contains(Hashing.position(b(k)));
                if (in) {
                    assertNull(s.get(b(k)), k);
                } else if (!k.equals("k7")) {
                    assertNotNull(s.get(b(k)), k);
                }
            }
            assertEquals(0, s.scan(r, null, 1000, true).size());
            long liveOutside = keys.stream().filter(k -> !k.equals("k7") && !r.contains(Hashing.position(b(k)))).count();
            assertEquals(liveOutside, s.keyCount());
            // dropped keys can be written again and are then held normally
            String back = keys.stream().filter(k -> r.contains(Hashing.position(b(k)))).findFirst().orElseThrow();
            s.apply(b(back), b("again"), v(2000));
            s.flush();
            assertEquals("again", Fixtures.str(s.get(b(back)).value()));
        }
    }
}
