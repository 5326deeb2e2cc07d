package dev.ringkv.storage;

import java.util.Arrays;

/**
 * The key directory's point index: an open-addressing hash table of entries, found by their key bytes.
 *
 * <p>It replaces a {@code HashMap<Key, Entry>} on the path of every write. A lookup there walked table,
 * node, key wrapper, key bytes and entry, each a likely cache miss in a directory of 100 000 keys; here
 * the slot holds the entry itself, which carries its key's hash and bytes: slot, entry, bytes. It also
 * saves the node and the wrapper, about 56 bytes a key.
 *
 * <p>Linear probing, at most half full; a removal shifts the following entries of its run back, so there
 * are no deleted markers and a probe stops at the first empty slot. Owner thread only.
 */
final class KeyTable {

    private static final int MIN_CAPACITY = 16;

    private KeyDir.Entry[] slots = new KeyDir.Entry[MIN_CAPACITY];
    private int size;

    /** The hash a key is stored under (its entry keeps it: see {@link KeyDir.Entry#keyHash}). */
    static int hash(byte[] key) {
        return Arrays.hashCode(key);
    }

    int size() {
        return size;
    }

    /** The entry of the key whose bytes and {@link #hash} are given, or null. */
    KeyDir.Entry get(byte[] key, int hash) {
        KeyDir.Entry[] s = slots;
        int mask = s.length - 1;
        for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
            KeyDir.Entry e = s[i];
            if (e == null) {
                return null;
            }
            if (e.keyHash == hash && Arrays.equals(e.key, key)) {
                return e;
            }
        }
    }

    /** Adds an entry whose key is not in the table. */
    void add(KeyDir.Entry e) {
        if (2 * (size + 1) > slots.length) {
            resize(slots.length * 2);
        }
        place(slots, e);
        size++;
    }

    /** Removes this entry (found by identity); false if it is not in the table. */
    boolean remove(KeyDir.Entry e) {
        KeyDir.Entry[] s = slots;
        int mask = s.length - 1;
        int i = spread(e.keyHash) & mask;
        while (s[i] != e) {
            if (s[i] == null) {
                return false;
            }
            i = (i + 1) & mask;
        }
        // Backward shift: move up every later entry of the run that may sit at the freed slot, so that no
        // probe meets an empty slot before its entry.
        int hole = i;
        for (int j = (hole + 1) & mask; s[j] != null; j = (j + 1) & mask) {
            int home = spread(s[j].keyHash) & mask;
            // j's entry may move to the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                s[hole] = s[j];
                hole = j;
            }
        }
        s[hole] = null;
        size--;
        if (s.length > MIN_CAPACITY && 8 * size < s.length) {
            resize(s.length / 2);
        }
        return true;
    }

    private void resize(int capacity) {
        KeyDir.Entry[] old = slots;
        KeyDir.Entry[] next = new KeyDir.Entry[capacity];
        for (KeyDir.Entry e : old) {
            if (e != null) {
                place(next, e);
            }
        }
        slots = next;
    }

    private static void place(KeyDir.Entry[] s, KeyDir.Entry e) {
        int mask = s.length - 1;
        int i = spread(e.keyHash) & mask;
        while (s[i] != null) {
            i = (i + 1) & mask;
        }
        s[i] = e;
    }

    /** Arrays.hashCode of short keys differs little in the low bits: multiply them into the high ones. */
    private static int spread(int hash) {
        int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
