package dev.ringkv.storage;

import java.util.zip.CRC32C;

/**
 * The on-disk record (DESIGN §9), big-endian:
 * {@code [crc32c:4][keyLen:4][valueLen:4, -1 = tombstone][term:8][seq:8][key][value]}, the CRC covering
 * everything after itself. A record is self-describing, so a reader can tell a complete record from a
 * torn or damaged one without any other file.
 */
final class RecordCodec {

    static final int HEADER_BYTES = 28;
    static final int TOMBSTONE = -1;

    private RecordCodec() {
    }

    static int size(int keyLength, int valueLength) {
        return HEADER_BYTES + keyLength + Math.max(valueLength, 0);
    }

    /** Writes the record at {@code at}; {@code dst} must have room for {@link #size}. */
    static void encode(byte[] dst, int at, byte[] key, byte[] value, Version version, CRC32C crc) {
        int p = at + 4;
        p = putInt(dst, p, key.length);
        p = putInt(dst, p, value == null ? TOMBSTONE : value.length);
        p = putLong(dst, p, version.term());
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
