package dev.ringkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class KeyTableTest {

    private static KeyDir.Entry entry(byte[] key) {
        return new KeyDir.Entry(key, Hashing.position(key));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Random adds and removes, checked against a HashMap after every step. The keys are drawn from a small
     * space, so they are often present, and include pairs with equal {@code Arrays.hashCode} ("Aa", "BB"
     * and their concatenations), so probe runs hold different keys of one hash and removals must shift
     * them back across each other and across the end of the array.
     */
    @Property(tries = 200)
    void behavesLikeAHashMapUnderRandomAddsAndRemoves(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3000) int steps) {
        Random r = new Random(seed);
        List<byte[]> space = new ArrayList<>();
        String[] blocks = {"Aa", "BB"}; // equal hash codes, so any concatenation of n blocks shares one hash
        for (int i = 0; i < 16; i++) {
            StringBuilder b = new StringBuilder();
            for (int bit = 0; bit < 4; bit++) {
                b.append(blocks[(i >> bit) & 1]);
            }
            space.add(utf8(b.toString()));
        }
        for (int i = 0; i < 300; i++) {
            space.add(utf8("key:" + i));
        }
        KeyTable table = new KeyTable();
        Map<String, KeyDir.Entry> model = new HashMap<>();
        for (int step = 0; step < steps; step++) {
            byte[] key = space.get(r.nextInt(space.size())).clone(); // a lookup never relies on identity
            String k = new String(key, StandardCharsets.UTF_8);
            KeyDir.Entry present = model.get(k);
            if (present == null) {
                KeyDir.Entry e = entry(key);
                table.add(e);
                model.put(k, e);
            } else if (r.nextInt(3) == 0) {
                assertTrue(table.remove(present));
                assertFalse(table.remove(present), "an entry is removed once");
                model.remove(k);
            }
            if (step % 50 == 0 || step == steps - 1) {
                assertEquals(model.size(), table.size());
                for (byte[] probe : space) {
                    KeyDir.Entry expected = model.get(new String(probe, StandardCharsets.UTF_8));
                    KeyDir.Entry found = table.get(probe, KeyTable.hash(probe));
                    assertSame(expected, found, () -> "lookup of " + new String(probe, StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Test
    void growsAndShrinksKeepingEveryEntry() {
        KeyTable table = new KeyTable();
        List<KeyDir.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            KeyDir.Entry e = entry(utf8("key:" + i));
            table.add(e);
            entries.add(e);
        }
        assertEquals(100_000, table.size());
        for (int i = 0; i < 100_000; i += 2) {
            assertTrue(table.remove(entries.get(i)));
        }
        for (int i = 0; i < 100_000; i++) {
            byte[] key = utf8("key:" + i);
            KeyDir.Entry found = table.get(key, KeyTable.hash(key));
            if (i % 2 == 0) {
                assertNull(found);
            } else {
                assertSame(entries.get(i), found);
            }
        }
        for (int i = 1; i < 100_000; i += 2) {
            assertTrue(table.remove(entries.get(i)));
        }
        assertEquals(0, table.size());
        assertNull(table.get(utf8("key:1"), KeyTable.hash(utf8("key:1"))));
    }

    @Test
    void anEntryWithAnEqualKeyIsNotRemovedInItsPlace() {
        KeyTable table = new KeyTable();
        KeyDir.Entry stored = entry(utf8("k"));
        table.add(stored);
        assertFalse(table.remove(entry(utf8("k"))), "removal is by identity: a look-alike is not in the table");
        assertSame(stored, table.get(utf8("k"), KeyTable.hash(utf8("k"))));
    }
}
