package dev.ringkv.storage;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.zip.CRC32C;

/**
 * One append-only file {@code segment-<10-digit id>.log} (DESIGN §9). It starts with a header:
 * {@code [magic "RKV1":4][format:2][kind:1][reserved:1][high-water term:8][ring:8][seq:8][crc32c:4]}; the
 * high-water version is the highest version the store held when the file was created, so
 * {@link Store#highestVersion()} survives compaction dropping the records that carried it.
 *
 * <p>Formats: 2 (written now) gave versions their ring field, in the header and in every record
 * ({@link RecordCodec}). Format 1 (a 28-byte header without the ring field) is still read, its versions as
 * ring 0; compaction rewrites its live records in format 2. A newer format is refused.
 *
 * <p>Owned by the store's thread, except {@link #force()}, which the background fsync may call.
 */
final class Segment {

    /** Header bytes of a segment as written now (format 2). */
    static final int HEADER_BYTES = 36;
    /** Header bytes of a format-1 segment. */
    static final int FORMAT_1_HEADER_BYTES = 28;
    static final int MAGIC = 0x524B5631; // "RKV1"
    static final int FORMAT_VERSION = 2;

    /** Who wrote the file: at most one file of each kind can have a torn tail after a crash. */
    enum Kind {
        /** Written by {@link LogStore#apply}/{@link LogStore#flush()}. */
        APPEND,
        /** Written by compaction. */
        MERGE
    }

    final long id;
    final Path path;
    final Kind kind;
    /** The file's format (1 or 2): how long its header and its records' headers are. */
    final int format;
    /** Where the records start: the length of the file's header. */
    final int headerBytes;
    /** Header bytes of each of its records ({@link RecordCodec#headerBytes(int)}). */
    final int recordHeaderBytes;
    final Version highWater;
    final FileChannel channel;
    /** Bytes in the file that belong to it (the active segment: written and flushed). */
    long size;
    /** Records are read up to here; less than {@link #size} if a damaged record stopped recovery. */
    long readableEnd;
    /** Bytes of records the key directory points at. */
    long liveBytes;

    Segment(long id, Path path, Kind kind, int format, Version highWater, FileChannel channel, long size,
            long readableEnd) {
        this.id = id;
        this.path = path;
        this.kind = kind;
        this.format = format;
        this.headerBytes = headerBytes(format);
        this.recordHeaderBytes = RecordCodec.headerBytes(format);
        this.highWater = highWater;
        this.channel = channel;
        this.size = size;
        this.readableEnd = readableEnd;
    }

    /** Creates a new file with its header, forced to the disk if asked. */
    static Segment create(Path dir, long id, Kind kind, Version highWater, StoreOptions.ChannelOpener opener, boolean force)
            throws IOException {
        Path path = dir.resolve(StoreFiles.segmentName(id));
        FileChannel channel = opener.open(path,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE));
        try {
            writeFully(channel, ByteBuffer.wrap(encodeHeader(kind, highWater)), 0);
            if (force) {
                channel.force(true);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            Files.deleteIfExists(path);
            throw e;
        }
        return new Segment(id, path, kind, FORMAT_VERSION, highWater, channel, HEADER_BYTES, HEADER_BYTES);
    }

    /** Header bytes of a segment of this format (1 or 2). */
    static int headerBytes(int format) {
        return format == 1 ? FORMAT_1_HEADER_BYTES : HEADER_BYTES;
    }

    /** Size of a record of this segment with these lengths ({@link RecordCodec#TOMBSTONE} for a tombstone). */
    int recordSize(int keyLength, int valueLength) {
        return RecordCodec.size(recordHeaderBytes, keyLength, valueLength);
    }

