package dev.ringkv.node;

import java.util.Arrays;

/** A key's bytes as a hash-map key, by content (the array is not copied: keys are never modified). */
final class KeyBytes {

    private final byte[] bytes;
    private final int hash;

    KeyBytes(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyBytes k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
