package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Hashing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValueArenaTest {

    @TempDir
    Path dir;

    private static byte[] random(Random r, int length) {
        byte[] v = new byte[length];
        r.nextBytes(v);
        return v;
    }

    @Test
    void sizeClassesArePowersOfTwoAndTheirMidpoints() {
        int[] expected = {16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ValueArena.classSize(i));
        }
    }

    /** Random stores and frees against a model: every live handle reads back exactly what was stored. */
    @Property(tries = 50)
    void holdsEveryValueUntilFreed(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5000) int maxBytes) {
        Random r = new Random(seed);
        ValueArena arena = new ValueArena(maxBytes);
        Map<Long, byte[]> live = new HashMap<>();
        List<Long> handles = new ArrayList<>();
        for (int step = 0; step < 3_000; step++) {
            if (handles.isEmpty() || r.nextInt(3) > 0) {
                int length = r.nextInt(10) == 0 ? maxBytes : r.nextInt(maxBytes + 1);
                byte[] value = random(r, length);
                long h = arena.store(value);
                if (h != ValueArena.EMPTY) {
                    assertNull(live.put(h, value), "a handle handed out twice");
                    handles.add(h);
                }
            } else {
                long h = handles.remove(r.nextInt(handles.size()));
                arena.free(h);
                live.remove(h);
            }
        }
        for (Map.Entry<Long, byte[]> e : live.entrySet()) {
            assertArrayEquals(e.getValue(), arena.read(e.getKey(), e.getValue().length));
        }
        long used = live.values().stream().mapToLong(x -> x.length).sum();
        assertTrue(arena.usedBytes() >= used && arena.usedBytes() <= used * 3 / 2 + 16L * live.size(),
                "slots are at most half again the size of their values: " + arena.usedBytes() + " for " + used);
    }

    @Test
    void theEmptyValueNeedsNoSlot() {
        ValueArena arena = new ValueArena(100);
        assertEquals(ValueArena.EMPTY, arena.store(new byte[0]));
        assertArrayEquals(new byte[0], arena.read(ValueArena.EMPTY, 0));
        arena.free(ValueArena.EMPTY);
        arena.free(ValueArena.NONE);
        assertEquals(0, arena.reservedBytes());
    }

    @Test
    void refusesAValueLargerThanItWasMadeFor() {
        ValueArena arena = new ValueArena(100);
        assertEquals(128, arena.read(arena.store(new byte[128]), 128).length); // the class of 100 holds 128
        assertThrows(IllegalArgumentException.class, () -> arena.store(new byte[129]));
    }

    @Test
    void repackKeepsEveryValueAndGivesMemoryBack() {
        Random r = new Random(7);
        KeyDir keyDir = new KeyDir(1024);
        ValueArena arena = keyDir.values();
        Map<KeyDir.Entry, byte[]> values = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            byte[] key = b("k" + i);
            KeyDir.Entry e = keyDir.add(key, Hashing.position(key));
            byte[] value = random(r, 1 + r.nextInt(300));
            e.valueLength = value.length;
            e.inline = arena.store(value);
            values.put(e, value);
        }
        assertFalse(arena.wasteful());
        long before = arena.reservedBytes();
        for (KeyDir.Entry e : new ArrayList<>(values.keySet())) {
            if (r.nextInt(10) > 0) { // forget 90% of them
                arena.free(e.inline);
                e.inline = ValueArena.NONE;
                values.remove(e);
            }
        }
        assertTrue(arena.wasteful(), "90% free");
        arena.repack(keyDir.ordered());
        assertFalse(arena.wasteful());
        long used = arena.usedBytes();
        long classesInUse = values.values().stream().mapToInt(x -> x.length).map(ValueArenaTest::classOf).distinct().count();
        assertTrue(arena.reservedBytes() <= used + classesInUse * ValueArena.SLAB_BYTES,
                arena.reservedBytes() + " reserved for " + used + " in use, " + before + " before");
        assertEquals(0, arena.freeBytes());
        for (Map.Entry<KeyDir.Entry, byte[]> x : values.entrySet()) {
            assertArrayEquals(x.getValue(), arena.read(x.getKey().inline, x.getValue().length));
        }
        // and it goes on working: new values land in the fresh slabs
        long h = arena.store(b("after"));
        assertArrayEquals(b("after"), arena.read(h, 5));
    }

    private static int classOf(int length) {
        int c = 0;
        while (ValueArena.classSize(c) < length) {
            c++;
        }
        return c;
    }

    @Test
    void theStoreRepacksAfterMostValuesAreDeleted() {
        byte[] value = new byte[200];
        try (LogStore store = LogStore.open(options(dir).inlineValueBytes(1024).build())) {
            for (int i = 0; i < 50_000; i++) {
                store.apply(b("k" + i), value, v(i + 1));
            }
            store.flush();
            long full = store.inlineReservedBytes();
            assertTrue(full >= 50_000L * 200, "reserved " + full);
            for (int i = 0; i < 50_000; i++) {
                if (i % 20 != 0) {
                    store.apply(b("k" + i), null, v(100_000 + i));
                }
            }
            store.flush();
            assertTrue(store.inlineReservedBytes() < full / 4, "repacked: " + store.inlineReservedBytes() + " of " + full);
            for (int i = 0; i < 50_000; i += 20) {
                assertArrayEquals(value, store.get(b("k" + i)).value());
            }
        }
    }
}
