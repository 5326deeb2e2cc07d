package dev.ringkv.storage;

import dev.ringkv.ring.Hashing;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the key directory from a data directory (DESIGN §9). Every segment is read; for each key the
 * record with the highest version wins, whatever file it is in, so compaction output may carry any id and
 * a record found twice (a merge interrupted by a crash) is harmless.
 *
 * <p>Damage: at most one file of each kind (the newest append segment, the newest merge output) can have
 * been written when the process died, so a torn or checksum-failing tail there is cut off. Anywhere else
 * a bad record is real damage: reading that segment stops, a warning says how many bytes were skipped,
 * and the file is left as it is. A file whose header is unreadable is set aside the same way. Nothing
 * here throws for damaged data; a segment written by a newer format is refused rather than misread.
 *
 * <p>Read-only mode (the dump) changes no file at all.
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** What was found: the usable segments by id (channels open), the key directory, and any damage. */
    record Result(TreeMap<Long, Segment> segments, KeyDir keyDir, Version highest, long maxSegmentId, List<String> problems) {
    }

    private final Path dir;
    private final StoreOptions.ChannelOpener opener;
    private final int inlineValueBytes;
    private final boolean readOnly;
    private final List<String> problems = new ArrayList<>();
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final KeyDir keyDir;
    private Version highest = Version.NONE;

    private Recovery(Path dir, StoreOptions.ChannelOpener opener, int inlineValueBytes, boolean readOnly) {
        this.dir = dir;
        this.opener = opener;
        this.inlineValueBytes = inlineValueBytes;
        this.keyDir = new KeyDir(inlineValueBytes);
        this.readOnly = readOnly;
    }

    static Result load(Path dir, StoreOptions.ChannelOpener opener, int inlineValueBytes, boolean readOnly) throws IOException {
        Recovery r = new Recovery(dir, opener, inlineValueBytes, readOnly);
        try {
            return r.run();
        } catch (IOException | RuntimeException e) {
            r.segments.values().forEach(Segment::close);
            throw e;
        }
    }

    private Result run() throws IOException {
        Set<Long> removed = finishCommittedMerge();
        List<StoreFiles.SegmentFile> files = StoreFiles.list(dir);
        long maxId = files.stream().mapToLong(StoreFiles.SegmentFile::id).max().orElse(0);
        long newestId = files.stream().filter(f -> !f.setAside() && !removed.contains(f.id()))
                .mapToLong(StoreFiles.SegmentFile::id).max().orElse(-1);
        for (StoreFiles.SegmentFile f : files) {
            if (!f.setAside() && !removed.contains(f.id())) {
                openSegment(f, f.id() == newestId);
            }
        }
        long newestAppend = newestOfKind(Segment.Kind.APPEND);
        long newestMerge = newestOfKind(Segment.Kind.MERGE);
        for (Segment s : segments.values()) {
            highest = Version.max(highest, s.highWater);
            readRecords(s, s.id == newestAppend || s.id == newestMerge);
        }
        return new Result(segments, keyDir, highest, maxId, problems);
    }

    /** A merge that reached its commit point but not the end of its removals is completed first. */
    private Set<Long> finishCommittedMerge() throws IOException {
        if (!readOnly) {
            Files.deleteIfExists(dir.resolve(MergeCommit.TEMP_FILE));
        }
        MergeCommit.Contents commit = MergeCommit.read(dir);
        if (commit == null) {
            return Set.of();
        }
        if (commit.problem() != null) {
            // Ignoring it is safe: the inputs stay, and versions decide between them and the outputs.
            report("{}: {}; ignored", MergeCommit.FILE, commit.problem());
            if (!readOnly) {
                Files.delete(dir.resolve(MergeCommit.FILE));
            }
            return Set.of();
        }
        Set<Long> ids = new HashSet<>();
        commit.items().forEach(item -> ids.add(item.segmentId()));
        if (!readOnly) {
            log.info("{} finishing an interrupted compaction: removing {} merged segments", dir, ids.size());
            MergeCommit.carryOut(dir, commit.items(), () -> { });
        }
        return ids;
    }

    private void openSegment(StoreFiles.SegmentFile f, boolean newest) throws IOException {
        Set<StandardOpenOption> mode = readOnly ? EnumSet.of(StandardOpenOption.READ)
                : EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel channel = opener.open(f.path(), mode);
        long size = channel.size();
        Segment.HeaderCheck header;
        try {
            header = Segment.readHeader(channel, size);
        } catch (IOException | RuntimeException e) {
            Segment.closeQuietly(channel);
            throw e;
        }
        String name = f.path().getFileName().toString();
        if (header.unsupportedFormat()) {
            Segment.closeQuietly(channel);
            throw new StorageException("cannot open data directory " + dir + ": " + name + " has " + header.problem());
        }
        if (header.ok()) {
            segments.put(f.id(), new Segment(f.id(), f.path(), header.kind(), header.format(), header.highWater(),
                    channel, size, size));
            return;
        }
        Segment.closeQuietly(channel);
        if (newest && !readOnly && size <= Segment.HEADER_BYTES) {
            // Created just before the process died: nothing was ever acknowledged from it.
            Files.delete(f.path());
            report("{}: {}; deleted it (a segment torn while being created)", name, header.problem());
        } else if (newest && !readOnly) {
            Files.move(f.path(), f.path().resolveSibling(name + StoreFiles.CORRUPT_SUFFIX), StandardCopyOption.REPLACE_EXISTING);
            report("{}: {}; its {} bytes are set aside as {}{}", name, header.problem(), size, name, StoreFiles.CORRUPT_SUFFIX);
        } else {
            report("{}: {}; its {} bytes are ignored and the file is kept", name, header.problem(), size);
        }
    }

    private long newestOfKind(Segment.Kind kind) {
        return segments.values().stream().filter(s -> s.kind == kind).mapToLong(s -> s.id).max().orElse(-1);
    }

    private void readRecords(Segment s, boolean mayHaveTornTail) throws IOException {
        SegmentReader reader = new SegmentReader(s, s.size, SegmentReader.DEFAULT_WINDOW_BYTES);
        while (reader.next()) {
            Version version = reader.version();
            highest = Version.max(highest, version);
            byte[] key = reader.key();
            long valueHash = reader.valueHash();
            KeyDir.Entry e = keyDir.get(key);
            if (e == null) {
                e = keyDir.add(key, Hashing.position(key));
            } else if (!e.yieldsTo(version, valueHash)) {
                continue; // the same rule as LogStore.apply, so a restart keeps what the store kept
            }
            int valueLength = reader.valueLength();
            long replaced = e.inline;
            long inline = valueLength >= 0 && valueLength <= inlineValueBytes ? keyDir.values().store(reader.value())
                    : ValueArena.NONE;
            keyDir.place(e, s, reader.offset(), valueLength, version, valueHash, inline);
            keyDir.values().free(replaced); // no rollback during recovery
        }
        if (reader.problem() == null) {
            return;
        }
        long at = reader.stoppedAt();
        long bad = s.size - at;
        if (mayHaveTornTail && !readOnly) {
            try {
                s.truncate(at);
                s.size = at;
                s.readableEnd = at;
                report("{}: truncated a torn or damaged tail of {} bytes at offset {} ({})", s.name(), bad, at, reader.problem());
                return;
            } catch (IOException e) {
                log.warn("{} {}: cannot truncate: {}", dir, s.name(), StoreFiles.describe(e));
            }
        }
        s.readableEnd = at;
        report("{}: {} unreadable bytes from offset {} ({}); the rest of this segment is ignored and the file is kept",
                s.name(), bad, at, reader.problem());
    }

    /** Logs a warning (prefixed with the directory) and keeps the text for the dump. */
    private void report(String format, Object... args) {
        Object[] withDir = new Object[args.length + 1];
        withDir[0] = dir;
        System.arraycopy(args, 0, withDir, 1, args.length);
        log.warn("{} " + format, withDir);
        problems.add(org.slf4j.helpers.MessageFormatter.arrayFormat(format, args).getMessage());
    }
}
