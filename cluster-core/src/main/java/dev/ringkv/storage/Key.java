package dev.ringkv.storage;

import java.util.Arrays;

/**
 * A key's bytes as a hash-map key: content equality, hash computed once. The array is not copied: whoever
 * makes a Key must not change the bytes afterwards.
 */
public final class Key {

    private final byte[] bytes;
    private final int hash;

    public Key(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
