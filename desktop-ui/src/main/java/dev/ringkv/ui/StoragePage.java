package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.util.List;
import java.util.Map;

/**
 * A page of what one node stores, in ring order, with how many keys it coordinates and how many
 * replicas it holds for each other coordinator.
 *
 * @param cursor where this page starts ({@code -} for the first)
 * @param nextCursor where the next page starts, or empty when this is the last
 * @param replicasFor coordinator address → keys this node holds as its replica
 * @param error why the page could not be read, or null
 */
public record StoragePage(ServerAddress node, String cursor, List<EntryRow> rows, String nextCursor,
                          long coordinated, Map<String, Long> replicasFor, String error) {

    static StoragePage failed(ServerAddress node, String cursor, String error) {
        return new StoragePage(node, cursor, List.of(), "", 0, Map.of(), error);
    }
}