    static byte[] encodeHeader(Kind kind, Version highWater) {
        byte[] h = new byte[HEADER_BYTES];
        int p = RecordCodec.putInt(h, 0, MAGIC);
        h[p++] = (byte) (FORMAT_VERSION >>> 8);
        h[p++] = (byte) FORMAT_VERSION;
        h[p++] = (byte) (kind.ordinal() + 1);
        h[p++] = 0;
        p = RecordCodec.putLong(h, p, highWater.term());
        p = RecordCodec.putLong(h, p, highWater.ring());
        p = RecordCodec.putLong(h, p, highWater.seq());
        CRC32C crc = new CRC32C();
        crc.update(h, 0, p);
        RecordCodec.putInt(h, p, (int) crc.getValue());
        return h;
    }

    /** What a file's first bytes say: a header, or why they are not one. */
    record HeaderCheck(Kind kind, int format, Version highWater, String problem, boolean unsupportedFormat) {
        boolean ok() {
            return problem == null;
        }
    }

    static HeaderCheck readHeader(FileChannel channel, long fileSize) throws IOException {
        if (fileSize < FORMAT_1_HEADER_BYTES) {
            return bad("the file is " + fileSize + " bytes, shorter than a segment header");
        }
        byte[] h = new byte[(int) Math.min(fileSize, HEADER_BYTES)];
        readFully(channel, ByteBuffer.wrap(h), 0);
        if (RecordCodec.getInt(h, 0) != MAGIC) {
            return bad("not a RingKV segment (bad magic)");
        }
        int format = (h[4] & 0xff) << 8 | (h[5] & 0xff);
        if (format > FORMAT_VERSION) {
            // refused rather than set aside: a newer RingKV wrote it, and its data must not be given up
            return new HeaderCheck(null, format, null, "segment format version " + format
                    + " (this RingKV reads versions 1 to " + FORMAT_VERSION + ")", true);
        }
        if (format < 1) {
            return bad("unknown segment format version " + format);
        }
        int length = headerBytes(format);
        if (h.length < length) {
            return bad("the file is " + fileSize + " bytes, shorter than a format-" + format + " segment header");
        }
        CRC32C crc = new CRC32C();
        crc.update(h, 0, length - 4);
        if ((int) crc.getValue() != RecordCodec.getInt(h, length - 4)) {
            return bad("header checksum mismatch");
        }
        int kind = h[6] & 0xff;
        if (kind < 1 || kind > Kind.values().length) {
            return bad("unknown segment kind " + kind);
        }
        Version highWater = format == 1
                ? new Version(RecordCodec.getLong(h, 8), 0, RecordCodec.getLong(h, 16))
                : new Version(RecordCodec.getLong(h, 8), RecordCodec.getLong(h, 16), RecordCodec.getLong(h, 24));
        return new HeaderCheck(Kind.values()[kind - 1], format, highWater, null, false);
    }

    private static HeaderCheck bad(String problem) {
        return new HeaderCheck(null, 0, null, problem, false);
    }

    /** Reads one whole record (to check it before trusting its value). */
    byte[] readRecord(long offset, int recordSize) throws IOException {
        byte[] b = new byte[recordSize];
        readFully(channel, ByteBuffer.wrap(b), offset);
        return b;
    }

    void write(ByteBuffer src, long position) throws IOException {
        writeFully(channel, src, position);
    }

    void force() throws IOException {
        channel.force(false);
    }

    void truncate(long newSize) throws IOException {
        channel.truncate(newSize);
    }

    /** Appended records are counted here as they land. */
    void grow(long bytes) {
        size += bytes;
        readableEnd += bytes;
    }

    /** Bytes that no longer serve any key: overwritten records, dropped tombstones, an unreadable tail. */
    long deadBytes() {
        return size - headerBytes - liveBytes;
    }

    boolean isDamaged() {
        return readableEnd < size;
    }

    void close() {
        closeQuietly(channel);
    }

    String name() {
        return path.getFileName().toString();
    }

    @Override
    public String toString() {
        return name();
    }

    static void writeFully(FileChannel channel, ByteBuffer src, long position) throws IOException {
        long p = position;
        while (src.hasRemaining()) {
            p += channel.write(src, p);
        }
    }

    static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, p);
            if (n < 0) {
                throw new EOFException("unexpected end of file at byte " + p);
            }
            p += n;
        }
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to save: the channel is being discarded
        }
    }
}
