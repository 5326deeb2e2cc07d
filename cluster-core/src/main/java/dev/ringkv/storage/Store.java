package dev.ringkv.storage;

import dev.ringkv.ring.Range;
import java.util.List;

/**
 * A node's local key-value store (DESIGN §9).
 *
 * <p>Threading: a store is owned by one thread (its node's event loop); every method must be called
 * from that thread. Implementations may use private background threads (e.g. a periodic fsync) that
 * never touch the key directory.
 *
 * <p>Durability: {@link #apply} changes what {@link #get} returns at once, but the record reaches the
 * operating system only at the next {@link #flush()}; callers that acknowledge a write wait for
 * {@link #whenDurable}. If a flush fails (a full disk, an I/O error), the writes of that batch are
 * rolled back — {@code get} no longer returns them — and every waiter is told the error.
 */
public interface Store extends AutoCloseable {

    /** The newest entry for the key, a tombstone included; {@code null} if the store has none. */
    StoredEntry get(byte[] key);

    /**
     * Stores the value ({@code null} = delete, kept as a tombstone) if {@code version} is newer than the
     * version held for the key; an older version, or the same one again, is ignored (re-sent writes are
     * idempotent). Two different values under one version (a bug or tampering, never a client write): the one
     * with the greater {@link Digest#valueHash} is kept, whatever the order, so every holder keeps the same.
     *
     * @return true if applied
     * @throws StorageException if the store is closed or the key/value exceeds the record limits (after a
     *     failed flush the store keeps accepting writes: the next flush tries the disk again)
     */
    boolean apply(byte[] key, byte[] value, Version version);

    /** Calls the listener after the next flush: with {@code null} once the batch is durable per policy, or the failure. */
    void whenDurable(DurabilityListener listener);

    /** True if writes, or listeners registered with {@link #whenDurable}, are waiting for {@link #flush()}. */
    boolean hasPendingWrites();

    /** Writes the pending batch, fsyncs per policy, and notifies the waiters. Never throws for an I/O failure: waiters get it. */
    void flush();

    /**
     * Live entries (and tombstones if asked) whose position lies in the range, in ring order starting after
     * {@code after} (exclusive; {@code null} = from the start of the range), at most {@code limit}. A wrapping
     * range is walked from its start across zero to its end.
     */
    List<StoredEntry> scan(Range range, StoredEntry after, int limit, boolean includeTombstones);

    /**
     * Forgets every entry (tombstones included) whose position lies in the range: the node no longer
     * holds it (DESIGN §7, old holders drop what moved). No record is written: the dropped records become
     * dead bytes for compaction, and until compaction removes them a restart may bring them back — which
     * is harmless because versions decide (any write since carries a higher version, and tombstones are
     * kept by nodes that hold the range). Pending writes are flushed first.
     *
     * @return how many entries were dropped
     */
    long drop(Range range);

    /**
     * The digest of every entry (tombstones included) whose position lies in the range: what anti-entropy
     * compares across the replicas of a range (DESIGN §6). Reads only the key directory.
     */
    Digest digest(Range range);

    /** The node's control records (term, vote, the ECS's ring), kept beside the data. */
    ControlFiles control();

    /** Entries (tombstones included) whose position lies in the range. */
    default long count(Range range) {
        return digest(range).entries();
    }

    /** Live (non-tombstone) keys. */
    long keyCount();

    /** Bytes of live keys and values. */
    long liveBytes();

    /** Bytes on disk across all segment files. */
    long diskBytes();

    /** The highest version the store has ever held (survives restarts, compaction and tombstone removal). */
    Version highestVersion();

    /**
     * Does at most a bounded slice of compaction work (so the owner's event loop stays responsive) if
     * dead bytes justify it. Returns true if more work is waiting.
     */
    boolean compactStep();

    @Override
    void close();

    /** Told once per {@link #whenDurable} registration. */
    @FunctionalInterface
    interface DurabilityListener {
        void onFlushed(StorageException failureOrNull);
    }
}
