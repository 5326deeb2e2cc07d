package dev.ringkv.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** Encoded records waiting to be written with one call: the unflushed tail of a segment. Not thread-safe. */
final class Batch {

    private static final int INITIAL_BYTES = 64 << 10;
    /** A batch that grew past this (a burst, a large value) gives its array back after a flush. */
    private static final int KEEP_BYTES = 1 << 20;
    private static final int MAX_BYTES = Integer.MAX_VALUE - 64;

    private final CRC32C crc = new CRC32C();
    private byte[] bytes = new byte[INITIAL_BYTES];
    private int length;

    int length() {
        return length;
    }

    boolean isEmpty() {
        return length == 0;
    }

    /** Appends an encoded record and returns its size. */
    int appendRecord(byte[] key, byte[] value, Version version) {
        int size = RecordCodec.size(key.length, value == null ? RecordCodec.TOMBSTONE : value.length);
        ensureRoom(size);
        RecordCodec.encode(bytes, length, key, value, version, crc);
        length += size;
        return size;
    }

    /** Appends bytes as they are (an already encoded record). */
    void appendRaw(byte[] src, int offset, int size) {
        ensureRoom(size);
        System.arraycopy(src, offset, bytes, length, size);
        length += size;
    }

    /** The pending bytes, as a fresh buffer positioned at 0. */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes, 0, length);
    }

    byte[] copy(int from, int size) {
        return Arrays.copyOfRange(bytes, from, from + size);
    }

    void clear() {
        length = 0;
        if (bytes.length > KEEP_BYTES) {
            bytes = new byte[INITIAL_BYTES];
        }
    }

    private void ensureRoom(int size) {
        long needed = (long) length + size;
        if (needed <= bytes.length) {
            return;
        }
        if (needed > MAX_BYTES) {
            throw new StorageException("too many unflushed writes (" + needed + " bytes); flush first");
        }
        bytes = Arrays.copyOf(bytes, (int) Math.min(MAX_BYTES, Math.max(needed, 2L * bytes.length)));
    }
}
