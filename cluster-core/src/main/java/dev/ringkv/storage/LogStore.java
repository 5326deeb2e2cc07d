package dev.ringkv.storage;

import dev.ringkv.ring.Hashing;
import dev.ringkv.ring.Range;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log-structured {@link Store} (DESIGN §9, the Bitcask model).
 *
 * <p>Layout: a directory of append-only segment files ({@link Segment}) of CRC-checked records
 * ({@link RecordCodec}), plus a {@code LOCK} file that keeps a second process out. All of the key
 * directory lives in memory ({@link KeyDir}): a hash table for lookups and the same entries in ring order,
 * so a range scan is one ordered walk. Values up to {@link StoreOptions#inlineValueBytes()} are kept in
 * memory too; larger ones cost one positional read, checked against the record's CRC.
 *
 * <p>Writes: {@link #apply} appends the encoded record to an in-memory batch and updates the key directory
 * at once; {@link #flush()} writes the batch with one positional write, forces it under
 * {@link FsyncPolicy#ALWAYS} (one fsync for the whole batch: group commit), and tells the waiters. If that
 * fails (a full disk), the file is cut back to where the batch began, the batch's changes are undone in
 * reverse order, the waiters get a {@link StorageException}, and the store keeps working: the next flush
 * simply tries again. Under {@link FsyncPolicy#EVERYSEC} a daemon thread forces the active segment about
 * once a second; under {@link FsyncPolicy#NO} nothing is forced. Whatever the policy, compaction forces its
 * output before it removes anything, since it rewrites old data rather than new.
 *
 * <p>Threading: owned by one thread; see {@link Store}. Not thread-safe.
 */
public final class LogStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(LogStore.class);

    private final StoreOptions options;
    private final Path dir;
    private final ControlFiles control;
    private final DirectoryLock lock;
    private final KeyDir keyDir;
    /** Every usable segment by id, the active one included. */
    private final TreeMap<Long, Segment> segments;
    private final Batch batch = new Batch();
    private final List<Undo> undo = new ArrayList<>();
    private final CRC32C readCrc = new CRC32C();
    private final Syncer syncer;
    private List<DurabilityListener> waiters = new ArrayList<>();
    private Segment active;
    private long nextSegmentId;
    private Version highest;
    /** A failed flush could not cut its partial write off; the next flush does it first. */
    private boolean truncatePending;
    private boolean lastFlushFailed;
    private boolean closed;
    private Merge merge;
    private int mergesByWalk;
    /** Set when a merge failed on I/O; cleared by the next successful write, so a full disk is not hammered. */
    private boolean compactionSuspended;
    private Consumer<String> crashPoints = name -> { };

    /**
     * What {@link #apply} changed, to put back if the flush fails; the old version as its three numbers, so
     * a write allocates no Version for a rollback that almost never happens.
     */
    private record Undo(KeyDir.Entry entry, boolean added, Segment segment, long offset, int valueLength,
                        long term, long ring, long seq, long valueHash, long inline, Version highestBefore) {
    }

    private LogStore(StoreOptions options, Path dir, DirectoryLock lock, Recovery.Result recovered) throws IOException {
        this.options = options;
        this.dir = dir;
        this.control = new ControlFiles(dir);
        this.lock = lock;
        this.keyDir = recovered.keyDir();
        this.segments = recovered.segments();
        this.highest = recovered.highest();
        this.nextSegmentId = recovered.maxSegmentId() + 1;
        // Always a fresh active segment: appending to an old one would put new records beside records that a
        // merge may treat as older than everything in the active segment (see Merge on dropping tombstones).
        this.active = newSegment(Segment.Kind.APPEND);
        removeEmptySegments();
        this.syncer = options.fsyncPolicy() == FsyncPolicy.EVERYSEC ? new Syncer(dir) : null;
    }

    /** Opens (creating if needed) the store in {@code dir} with default options. */
    public static LogStore open(Path dir) {
        return open(StoreOptions.defaults(dir));
    }

    /**
     * Opens the store, recovering whatever the directory holds (see {@link Recovery}: a torn tail is cut off
     * with a warning, never an exception).
     *
     * @throws StorageException if the directory cannot be created or written, another process has it open,
     *     or it holds segments of an unknown format
     */
    public static LogStore open(StoreOptions options) {
        Path dir = options.dir().toAbsolutePath().normalize();
        StoreFiles.prepare(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir);
        Recovery.Result recovered = null;
        try {
            long started = System.nanoTime();
            recovered = Recovery.load(dir, options.channelOpener(), options.inlineValueBytes(), false);
            LogStore store = new LogStore(options, dir, lock, recovered);
            log.info("{} opened: {} keys, {} tombstones, {} segments, {} bytes on disk, highest version {}, fsync {}, in {} ms",
                    dir, store.keyCount(), store.keyDir.tombstones(), store.segments.size(), store.diskBytes(),
                    store.highest, options.fsyncPolicy().name().toLowerCase(Locale.ROOT),
                    (System.nanoTime() - started) / 1_000_000);
            return store;
        } catch (IOException e) {
            closeAll(recovered, lock);
            throw new StorageException("cannot open data directory " + dir + ": " + StoreFiles.describe(e), e);
        } catch (RuntimeException e) {
            closeAll(recovered, lock);
            throw e;
        }
    }

    private static void closeAll(Recovery.Result recovered, DirectoryLock lock) {
        if (recovered != null) {
            recovered.segments().values().forEach(Segment::close);
        }
        lock.close();
    }

    @Override
    public StoredEntry get(byte[] key) {
        ensureOpen();
        KeyDir.Entry e = keyDir.get(key);
        return e == null ? null : toStored(e);
    }

    @Override
    public boolean apply(byte[] key, byte[] value, Version version) {
        ensureOpen();
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
        if (key.length > options.maxKeyBytes()) {
            throw new StorageException("key is " + key.length + " bytes, the limit is " + options.maxKeyBytes());
        }
        if (value != null && value.length > options.maxValueBytes()) {
            throw new StorageException("value is " + value.length + " bytes, the limit is " + options.maxValueBytes());
        }
        long valueHash = Digest.valueHash(value);
        KeyDir.Entry e = keyDir.get(key);
        if (e != null && !e.yieldsTo(version, valueHash)) {
            return false;
        }
        long offset = active.size + batch.length();
        batch.appendRecord(key, value, version);
        if (e == null) {
            // The MD5 is paid once per new key; updates reuse the entry and its place in the ring order.
            e = keyDir.add(key.clone(), Hashing.position(key));
            undo.add(new Undo(e, true, null, 0, 0, 0, 0, 0, 0, ValueArena.NONE, highest));
        } else {
            undo.add(new Undo(e, false, e.segment, e.offset, e.valueLength, e.term(), e.ring(), e.seq(),
                    e.valueHash, e.inline, highest));
        }
        int valueLength = value == null ? RecordCodec.TOMBSTONE : value.length;
        long inline = value != null && value.length <= options.inlineValueBytes() ? keyDir.values().store(value)
                : ValueArena.NONE;
        keyDir.place(e, active, offset, valueLength, version, valueHash, inline);
        highest = Version.max(highest, version);
        return true;
    }

    @Override
    public void whenDurable(DurabilityListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            listener.onFlushed(closedError());
            return;
        }
        waiters.add(listener);
    }

    @Override
    public boolean hasPendingWrites() {
        // waiters count too: a whenDurable with nothing new to write is answered at the next flush
        return !batch.isEmpty() || !waiters.isEmpty();
    }

    @Override
    public void flush() {
        if (closed) {
            notifyWaiters(closedError());
            return;
        }
        StorageException failure = writeBatch();
        lastFlushFailed = failure != null;
        // Rotate before the waiters run: they may apply more writes, which must land in the new segment.
        if (failure == null && active.size >= options.segmentBytes()) {
            rotate();
        }
        notifyWaiters(failure);
    }

    private StorageException writeBatch() {
        if (batch.isEmpty() && !truncatePending) {
            return null;
        }
        long start = active.size;
        int writes = undo.size();
        try {
            if (truncatePending) {
                active.truncate(start);
                truncatePending = false;
            }
            if (!batch.isEmpty()) {
                active.write(batch.buffer(), start);
                if (options.fsyncPolicy() == FsyncPolicy.ALWAYS) {
                    active.force();
                }
                active.grow(batch.length());
                if (syncer != null) {
                    syncer.written(active);
                }
                compactionSuspended = false;
            }
            batch.clear();
            // durable: the values these writes replaced can no longer come back
            ValueArena values = keyDir.values();
            for (Undo u : undo) {
                values.free(u.inline());
            }
            undo.clear();
            if (values.wasteful()) {
                long before = values.reservedBytes();
                values.repack(keyDir.ordered());
                log.info("{} repacked the values kept in memory: {} bytes reserved, now {}", dir, before,
                        values.reservedBytes());
            }
            return null;
        } catch (IOException e) {
            rollBack(start);
            String message = "disk write failed: " + StoreFiles.describe(e) + "; the write was not applied";
            log.warn("{} {} (writes rolled back: {})", dir, message, writes);
            return new StorageException(message, e);
        }
    }

    /** Undoes the batch: the file back to its pre-batch size, the key directory back entry by entry. */
    private void rollBack(long start) {
        try {
            active.truncate(start);
        } catch (IOException t) {
            truncatePending = true;
            log.warn("{} cannot cut {} back to {} bytes ({}); will retry before the next write", dir, active.name(), start,
                    StoreFiles.describe(t));
        }
        for (int i = undo.size() - 1; i >= 0; i--) {
            Undo u = undo.get(i);
            if (u.added()) {
                keyDir.remove(u.entry()); // frees the slot of its value
            } else {
                keyDir.values().free(u.entry().inline);
                keyDir.place(u.entry(), u.segment(), u.offset(), u.valueLength(), u.term(), u.ring(), u.seq(),
                        u.valueHash(), u.inline());
            }
            highest = u.highestBefore();
        }
        undo.clear();
        batch.clear();
    }

    private void notifyWaiters(StorageException failure) {
        if (waiters.isEmpty()) {
            return;
        }
        List<DurabilityListener> told = waiters;
        waiters = new ArrayList<>();
        for (DurabilityListener listener : told) {
            try {
                listener.onFlushed(failure);
            } catch (RuntimeException e) {
                log.warn("{} a durability listener failed", dir, e);
            }
        }
    }

    private void rotate() {
        Segment sealed = active;
        try {
            if (options.fsyncPolicy() == FsyncPolicy.EVERYSEC) {
                sealed.force(); // the background thread only follows the active segment
            }
            active = newSegment(Segment.Kind.APPEND);
            log.debug("{} sealed {} at {} bytes; appending to {}", dir, sealed.name(), sealed.size, active.name());
        } catch (IOException e) {
            log.warn("{} cannot start a new segment after {} ({}); still appending to it", dir, sealed.name(),
                    StoreFiles.describe(e));
        }
    }

    /** Creates and registers a segment whose header carries the current high-water version. */
    private Segment newSegment(Segment.Kind kind) throws IOException {
        boolean force = kind == Segment.Kind.MERGE || options.fsyncPolicy() != FsyncPolicy.NO;
        Segment s = Segment.create(dir, nextSegmentId++, kind, highest, options.channelOpener(), force);
        segments.put(s.id, s);
        if (force) {
            StoreFiles.syncDirectory(dir);
        }
        return s;
    }

    /** Header-only leftovers of earlier runs: the new active segment's header now carries their high-water mark. */
    private void removeEmptySegments() {
        List<Segment> empty = segments.values().stream()
                .filter(s -> s != active && s.size == s.headerBytes && !s.isDamaged()).toList();
        for (Segment s : empty) {
            segments.remove(s.id);
            s.close();
            try {
                Files.deleteIfExists(s.path);
            } catch (IOException e) {
                log.debug("{} cannot remove empty {}: {}", dir, s.name(), StoreFiles.describe(e));
            }
        }
    }

    @Override
    public List<StoredEntry> scan(Range range, StoredEntry after, int limit, boolean includeTombstones) {
        ensureOpen();
        Objects.requireNonNull(range, "range");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<StoredEntry> out = new ArrayList<>(Math.min(limit, 1024));
        if (limit == 0) {
            return out;
        }
        // The walk goes clockwise from just after `from`: first (from, max], then [0, from]. A range is a
        // prefix of that walk, so the first entry outside it ends the scan.
        KeyDir.Entry start = KeyDir.probe(range.from(), +1);
        NavigableSet<KeyDir.Entry> all = keyDir.ordered();
        NavigableSet<KeyDir.Entry> first = all.tailSet(start, false);
        NavigableSet<KeyDir.Entry> second = all.headSet(start, false);
        if (after != null) {
            KeyDir.Entry resume = KeyDir.probe(after.position(), after.key());
            if (after.position().compareTo(range.from()) > 0) {
                first = first.tailSet(resume, false);
            } else {
                first = Collections.emptyNavigableSet();
                second = second.tailSet(resume, false);
            }
        }
        if (collect(first, range, limit, includeTombstones, out)) {
            collect(second, range, limit, includeTombstones, out);
        }
        return out;
    }

    @Override
    public long drop(Range range) {
        ensureOpen();
        Objects.requireNonNull(range, "range");
        if (!batch.isEmpty() || truncatePending) {
            flush(); // a later rollback must never bring back what was dropped
        }
        List<KeyDir.Entry> victims = new ArrayList<>();
        KeyDir.Entry start = KeyDir.probe(range.from(), +1);
        NavigableSet<KeyDir.Entry> all = keyDir.ordered();
        if (collectEntries(all.tailSet(start, false), range, victims)) {
            collectEntries(all.headSet(start, false), range, victims);
        }
        for (KeyDir.Entry e : victims) {
            keyDir.remove(e);
        }
        if (!victims.isEmpty()) {
            log.info("{} dropped {} entries in {}", dir, victims.size(), range);
        }
        return victims.size();
    }

    @Override
    public Digest digest(Range range) {
        ensureOpen();
        Objects.requireNonNull(range, "range");
        KeyDir.Entry start = KeyDir.probe(range.from(), +1);
        NavigableSet<KeyDir.Entry> all = keyDir.ordered();
        Digest d = Digest.EMPTY;
        for (KeyDir.Entry e : all.tailSet(start, false)) {
            if (!range.contains(e.position())) {
                return d;
            }
            d = d.plus(e.hi, e.lo, e.version(), e.isTombstone(), e.valueHash);
        }
        for (KeyDir.Entry e : all.headSet(start, false)) {
            if (!range.contains(e.position())) {
                return d;
            }
            d = d.plus(e.hi, e.lo, e.version(), e.isTombstone(), e.valueHash);
        }
        return d;
    }

    private static boolean collectEntries(Iterable<KeyDir.Entry> entries, Range range, List<KeyDir.Entry> out) {
        for (KeyDir.Entry e : entries) {
            if (!range.contains(e.position())) {
                return false;
            }
            out.add(e);
        }
        return true;
    }

    /** Adds entries in order; false once the range or the limit is exhausted. */
    private boolean collect(Iterable<KeyDir.Entry> entries, Range range, int limit, boolean includeTombstones,
                            List<StoredEntry> out) {
        for (KeyDir.Entry e : entries) {
            if (!range.contains(e.position())) {
                return false;
            }
            if (e.isTombstone() && !includeTombstones) {
                continue;
            }
            out.add(toStored(e));
            if (out.size() >= limit) {
                return false;
            }
        }
        return true;
    }

    /** Bytes reserved for the values kept in memory (tests). */
    long inlineReservedBytes() {
        return keyDir.values().reservedBytes();
    }

    private StoredEntry toStored(KeyDir.Entry e) {
        return new StoredEntry(e.key, valueOf(e), e.version(), e.position());
    }

    private byte[] valueOf(KeyDir.Entry e) {
        if (e.isTombstone()) {
            return null;
        }
        if (e.inline != ValueArena.NONE) {
            return keyDir.values().read(e.inline, e.valueLength);
        }
        int valueAt = e.segment.recordHeaderBytes + e.key.length;
        if (e.segment == active && e.offset >= active.size) {
            return batch.copy((int) (e.offset - active.size) + valueAt, e.valueLength);
        }
        byte[] record;
        try {
            record = e.segment.readRecord(e.offset, e.recordSize());
        } catch (IOException x) {
            throw new StorageException("disk read failed: " + StoreFiles.describe(x), x);
        }
        if (!RecordCodec.checksumMatches(record, 0, record.length, readCrc)
                || !Arrays.equals(record, e.segment.recordHeaderBytes, valueAt, e.key, 0, e.key.length)) {
            log.warn("{} {}: the record at offset {} no longer matches its checksum", dir, e.segment.name(), e.offset);
            throw new StorageException("the stored value is damaged (" + e.segment.name() + ", offset " + e.offset
                    + ": checksum mismatch)");
        }
        return Arrays.copyOfRange(record, valueAt, record.length);
    }

    @Override
    public long keyCount() {
        return keyDir.liveKeys();
    }

    @Override
    public long liveBytes() {
        return keyDir.liveBytes();
    }

    @Override
    public long diskBytes() {
        long sum = 0;
        for (Segment s : segments.values()) {
            sum += s.size;
        }
        return sum;
    }

    @Override
    public Version highestVersion() {
        return highest;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A merge starts once the sealed segments' dead bytes reach both thresholds of {@link StoreOptions} and
     * takes every sealed segment. Pending writes are flushed first (their waiters are told): a failed flush
     * rolls entries back to their old locations, which must still exist.
     */
    @Override
    public boolean compactStep() {
        ensureOpen();
        if (!batch.isEmpty() || truncatePending) {
            flush();
        }
        if (lastFlushFailed) {
            return false;
        }
        if (!batch.isEmpty()) {
            // a waiter of that flush wrote again: its rollback may point into an input, so no step until
            // it is durable too (the next call flushes it)
            return true;
        }
        if (merge == null) {
            if (compactionSuspended || !compactionDue() || !finishLeftoverCommit()) {
                return false;
            }
            List<Segment> inputs = segments.values().stream().filter(s -> s != active).toList();
            merge = new Merge(dir, keyDir, new MergeHost(), options.segmentBytes(), inputs);
            try {
                merge.start();
                if (merge.byEntries()) {
                    mergesByWalk++;
                }
            } catch (IOException | RuntimeException e) {
                abandonMerge(e);
                return false;
            }
        }
        try {
            if (merge.step(options.compactionStepRecords(), options.compactionStepBytes())) {
                return true;
            }
            merge = null;
            return compactionDue();
        } catch (IOException | RuntimeException e) {
            abandonMerge(e);
            return false;
        }
    }

    /** How many merges walked the key directory instead of reading their inputs (for tests). */
    int mergesByWalk() {
        return mergesByWalk;
    }

    private boolean compactionDue() {
        long dead = 0;
        long total = 0;
        for (Segment s : segments.values()) {
            if (s != active) {
                dead += s.deadBytes();
                total += s.size - s.headerBytes;
            }
        }
        return dead > 0 && dead >= options.compactionMinDeadBytes() && dead >= options.compactionDeadRatio() * total;
    }

    /** A commit whose removals failed earlier must be carried out before another merge may write one. */
    private boolean finishLeftoverCommit() {
        try {
            MergeCommit.Contents leftover = MergeCommit.read(dir);
            if (leftover != null && leftover.problem() == null) {
                MergeCommit.carryOut(dir, leftover.items(), () -> { });
            }
            return true;
        } catch (IOException e) {
            log.warn("{} cannot finish removing merged segments: {}", dir, StoreFiles.describe(e));
            compactionSuspended = true;
            return false;
        }
    }

    private void abandonMerge(Exception e) {
        String why = e instanceof IOException io ? StoreFiles.describe(io) : e.toString();
        log.warn("{} compaction stopped: {}; all segments are kept, compaction resumes after the next successful write",
                dir, why);
        merge = null;
        compactionSuspended = true;
    }

    private final class MergeHost implements Merge.Host {
        @Override
        public Segment createSegment(Segment.Kind kind) throws IOException {
            return newSegment(kind);
        }

        @Override
        public void retire(Segment segment) {
            segments.remove(segment.id);
            segment.close();
        }

        @Override
        public boolean tombstoneDroppable(Version version) {
            // the retention alone decides, whatever the terms and ring versions: a member keeps tombstones
            // forever, and an election (a newer term) or a new ring must not make older tombstones droppable,
            // or an older copy arriving later resurrects the key (issue 17). Sequence numbers run on across
            // terms and rings (a Lamport clock), so their distance alone measures the age. (The highest
            // version's seq can lag the largest seq held, when a newer ring's clock was behind: that only
            // keeps a tombstone longer.)
            long retention = options.tombstoneRetention();
            if (retention == 0) {
                return true;
            }
            return retention != Long.MAX_VALUE && highest.seq() - version.seq() >= retention;
        }

        @Override
        public void crashPoint(String name) {
            crashPoints.accept(name);
        }
    }

    /**
     * Flushes what is pending (telling its waiters), stops the background fsync, forces the active segment
     * (unless the policy is {@link FsyncPolicy#NO}), and releases the directory. A merge in progress is
     * abandoned; the next open sorts out its partial output. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        flush();
        closed = true;
        if (!batch.isEmpty()) {
            rollBack(active.size); // written by a listener during the final flush: never acknowledged
        }
        notifyWaiters(closedError());
        if (syncer != null) {
            syncer.close();
        }
        if (options.fsyncPolicy() != FsyncPolicy.NO) {
            try {
                active.force();
            } catch (IOException e) {
                log.warn("{} final fsync failed: {}", dir, StoreFiles.describe(e));
            }
        }
        if (merge != null) {
            log.info("{} closing with a compaction in progress; it starts over after the next open", dir);
            merge = null;
        }
        segments.values().forEach(Segment::close);
        lock.close();
        log.info("{} closed: {} keys, {} bytes on disk, highest version {}", dir, keyCount(), diskBytes(), highest);
    }

    /** The data directory (absolute). */
    @Override
    public ControlFiles control() {
        return control;
    }

    public Path directory() {
        return dir;
    }

    /** Segment files in use, the active one included. */
    public int segmentCount() {
        return segments.size();
    }

    /** True while a merge is under way (more {@link #compactStep()} calls will advance it). */
    public boolean isCompacting() {
        return merge != null;
    }

    /** Test seam: called with a name at each point of a merge where a crash is interesting. */
    void onCrashPoint(Consumer<String> hook) {
        crashPoints = Objects.requireNonNull(hook);
    }

    private void ensureOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private StorageException closedError() {
        return new StorageException("store " + dir + " is closed");
    }

    @Override
    public String toString() {
        return "LogStore[" + dir + "]";
    }
}
