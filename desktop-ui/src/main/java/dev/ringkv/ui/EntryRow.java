package dev.ringkv.ui;

import dev.ringkv.ring.Position;

/**
 * One entry a node stores, as the storage table lists it.
 *
 * @param role {@code coordinator}, or {@code replica of HOST:PORT}
 * @param value the value as text, shortened for the table
 * @param bytes key and value bytes
 */
public record EntryRow(String key, Position position, String role, String value, int bytes, String version) {
}
