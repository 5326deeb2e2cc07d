package dev.ringkv.storage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A summary of what a store holds in a range (DESIGN §6, anti-entropy): the number of entries, tombstones
 * included, and an order-independent 64-bit hash of each entry's key position, whole version (term, ring
 * version and sequence), liveness and value. Two replicas of a range agree exactly when their digests are
 * equal (up to a 2<sup>-64</sup> accident) — also when they hold different values under one version (issue
 * 17, item 7), which versions alone cannot tell apart. The value enters as its {@link #valueHash}, which the
 * key directory keeps per entry, so a digest reads no value from disk.
 *
 * @param entries entries in the range, tombstones included
 * @param hash the wrapping sum of every entry's mixed hash
 */
public record Digest(long entries, long hash) {

    public static final Digest EMPTY = new Digest(0, 0);

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** This digest plus one entry ({@code valueHash}: the entry's {@link #valueHash}). */
    public Digest plus(long positionHi, long positionLo, Version version, boolean tombstone, long valueHash) {
        long h = mix(positionHi ^ mix(positionLo));
        h = mixVersion(h, version);
        h = mix(h ^ (tombstone ? 0x5bd1e995L : 0x27d4eb2fL));
        h = mix(h ^ valueHash);
        return new Digest(entries + 1, hash + h);
    }

    /** The version's part of an entry's hash: the one place a digest reads a version's fields. */
    private static long mixVersion(long h, Version version) {
        h = mix(h ^ version.term() * 0x9E3779B97F4A7C15L);
        h = mix(h ^ version.ring() * 0xC2B2AE3D27D4EB4FL);
        return mix(h ^ version.seq());
    }

    /**
     * A 64-bit hash of a value (0 for a tombstone, never 0 for a value): what the digest compares of it, and
     * what breaks a tie between two values stamped with one version (the greater one, unsigned, is kept on
     * every holder). The same bytes hash the same on every node. The body of MurmurHash3_x64_128 (two lanes,
     * 16 bytes a step), the first half of its result.
     */
    public static long valueHash(byte[] value) {
        return value == null ? 0 : valueHash(value, 0, value.length);
    }

    /** {@link #valueHash(byte[])} of {@code length} bytes of {@code b} from {@code offset}. */
    static long valueHash(byte[] b, int offset, int length) {
        long h1 = 0;
        long h2 = 0;
        int i = offset;
        int end = offset + length;
        for (; i + 16 <= end; i += 16) {
            h1 ^= scramble1((long) LONGS.get(b, i));
            h1 = (Long.rotateLeft(h1, 27) + h2) * 5 + 0x52dce729L;
            h2 ^= scramble2((long) LONGS.get(b, i + 8));
            h2 = (Long.rotateLeft(h2, 31) + h1) * 5 + 0x38495ab5L;
        }
        long k1 = 0;
        long k2 = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
            if (shift < 64) {
                k1 |= (b[i] & 0xffL) << shift;
            } else {
                k2 |= (b[i] & 0xffL) << (shift - 64);
            }
        }
        h1 ^= scramble1(k1) ^ length;
        h2 ^= scramble2(k2) ^ length;
        h1 += h2;
        h2 += h1;
        long h = mix(h1) + mix(h2);
        return h == 0 ? 1 : h;
    }

    private static long scramble1(long k) {
        return Long.rotateLeft(k * 0x87c37b91114253d5L, 31) * 0x4cf5ad432745937fL;
    }

    private static long scramble2(long k) {
        return Long.rotateLeft(k * 0x4cf5ad432745937fL, 33) * 0x87c37b91114253d5L;
    }

    /** {@code entries:hash} with the hash in hex, as {@code RINGKV DIGEST} answers it. */
    public String text() {
        return entries + ":" + Long.toHexString(hash);
    }

    public static Digest parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("not a digest: " + text);
        }
        return new Digest(Long.parseLong(text.substring(0, colon)), Long.parseUnsignedLong(text.substring(colon + 1), 16));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
