package dev.ringkv.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compaction (DESIGN §9): copies the records the key directory still points at out of every sealed
 * segment into new segments, a bounded slice per {@link #step} so writes interleave, then removes the
 * inputs.
 *
 * <p>Why it is safe: a pointer moves only if it still points at the record copied (a newer write may have
 * landed meanwhile); outputs are forced before anything is removed; and the removal goes through
 * {@link MergeCommit}, so a crash at any point recovers either the inputs (with duplicates in partial
 * outputs, which versions resolve) or the outputs alone. A tombstone is dropped only if it is the newest
 * record of its key: every older record of that key is in a sealed segment, hence an input, hence removed
 * at the same commit point — the active segment only holds records written after it was started.
 *
 * <p>Two ways to find the live records. Usually by reading the inputs record by record and asking the key
 * directory about each. When the inputs hold many more records than the directory has keys (an
 * overwrite-heavy load: most records are dead), by walking the key directory in ring order instead and
 * reading just the records its entries point at in the inputs: one lookup-free visit per key instead of a
 * hash lookup per dead record; a record whose value is kept in memory (or a tombstone) is not even read,
 * but encoded again from the directory. Either way every entry pointing into an input is moved before the
 * commit.
 *
 * <p>Outputs are written in the current segment format. A record of a format-1 input (no ring field) is
 * encoded again rather than copied byte for byte, its version read as ring 0: so compaction is also what
 * moves an old data directory to the new format.
 *
 * <p>Owner thread only. A step that throws leaves a consistent store: the step's pointer moves are applied
 * only after its bytes were written, and the caller abandons the merge (outputs stay as ordinary segments).
 */
final class Merge {

    private static final Logger log = LoggerFactory.getLogger(Merge.class);
    private static final int READ_WINDOW_BYTES = 256 << 10;

    /** What the merge needs from its store. */
    interface Host {
        /** Creates a segment and registers it with the store (sealed: the store never appends to it). */
        Segment createSegment(Segment.Kind kind) throws IOException;

        /** Unregisters and closes a merged input (its file is removed by the caller). */
        void retire(Segment segment);

        boolean tombstoneDroppable(Version version);

        /** Test seam: called at each point where a crash is interesting. */
        void crashPoint(String name);
    }

    private record Move(KeyDir.Entry entry, long offset) {
    }

    private final Path dir;
    private final KeyDir keyDir;
    private final Host host;
    private final long segmentBytes;
    private final List<Segment> inputs;
    private final List<Segment> outputs = new ArrayList<>();
    private final Batch pending = new Batch();
    private final List<Move> moves = new ArrayList<>();
    private final List<KeyDir.Entry> drops = new ArrayList<>();
    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    private int inputIndex;
    private SegmentReader reader;
    /** Walking the key directory instead of reading the inputs (see the class notes). */
    private boolean byEntries;
    private final Set<Segment> inputSet = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The last entry visited by the walk (the next step resumes after it, even if it was removed since). */
    private KeyDir.Entry cursor;
    private Iterator<KeyDir.Entry> walk;
    private Segment output;
    private long bytesRead;
    private long recordsCopied;
    private long tombstonesDropped;

    Merge(Path dir, KeyDir keyDir, Host host, long segmentBytes, List<Segment> inputs) {
        this.dir = dir;
        this.keyDir = keyDir;
        this.host = host;
        this.segmentBytes = segmentBytes;
        this.inputs = List.copyOf(inputs);
    }

    void start() throws IOException {
        long bytes = 0;
        long headers = 0;
        long dead = 0;
        for (Segment s : inputs) {
            bytes += s.size;
            headers += s.headerBytes;
            dead += s.deadBytes();
        }
        inputSet.addAll(inputs);
        long entries = keyDir.liveKeys() + keyDir.tombstones();
        long avgRecord = RecordCodec.HEADER_BYTES + (keyDir.liveKeys() == 0 ? 0 : keyDir.liveBytes() / keyDir.liveKeys());
        byEntries = entries * 2 < (bytes - headers) / Math.max(1, avgRecord);
        log.info("{} compaction started: merging {} segments ({} bytes, {} dead){}", dir, inputs.size(), bytes, dead,
                byEntries ? " by walking the key directory" : "");
        // Always at least one output: its header carries the high-water version past the inputs' removal.
        newOutput();
    }

    /** Reads up to the bounds; returns false once the merge is complete (inputs removed). */
    boolean step(int maxRecords, long maxBytes) throws IOException {
        if (byEntries) {
            return stepByEntries(maxRecords, maxBytes);
        }
        int records = 0;
        long bytes = 0;
        while (records < maxRecords && bytes < maxBytes) {
            if (reader == null) {
                if (inputIndex == inputs.size()) {
                    writePending();
                    finish();
                    return false;
                }
                Segment in = inputs.get(inputIndex);
                reader = new SegmentReader(in, in.readableEnd, READ_WINDOW_BYTES);
            }
            Segment in = inputs.get(inputIndex);
            if (!reader.next()) {
                if (reader.problem() != null) {
                    throw new IOException(in.name() + " became unreadable at offset " + reader.stoppedAt() + " ("
                            + reader.problem() + ")");
                }
                reader = null;
                inputIndex++;
                continue;
            }
            records++;
            bytes += reader.size();
            bytesRead += reader.size();
            KeyDir.Entry e = keyDir.get(reader.key());
            if (e == null || e.segment != in || e.offset != reader.offset()) {
                continue; // overwritten (or dropped) since: this copy is dead
            }
            if (e.isTombstone() && host.tombstoneDroppable(e.version())) {
                drops.add(e);
                continue;
            }
            boolean sameFormat = reader.format() == Segment.FORMAT_VERSION;
            int outputSize = sameFormat ? reader.size() : RecordCodec.size(reader.keyLength(), reader.valueLength());
            long outputEnd = output.size + pending.length();
            if (outputEnd > output.headerBytes && outputEnd + outputSize > segmentBytes) {
                writePending();
                output.force();
                newOutput();
                outputEnd = output.size;
            }
            moves.add(new Move(e, outputEnd));
            if (sameFormat) {
                reader.copyRecordTo(pending);
            } else {
                pending.appendRecord(reader.key(), reader.value(), reader.version());
            }
        }
        writePending();
        return true;
    }

    /**
     * Visits up to {@code 8 × maxRecords} entries in ring order and copies the records of those pointing into
     * an input (at most {@code maxRecords} of them, about {@code maxBytes}); false once the walk ended and
     * the merge completed.
     */
    private boolean stepByEntries(int maxRecords, long maxBytes) throws IOException {
        long visited = 0;
        int copied = 0;
        long bytes = 0;
        long maxVisits = 8L * maxRecords;
        while (visited < maxVisits && copied < maxRecords && bytes < maxBytes) {
            if (walk == null) {
                walk = (cursor == null ? keyDir.ordered() : keyDir.ordered().tailSet(cursor, false)).iterator();
            }
            if (!walk.hasNext()) {
                writePending();
                finish();
                return false;
            }
            KeyDir.Entry e = walk.next();
            cursor = e;
            visited++;
            if (e.segment == null || !inputSet.contains(e.segment)) {
                continue;
            }
            copied++;
            bytes += e.recordSize();
            if (e.isTombstone() && host.tombstoneDroppable(e.version())) {
                drops.add(e);
                continue;
            }
            long outputEnd = output.size + pending.length();
            int outputSize = RecordCodec.size(e.key.length, e.valueLength);
            if (outputEnd > output.headerBytes && outputEnd + outputSize > segmentBytes) {
                writePending(); // drops tombstones: the directory changes, so the walk restarts after the cursor
                walk = null;
                output.force();
                newOutput();
                outputEnd = output.size;
            }
            moves.add(new Move(e, outputEnd));
            copyRecord(e);
        }
        writePending();
        walk = null; // the directory may change before the next step
        return true;
    }

    /**
     * Appends the entry's record to the pending output. A tombstone, or a value kept in memory, is encoded
     * again from the directory (the same bytes: a record is a function of key, value and version), which
     * spares a read of the disk per record; other values are read from their input and checked, and copied
     * as they are unless the input is of an older format.
     */
    private void copyRecord(KeyDir.Entry e) throws IOException {
        if (e.isTombstone() || e.inline != ValueArena.NONE) {
            byte[] value = e.isTombstone() ? null : keyDir.values().read(e.inline, e.valueLength);
            pending.appendRecord(e.key, value, e.version());
            return;
        }
        byte[] record = e.segment.readRecord(e.offset, e.recordSize());
        bytesRead += record.length;
        if (!RecordCodec.checksumMatches(record, 0, record.length, crc)) {
            throw new IOException(e.segment.name() + " became unreadable at offset " + e.offset + " (checksum mismatch)");
        }
        if (e.segment.format == Segment.FORMAT_VERSION) {
            pending.appendRaw(record, 0, record.length);
        } else {
            int valueAt = e.segment.recordHeaderBytes + e.key.length;
            pending.appendRecord(e.key, Arrays.copyOfRange(record, valueAt, record.length), e.version());
        }
    }

    private void newOutput() throws IOException {
        output = host.createSegment(Segment.Kind.MERGE);
        outputs.add(output);
    }

    /** Writes the copied records, then (only then) moves the pointers and drops the tombstones. */
    private void writePending() throws IOException {
        if (!pending.isEmpty()) {
            long at = output.size;
            try {
                output.write(pending.buffer(), at);
            } catch (IOException e) {
                try {
                    output.truncate(at);
                } catch (IOException ignored) {
                    // recovery cuts the tail of the newest merge output anyway
                }
                pending.clear();
                moves.clear();
                drops.clear();
                throw e;
            }
            output.grow(pending.length());
            for (Move m : moves) {
                keyDir.move(m.entry(), output, m.offset());
            }
            recordsCopied += moves.size();
        }
        for (KeyDir.Entry e : drops) {
            keyDir.remove(e);
        }
        tombstonesDropped += drops.size();
        pending.clear();
        moves.clear();
        drops.clear();
    }

    private void finish() throws IOException {
        output.force();
        StoreFiles.syncDirectory(dir);
        host.crashPoint("merge-outputs-durable");
        List<MergeCommit.Item> items = new ArrayList<>();
        long inputBytes = 0;
        for (Segment in : inputs) {
            if (in.liveBytes != 0) {
                throw new IllegalStateException(in.name() + " still holds " + in.liveBytes + " live bytes after its merge");
            }
            if (in.isDamaged()) {
                log.warn("{} {}: compaction copied its readable records; the file is set aside as {}{}", dir, in.name(),
                        in.name(), StoreFiles.CORRUPT_SUFFIX);
            }
            items.add(new MergeCommit.Item(in.id, in.isDamaged()));
            inputBytes += in.size;
        }
        MergeCommit.write(dir, items);
        host.crashPoint("merge-committed");
        inputs.forEach(host::retire);
        MergeCommit.carryOut(dir, items, () -> host.crashPoint("merge-input-removed"));
        long outputBytes = outputs.stream().mapToLong(s -> s.size).sum();
        log.info("{} compaction done: {} segments ({} bytes, {} read) became {} ({} bytes): {} records kept, {} tombstones dropped",
                dir, inputs.size(), inputBytes, bytesRead, outputs.size(), outputBytes, recordsCopied, tombstonesDropped);
    }

    List<Segment> inputs() {
        return inputs;
    }

    /** Whether this merge walks the key directory (decided by {@link #start}). */
    boolean byEntries() {
        return byEntries;
    }
}
