package dev.ringkv.storage;

import java.util.zip.CRC32C;

/**
 * The on-disk record (DESIGN §9), big-endian:
 * {@code [crc32c:4][keyLen:4][valueLen:4, -1 = tombstone][term:8][ring:8][seq:8][key][value]}, the CRC
 * covering everything after itself. A record is self-describing, so a reader can tell a complete record
 * from a torn or damaged one without any other file.
 *
 * <p>That is the layout of segment format 2, the only one written. Format 1 had no ring field
 * ({@code [crc32c:4][keyLen:4][valueLen:4][term:8][seq:8][key][value]}, 28 header bytes); its records are
 * still read, as ring 0, so a data directory written before stays readable until compaction rewrites it.
 */
final class RecordCodec {

    /** Header bytes of a record as written now (segment format 2). */
    static final int HEADER_BYTES = 36;
    /** Header bytes of a format-1 record (no ring field). */
    static final int FORMAT_1_HEADER_BYTES = 28;
    static final int TOMBSTONE = -1;

    private RecordCodec() {
    }

    /** Header bytes of a record in a segment of this format (1 or 2). */
    static int headerBytes(int format) {
        return format == 1 ? FORMAT_1_HEADER_BYTES : HEADER_BYTES;
    }

    /** Size of a record as written now. */
    static int size(int keyLength, int valueLength) {
        return size(HEADER_BYTES, keyLength, valueLength);
    }

    /** Size of a record whose header is {@code headerBytes} long ({@link #headerBytes(int)}). */
    static int size(int headerBytes, int keyLength, int valueLength) {
        return headerBytes + keyLength + Math.max(valueLength, 0);
    }

    /** The version of the record at {@code at}, written in segment format {@code format}. */
    static Version version(byte[] src, int at, int format) {
        if (format == 1) {
            return new Version(getLong(src, at + 12), 0, getLong(src, at + 20));
        }
        return new Version(getLong(src, at + 12), getLong(src, at + 20), getLong(src, at + 28));
    }

    /** Writes the record at {@code at} (format 2); {@code dst} must have room for {@link #size}. */
    static void encode(byte[] dst, int at, byte[] key, byte[] value, Version version, CRC32C crc) {
        int p = at + 4;
        p = putInt(dst, p, key.length);
        p = putInt(dst, p, value == null ? TOMBSTONE : value.length);
        p = putLong(dst, p, version.term());
        p = putLong(dst, p, version.ring());
        p = putLong(dst, p, version.seq());
        System.arraycopy(key, 0, dst, p, key.length);
        p += key.length;
        if (value != null) {
            System.arraycopy(value, 0, dst, p, value.length);
            p += value.length;
        }
        crc.reset();
        crc.update(dst, at + 4, p - at - 4);
        putInt(dst, at, (int) crc.getValue());
    }

    /** True if the CRC stored at {@code at} matches the {@code size - 4} bytes after it. */
    static boolean checksumMatches(byte[] src, int at, int size, CRC32C crc) {
        crc.reset();
        crc.update(src, at + 4, size - 4);
        return (int) crc.getValue() == getInt(src, at);
    }

    static int putInt(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        return p + 4;
    }

    static int putLong(byte[] b, int p, long v) {
        putInt(b, p, (int) (v >>> 32));
        return putInt(b, p + 4, (int) v);
    }

    static int getInt(byte[] b, int p) {
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    static long getLong(byte[] b, int p) {
        return (long) getInt(b, p) << 32 | (getInt(b, p + 4) & 0xffffffffL);
    }
}
