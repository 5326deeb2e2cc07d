package dev.ringkv.storage;

import java.util.Arrays;

/**
 * The values the key directory keeps in memory ({@link StoreOptions#inlineValueBytes()}), packed into
 * large shared byte arrays ("slabs") instead of one array object per value.
 *
 * <p>Why: with an object per value, every overwrite leaves a new young object that the old entry points
 * at. Each young collection then had to copy the values of every key written since the last one and scan
 * the entries that point at them: 20–30 ms pauses every second or so under an overwrite load, on each
 * server, and the whole cluster waits for the slowest. Values copied into slabs are plain bytes in a few
 * long-lived arrays: nothing new survives a write.
 *
 * <p>How: a value goes to a slot of the smallest size class that fits it (16, 24, 32, 48, 64, 96 … bytes:
 * at most a third of a slot is wasted). A class is a list of slabs of {@link #SLAB_BYTES} and a stack of
 * free slots. A slot is named by a handle: its class and its slot number, in one {@code long}. The empty
 * value needs no slot. Freed slots are reused by the same class; when more than half of the reserved
 * bytes are free (after many deletes, or values that shrank), {@link #repack} moves the values into
 * fresh slabs and lets the old ones go.
 * Memory held: the slots in use, the freed ones until a repack, and at most one partly used slab per class.
 *
 * <p>Owner thread only, like the key directory.
 */
final class ValueArena {

    /** The handle of "not kept in memory". */
    static final long NONE = -1L;
    /** The handle of the empty value (no slot). */
    static final long EMPTY = -2L;
    static final int SLAB_BYTES = 64 << 10;
    /** Repacking starts once freed slots hold this many bytes, and more than the slots in use. */
    static final long REPACK_MIN_BYTES = 4L << 20;

    private final SizeClass[] classes;

    /** @param maxValueBytes the largest value it will be asked to hold (at most 1 GiB, as a record) */
    ValueArena(int maxValueBytes) {
        int max = Math.min(maxValueBytes, 1 << 30);
        int n = 0;
        while (classSize(n) < max) {
            n++;
        }
        classes = new SizeClass[n + 1];
        for (int i = 0; i <= n; i++) {
            classes[i] = new SizeClass(classSize(i));
        }
    }

    /** 16, 24, 32, 48, 64, 96, 128, …: powers of two and the midpoints between them. */
    static int classSize(int index) {
        int base = 16 << (index / 2);
        return index % 2 == 0 ? base : base + base / 2;
    }

    /** Copies the value into a slot; returns the slot's handle (it must be {@link #free}d once unused). */
    long store(byte[] value) {
        if (value.length == 0) {
            return EMPTY;
        }
        int c = classOf(value.length);
        SizeClass sc = classes[c];
        int slot = sc.allocate();
        System.arraycopy(value, 0, sc.slab(slot), sc.offset(slot), value.length);
        return (long) c << 32 | slot;
    }

    /** A copy of the {@code length} bytes held under {@code handle}. */
    byte[] read(long handle, int length) {
        if (handle == EMPTY) {
            return new byte[0];
        }
        SizeClass sc = classes[(int) (handle >>> 32)];
        int slot = (int) handle;
        int at = sc.offset(slot);
        return Arrays.copyOfRange(sc.slab(slot), at, at + length);
    }

    /** Releases a slot ({@link #NONE} and {@link #EMPTY} are ignored). */
    void free(long handle) {
        if (handle >= 0) {
            classes[(int) (handle >>> 32)].release((int) handle);
        }
    }

    /** Bytes of slabs allocated. */
    long reservedBytes() {
        return sum(sc -> (long) sc.slabCount * sc.slabBytes);
    }

    /** Bytes of slots in use. */
    long usedBytes() {
        return sum(sc -> (long) (sc.fresh - sc.freeCount) * sc.slotBytes);
    }

    /** Bytes of slots freed and not reused yet (what {@link #repack} gives back, give or take a slab per class). */
    long freeBytes() {
        return sum(sc -> (long) sc.freeCount * sc.slotBytes);
    }

    private long sum(java.util.function.ToLongFunction<SizeClass> bytes) {
        long sum = 0;
        for (SizeClass sc : classes) {
            sum += bytes.applyAsLong(sc);
        }
        return sum;
    }

    /** Whether {@link #repack} would give back much memory: freed slots outweigh the ones in use. */
    boolean wasteful() {
        long free = freeBytes();
        return free >= REPACK_MIN_BYTES && free > usedBytes();
    }

    /**
     * Moves every value still in use into fresh slabs, densely, and drops the old slabs. {@code entries}
     * must hold every entry with a slot; no other handle may be alive (the store calls this right after a
     * flush, when no rollback can need an old one).
     */
    void repack(Iterable<KeyDir.Entry> entries) {
        ValueArena fresh = new ValueArena(classes[classes.length - 1].slotBytes);
        for (KeyDir.Entry e : entries) {
            if (e.inline >= 0) {
                SizeClass from = classes[(int) (e.inline >>> 32)];
                int slot = (int) e.inline;
                SizeClass to = fresh.classes[(int) (e.inline >>> 32)];
                int moved = to.allocate();
                System.arraycopy(from.slab(slot), from.offset(slot), to.slab(moved), to.offset(moved), e.valueLength);
                e.inline = e.inline & 0xFFFFFFFF00000000L | moved;
            }
        }
        System.arraycopy(fresh.classes, 0, classes, 0, classes.length);
    }

    private int classOf(int length) {
        int lo = 0;
        int hi = classes.length - 1;
        if (length > classes[hi].slotBytes) {
            throw new IllegalArgumentException("a value of " + length + " bytes is too large for this arena");
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (classes[mid].slotBytes >= length) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The slabs and free slots of one slot size. */
    private static final class SizeClass {
        final int slotBytes;
        final int slotsPerSlab;
        final int slabBytes;
        byte[][] slabs = new byte[4][];
        int slabCount;
        /** Slots [0, fresh) have been handed out at least once. */
        int fresh;
        int[] free = new int[64];
        int freeCount;

        SizeClass(int slotBytes) {
            this.slotBytes = slotBytes;
            this.slotsPerSlab = Math.max(1, SLAB_BYTES / slotBytes);
            this.slabBytes = slotsPerSlab * slotBytes;
        }

        int allocate() {
            if (freeCount > 0) {
                return free[--freeCount];
            }
            if (fresh == slabCount * slotsPerSlab) {
                if (slabCount == slabs.length) {
                    slabs = Arrays.copyOf(slabs, slabCount * 2);
                }
                slabs[slabCount++] = new byte[slabBytes];
            }
            return fresh++;
        }

        void release(int slot) {
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = slot;
        }

        byte[] slab(int slot) {
            return slabs[slot / slotsPerSlab];
        }

        int offset(int slot) {
            return slot % slotsPerSlab * slotBytes;
        }
    }
}
