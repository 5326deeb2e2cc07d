package dev.ringkv.storage;

import dev.ringkv.ring.Position;
import java.util.Arrays;
import java.util.Comparator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The in-memory key directory (DESIGN §9): for every key, where its newest record lies. A hash table
 * ({@link KeyTable}) serves point lookups; the same entries, ordered by (ring position, key bytes), make a
 * range scan one ordered walk. An entry's position never changes, so updating a key touches neither index.
 * Also keeps the counts the store reports and each segment's live bytes. Owner thread only.
 */
final class KeyDir {

    /** Ring order; probes with a bias sort before (-1) or after (+1) every key at their position. */
    static final Comparator<Entry> RING_ORDER = (a, b) -> {
        int c = Long.compareUnsigned(a.hi, b.hi);
        if (c == 0) {
            c = Long.compareUnsigned(a.lo, b.lo);
        }
        if (c != 0) {
            return c;
        }
        int biasA = a instanceof Probe p ? p.bias : 0;
        int biasB = b instanceof Probe p ? p.bias : 0;
        if (biasA != 0 || biasB != 0) {
            return Integer.compare(biasA, biasB);
        }
        return Arrays.compareUnsigned(a.key, b.key);
    };

    /**
     * Where a key's newest record is, and its value if small enough to keep in memory. The position and
     * the version are held as plain fields, not objects: two objects fewer per key (64 bytes of heap). The
     * record's size is not kept but derived (from its segment's format and the key and value lengths), and a
     * probe's bias lives in a subclass: so the version's ring field and the value's hash fit, and an entry
     * stays at 88 bytes.
     */
    static class Entry {
        /** The key's bytes (never modified), and their {@link KeyTable#hash}. */
        final byte[] key;
        final int keyHash;
        /** The key's ring position. */
        final long hi;
        final long lo;
        Segment segment;
        long offset;
        int valueLength;
        /** The record's version. */
        private long term;
        private long ring;
        private long seq;
        /**
         * {@link Digest#valueHash} of the record's value, for the digest and to break a tie of versions: kept
         * here so that neither reads a value from disk.
         */
        long valueHash;
        /** Where the value is kept in memory ({@link ValueArena}), or {@link ValueArena#NONE}. */
        long inline = ValueArena.NONE;

        Entry(byte[] key, Position position) {
            this.key = key;
            this.keyHash = key == null ? 0 : KeyTable.hash(key);
            this.hi = position.hi();
            this.lo = position.lo();
        }

        Position position() {
            return new Position(hi, lo);
        }

        /** The size of its record in its segment. */
        int recordSize() {
            return segment.recordSize(key.length, valueLength);
        }

        Version version() {
            return new Version(term, ring, seq);
        }

        long term() {
            return term;
        }

        long ring() {
            return ring;
        }

        long seq() {
            return seq;
        }

        void version(long term, long ring, long seq) {
            this.term = term;
            this.ring = ring;
            this.seq = seq;
        }

        /** Whether {@code v} is newer than this entry's version, without making a Version of it. */
        boolean isOlderThan(Version v) {
            return Version.compare(v.term(), v.ring(), v.seq(), term, ring, seq) > 0;
        }

        /**
         * Whether a record of version {@code v} whose value hashes to {@code valueHash} replaces this entry:
         * a newer version does; so does the same version with a greater value hash (unsigned). Two values
         * under one version come only from a bug or tampering, but then every holder keeps the same one, in
         * whatever order the copies arrive, and anti-entropy converges. Re-sent copies change nothing.
         */
        boolean yieldsTo(Version v, long valueHash) {
            return isOlderThan(v) || Long.compareUnsigned(valueHash, this.valueHash) > 0 && version().equals(v);
        }

        boolean isTombstone() {
            return valueLength < 0;
        }
    }

    private final KeyTable byKey = new KeyTable();
    private final ValueArena values;
    private final TreeSet<Entry> byPosition = new TreeSet<>(RING_ORDER);
    private long liveKeys;
    private long liveBytes;
    private long tombstones;

    /** @param inlineValueBytes values up to this size may be kept in memory ({@link #values()}) */
    KeyDir(int inlineValueBytes) {
        this.values = new ValueArena(inlineValueBytes);
    }

    /** The values kept in memory; entries hold handles into it. */
    ValueArena values() {
        return values;
    }

    /** The key's entry, or null. */
    Entry get(byte[] key) {
        return byKey.get(key, KeyTable.hash(key));
    }

    /**
     * Adds a key with no entry yet; {@link #place} it next. The entry keeps {@code key}: the caller must not
     * change it afterwards.
     */
    Entry add(byte[] key, Position position) {
        Entry e = new Entry(key, position);
        byKey.add(e);
        byPosition.add(e);
        return e;
    }

    /**
     * Points the entry at a new record of its key, with its value kept in memory under {@code inline} (or
     * {@link ValueArena#NONE}). The slot of the value it held is not freed here: the caller frees it once
     * no rollback can bring it back.
     */
    void place(Entry e, Segment segment, long offset, int valueLength, Version version, long valueHash, long inline) {
        place(e, segment, offset, valueLength, version.term(), version.ring(), version.seq(), valueHash, inline);
    }

    /** {@link #place(Entry, Segment, long, int, Version, long, long)} with the version as its three fields. */
    void place(Entry e, Segment segment, long offset, int valueLength, long term, long ring, long seq, long valueHash,
               long inline) {
        unaccount(e);
        e.segment = segment;
        e.offset = offset;
        e.valueLength = valueLength;
        e.version(term, ring, seq);
        e.valueHash = valueHash;
        e.inline = inline;
        account(e);
    }

    /** The same record, copied elsewhere by compaction (in that segment's format: its size may differ). */
    void move(Entry e, Segment segment, long offset) {
        e.segment.liveBytes -= e.recordSize();
        e.segment = segment;
        e.offset = offset;
        segment.liveBytes += e.recordSize();
    }

    /** Forgets the entry, and frees its value's slot. */
    void remove(Entry e) {
        unaccount(e);
        values.free(e.inline);
        e.inline = ValueArena.NONE;
        e.segment = null;
        byKey.remove(e);
        byPosition.remove(e);
    }

    NavigableSet<Entry> ordered() {
        return byPosition;
    }

    long liveKeys() {
        return liveKeys;
    }

    long liveBytes() {
        return liveBytes;
    }

    long tombstones() {
        return tombstones;
    }

    private void unaccount(Entry e) {
        if (e.segment == null) {
            return;
        }
        e.segment.liveBytes -= e.recordSize();
        if (e.isTombstone()) {
            tombstones--;
        } else {
            liveKeys--;
            liveBytes -= e.key.length + (long) e.valueLength;
        }
    }

    private void account(Entry e) {
        e.segment.liveBytes += e.recordSize();
        if (e.isTombstone()) {
            tombstones++;
        } else {
            liveKeys++;
            liveBytes += e.key.length + (long) e.valueLength;
        }
    }

    /** A probe that sorts before (bias -1) or after (+1) every key at the position. */
    static Entry probe(Position position, int bias) {
        return new Probe(position, bias);
    }

    /** A probe equal to the entry of exactly this key at this position. */
    static Entry probe(Position position, byte[] key) {
        return new Entry(key, position);
    }

    /** A search key for the ring order, with no key of its own. */
    private static final class Probe extends Entry {
        final int bias;

        Probe(Position position, int bias) {
            super(null, position);
            this.bias = bias;
        }
    }
}
