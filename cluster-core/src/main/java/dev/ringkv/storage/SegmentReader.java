package dev.ringkv.storage;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads a segment's records in order through a window buffer (recovery, compaction, dump). It stops at
 * the first record that is torn or fails its checksum and says where and why: a reader never hands out
 * a record it could not verify. It reads the record layout of the segment's format (see
 * {@link RecordCodec}: a format-1 record has no ring field and reads as ring 0).
 */
final class SegmentReader {

    static final int DEFAULT_WINDOW_BYTES = 1 << 20;

    private final FileChannel channel;
    private final int format;
    private final int headerBytes;
    private final long end;
    private final CRC32C crc = new CRC32C();
    private byte[] window;
    private long windowStart;
    private int windowLength;
    private long next;

    private long offset;
    private int at;
    private int size;
    private int keyLength;
    private int valueLength;
    private Version version;

    private long problemOffset = -1;
    private String problem;

    /** Reads the records of a segment of format {@code format} from {@code start} to {@code end}. */
    SegmentReader(FileChannel channel, int format, long start, long end, int windowBytes) {
        this.channel = channel;
        this.format = format;
        this.headerBytes = RecordCodec.headerBytes(format);
        this.end = end;
        this.window = new byte[Math.max(windowBytes, headerBytes)];
        this.windowStart = start;
        this.next = start;
    }

    SegmentReader(FileChannel channel, int format, long start, long end) {
        this(channel, format, start, end, DEFAULT_WINDOW_BYTES);
    }

    /** Reads a segment's records, from the end of its header to {@code end}. */
    SegmentReader(Segment segment, long end, int windowBytes) {
        this(segment.channel, segment.format, segment.headerBytes, end, windowBytes);
    }

    /** Moves to the next record; false at the end or at a damaged record (then {@link #problem()} says why). */
    boolean next() throws IOException {
        if (problem != null) {
            return false;
        }
        long off = next;
        long left = end - off;
        if (left == 0) {
            return false;
        }
        if (left < headerBytes) {
            return fail(off, "torn record: only " + left + " bytes left");
        }
        int p = fill(off, headerBytes);
        int kl = RecordCodec.getInt(window, p + 4);
        int vl = RecordCodec.getInt(window, p + 8);
        if (kl < 0 || vl < RecordCodec.TOMBSTONE) {
            return fail(off, "invalid lengths (key " + kl + ", value " + vl + ")");
        }
        long recordSize = (long) headerBytes + kl + Math.max(vl, 0);
        if (recordSize > StoreOptions.MAX_RECORD_BYTES) {
            return fail(off, "implausible record size " + recordSize);
        }
        if (recordSize > left) {
            return fail(off, "torn record: " + recordSize + " bytes long, " + left + " left");
        }
        p = fill(off, (int) recordSize);
        if (!RecordCodec.checksumMatches(window, p, (int) recordSize, crc)) {
            return fail(off, "checksum mismatch");
        }
        offset = off;
        at = p;
        size = (int) recordSize;
        keyLength = kl;
        valueLength = vl;
        version = RecordCodec.version(window, p, format);
        next = off + recordSize;
        return true;
    }

    /** Makes [off, off + n) available in the window and returns its index there. */
    private int fill(long off, int n) throws IOException {
        if (off >= windowStart && off + n <= windowStart + windowLength) {
            return (int) (off - windowStart);
        }
        if (n > window.length) {
            window = new byte[n];
        }
        int want = (int) Math.min(window.length, end - off);
        ByteBuffer dst = ByteBuffer.wrap(window, 0, want);
        long p = off;
        while (dst.hasRemaining()) {
            int r = channel.read(dst, p);
            if (r < 0) {
                throw new EOFException("segment ended at byte " + p + " while " + end + " bytes were expected");
            }
            p += r;
        }
        windowStart = off;
        windowLength = want;
        return 0;
    }

    private boolean fail(long off, String why) {
        problemOffset = off;
        problem = why;
        return false;
    }

    long offset() {
        return offset;
    }

    int size() {
        return size;
    }

    int keyLength() {
        return keyLength;
    }

    /** {@link RecordCodec#TOMBSTONE} for a tombstone. */
    int valueLength() {
        return valueLength;
    }

    Version version() {
        return version;
    }

    /** The segment format whose records this reads. */
    int format() {
        return format;
    }

    byte[] key() {
        int from = at + headerBytes;
        return Arrays.copyOfRange(window, from, from + keyLength);
    }

    /** The value, {@code null} for a tombstone. */
    byte[] value() {
        if (valueLength < 0) {
            return null;
        }
        int from = at + headerBytes + keyLength;
        return Arrays.copyOfRange(window, from, from + valueLength);
    }

    /** {@link Digest#valueHash} of the value, read where it lies in the window (0 for a tombstone). */
    long valueHash() {
        if (valueLength < 0) {
            return 0;
        }
        return Digest.valueHash(window, at + headerBytes + keyLength, valueLength);
    }

    /** Appends the current record, byte for byte, to the batch (only a record of the current format belongs there). */
    void copyRecordTo(Batch batch) {
        if (format != Segment.FORMAT_VERSION) {
            throw new IllegalStateException("a format-" + format + " record copied as it is into a format-"
                    + Segment.FORMAT_VERSION + " segment");
        }
        batch.appendRaw(window, at, size);
    }

    /** Where the reader stopped: the end, or the start of the damaged record. */
    long stoppedAt() {
        return problem != null ? problemOffset : next;
    }

    /** Why the reader stopped early, or {@code null}. */
    String problem() {
        return problem;
    }
}
