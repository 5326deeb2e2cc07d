package dev.ringkv.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link LogStore} lays out and maintains its directory (DESIGN §9). Build with
 * {@link #builder(Path)}; every setting but the directory has a default.
 *
 * @param dir the data directory (created if missing; locked while a store has it open)
 * @param fsyncPolicy when appended records are forced to the disk; default {@link FsyncPolicy#EVERYSEC}
 * @param segmentBytes the active segment is sealed and a new one started once a flush leaves it at least
 *     this large (so a segment may exceed it by one batch); default 64 MiB
 * @param maxKeyBytes longest key {@link LogStore#apply} accepts; default 64 KiB
 * @param maxValueBytes longest value {@link LogStore#apply} accepts; default 16 MiB
 * @param inlineValueBytes values up to this size are also kept in memory, so reading them never touches the
 *     disk; larger ones are read from their segment; default 4 KiB
 * @param compactionMinDeadBytes compaction starts only once sealed segments hold at least this many bytes of
 *     overwritten records; default 16 MiB
 * @param compactionDeadRatio ... and at least this fraction of the sealed segments' record bytes is dead;
 *     default 0.5
 * @param tombstoneRetention a tombstone that is the newest record of its key is dropped by compaction unless
 *     its sequence number lies fewer than this many below that of the store's highest version, whatever the
 *     terms and ring versions (a newer term or ring alone never puts a tombstone past retention);
 *     {@code Long.MAX_VALUE} keeps them all, 0 (the default) drops them all. A dropped tombstone no longer
 *     blocks an older write of its key.
 * @param compactionStepRecords at most this many records are read per {@link LogStore#compactStep()}; default 1,000
 * @param compactionStepBytes ... and at most about this many bytes; default 1 MiB
 * @param channelOpener opens segment files (a seam for tests, e.g. a channel that runs out of space)
 */
public record StoreOptions(
        Path dir,
        FsyncPolicy fsyncPolicy,
        long segmentBytes,
        int maxKeyBytes,
        int maxValueBytes,
        int inlineValueBytes,
        long compactionMinDeadBytes,
        double compactionDeadRatio,
        long tombstoneRetention,
        int compactionStepRecords,
        long compactionStepBytes,
        ChannelOpener channelOpener) {

    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_KEY_BYTES = 64 << 10;
    public static final int DEFAULT_MAX_VALUE_BYTES = 16 << 20;
    public static final int DEFAULT_INLINE_VALUE_BYTES = 4 << 10;
    public static final long DEFAULT_COMPACTION_MIN_DEAD_BYTES = 16L << 20;
    public static final double DEFAULT_COMPACTION_DEAD_RATIO = 0.5;
    public static final int DEFAULT_COMPACTION_STEP_RECORDS = 1_000;
    public static final long DEFAULT_COMPACTION_STEP_BYTES = 1L << 20;

    /** Keys plus values plus record headers must stay well inside one Java array. */
    static final long MAX_RECORD_BYTES = 1L << 30;

    public StoreOptions {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(fsyncPolicy, "fsyncPolicy");
        Objects.requireNonNull(channelOpener, "channelOpener");
        require(segmentBytes > Segment.HEADER_BYTES, "segmentBytes must exceed the segment header (" + Segment.HEADER_BYTES + " bytes)");
        require(maxKeyBytes >= 1, "maxKeyBytes must be at least 1");
        require(maxValueBytes >= 0, "maxValueBytes must not be negative");
        require((long) maxKeyBytes + maxValueBytes + RecordCodec.HEADER_BYTES <= MAX_RECORD_BYTES,
                "maxKeyBytes + maxValueBytes must stay below 1 GiB");
        require(inlineValueBytes >= 0, "inlineValueBytes must not be negative");
        require(compactionMinDeadBytes >= 0, "compactionMinDeadBytes must not be negative");
        require(compactionDeadRatio >= 0 && compactionDeadRatio <= 1, "compactionDeadRatio must lie in [0, 1]");
        require(tombstoneRetention >= 0, "tombstoneRetention must not be negative");
        require(compactionStepRecords >= 1, "compactionStepRecords must be at least 1");
        require(compactionStepBytes >= 1, "compactionStepBytes must be at least 1");
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** All defaults. */
    public static StoreOptions defaults(Path dir) {
        return builder(dir).build();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Opens a segment file; {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])} by default. */
    @FunctionalInterface
    public interface ChannelOpener {
        FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
    }

    public static final class Builder {
        private final Path dir;
        private FsyncPolicy fsyncPolicy = FsyncPolicy.EVERYSEC;
        private long segmentBytes = DEFAULT_SEGMENT_BYTES;
        private int maxKeyBytes = DEFAULT_MAX_KEY_BYTES;
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        private int inlineValueBytes = DEFAULT_INLINE_VALUE_BYTES;
        private long compactionMinDeadBytes = DEFAULT_COMPACTION_MIN_DEAD_BYTES;
        private double compactionDeadRatio = DEFAULT_COMPACTION_DEAD_RATIO;
        private long tombstoneRetention;
        private int compactionStepRecords = DEFAULT_COMPACTION_STEP_RECORDS;
        private long compactionStepBytes = DEFAULT_COMPACTION_STEP_BYTES;
        private ChannelOpener channelOpener = FileChannel::open;

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder fsyncPolicy(FsyncPolicy value) {
            fsyncPolicy = value;
            return this;
        }

        public Builder segmentBytes(long value) {
            segmentBytes = value;
            return this;
        }

        public Builder maxKeyBytes(int value) {
            maxKeyBytes = value;
            return this;
        }

        public Builder maxValueBytes(int value) {
            maxValueBytes = value;
            return this;
        }

        public Builder inlineValueBytes(int value) {
            inlineValueBytes = value;
            return this;
        }

        /** Compaction starts once sealed segments hold at least {@code minDeadBytes} and {@code deadRatio} of dead bytes. */
        public Builder compactionThresholds(long minDeadBytes, double deadRatio) {
            compactionMinDeadBytes = minDeadBytes;
            compactionDeadRatio = deadRatio;
            return this;
        }

        public Builder tombstoneRetention(long sequenceNumbers) {
            tombstoneRetention = sequenceNumbers;
            return this;
        }

        /** The bound on one {@link LogStore#compactStep()}: records read and (roughly) bytes read. */
        public Builder compactionStep(int records, long bytes) {
            compactionStepRecords = records;
            compactionStepBytes = bytes;
            return this;
        }

        public Builder channelOpener(ChannelOpener value) {
            channelOpener = value;
            return this;
        }

        public StoreOptions build() {
            return new StoreOptions(dir, fsyncPolicy, segmentBytes, maxKeyBytes, maxValueBytes, inlineValueBytes,
                    compactionMinDeadBytes, compactionDeadRatio, tombstoneRetention, compactionStepRecords,
                    compactionStepBytes, channelOpener);
        }
    }
}
