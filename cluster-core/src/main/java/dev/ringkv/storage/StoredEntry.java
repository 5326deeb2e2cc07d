package dev.ringkv.storage;

import dev.ringkv.ring.Position;

/**
 * One key as the store holds it: its value (or {@code null} for a tombstone), its version and its ring
 * position. The arrays are not copied: callers must not modify them.
 */
public record StoredEntry(byte[] key, byte[] value, Version version, Position position) {

    public boolean isTombstone() {
        return value == null;
    }
}
