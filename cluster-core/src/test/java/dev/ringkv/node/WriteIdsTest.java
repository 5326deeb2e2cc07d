package dev.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.storage.Version;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a node remembers of clients' write ids, and what a copy of a key carries of them. */
class WriteIdsTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Version v(long seq) {
        return new Version(1, 1, seq);
    }

    @Test
    void aCopyCarriesTheIdsOfTheWritesUpToItsVersion() {
        WriteIds ids = new WriteIds();
        ids.put(1, b("k"), v(1));
        ids.put(2, b("k"), v(2));
        ids.put(3, b("other"), v(3));
        assertEquals("1,2", new String(ids.of(b("k"), v(2)), StandardCharsets.US_ASCII));
        assertEquals("1", new String(ids.of(b("k"), v(1)), StandardCharsets.US_ASCII), "not a write after the copy");
        assertArrayEquals(WriteIds.NONE, ids.of(b("nothing"), v(9)));
    }

    @Test
    void idsLearntFromACopyAreExactOnlyForTheWriteItself() {
        WriteIds ids = new WriteIds();
        ids.learn(b("k"), v(5), b("7"), true); // a coordinator's REPL of write 7
        assertTrue(ids.get(7).exact());
        ids.learn(b("k"), v(9), b("8,9"), false); // a transfer's chunk: the key at version 9
        assertFalse(ids.get(8).exact());
        assertEquals(v(9), ids.get(8).version());
        ids.learn(b("k"), v(9), b("7"), false);
        assertTrue(ids.get(7).exact(), "what it knew exactly it keeps");
        ids.learn(b("k"), v(9), b("10,x"), false);
        assertNull(ids.get(10), "a malformed list is ignored whole");
    }

    @Test
    void aCopyCarriesAtMostSixteenIdsOfAKey() {
        WriteIds ids = new WriteIds();
        for (int i = 1; i <= WriteIds.PER_KEY + 4; i++) {
            ids.put(i, b("k"), v(i));
        }
        String carried = new String(ids.of(b("k"), v(100)), StandardCharsets.US_ASCII);
        assertEquals(WriteIds.PER_KEY, carried.split(",").length);
        assertTrue(carried.startsWith("5,"), carried);
        assertEquals(v(1), ids.get(1).version(), "still known here, no longer carried");
    }

    @Test
    void anIdReusedForAnotherKeyLeavesTheFirstKeysList() {
        WriteIds ids = new WriteIds();
        ids.put(1, b("a"), v(1));
        ids.put(1, b("b"), v(2)); // a client numbering its writes from 1 again
        assertArrayEquals(WriteIds.NONE, ids.of(b("a"), v(9)));
        assertEquals("1", new String(ids.of(b("b"), v(9)), StandardCharsets.US_ASCII));
        for (long i = 2; i <= WriteIds.CAPACITY + 1; i++) {
            ids.put(i, b("c"), v(i));
        }
        assertNull(ids.get(1), "evicted");
        assertArrayEquals(WriteIds.NONE, ids.of(b("b"), v(9)), "and gone from its key's list");
        assertEquals(WriteIds.CAPACITY, ids.size());
    }
}
