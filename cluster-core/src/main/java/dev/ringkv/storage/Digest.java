package dev.ringkv.storage;

/**
 * A summary of what a store holds in a range (DESIGN §6, anti-entropy): the number of entries, tombstones
 * included, and an order-independent 64-bit hash of each entry's key position, whole version (term, ring
 * version and sequence) and liveness. Two replicas of a range agree exactly when their digests are equal
 * (up to a 2<sup>-64</sup> accident).
 *
 * @param entries entries in the range, tombstones included
 * @param hash the wrapping sum of every entry's mixed hash
 */
public record Digest(long entries, long hash) {

    public static final Digest EMPTY = new Digest(0, 0);

    /** This digest plus one entry. */
    public Digest plus(long positionHi, long positionLo, Version version, boolean tombstone) {
        long h = mix(positionHi ^ mix(positionLo));
        h = mix(h ^ version.term() * 0x9E3779B97F4A7C15L);
        h = mix(h ^ version.ring() * 0xC2B2AE3D27D4EB4FL);
        h = mix(h ^ version.seq());
        h = mix(h ^ (tombstone ? 0x5bd1e995L : 0x27d4eb2fL));
        return new Digest(entries + 1, hash + h);
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
