package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;

/**
 * Settings of a KV server's logic.
 *
 * @param maxKeyBytes longest key accepted by a command (larger: a clear -ERR, the connection stays)
 * @param maxValueBytes largest value accepted by a command
 * @param fsyncPolicyName shown by INFO and CONFIG GET
 * @param ecs the ECS to join (DESIGN §7); null runs a standalone one-node ring
 * @param transferChunkEntries entries per chunk of a range transfer (512)
 * @param transferWindow chunks a transfer may have unacknowledged (8)
 */
public record NodeConfig(int maxKeyBytes, int maxValueBytes, String fsyncPolicyName, ServerAddress ecs,
                         int transferChunkEntries, int transferWindow) {

    public static final NodeConfig DEFAULT = new NodeConfig(64 * 1024, 16 * 1024 * 1024, "everysec", null, 512, 8);

    public NodeConfig {
        if (transferChunkEntries < 1 || transferWindow < 1) {
            throw new IllegalArgumentException("transfer chunks and window must be positive");
        }
    }

    public NodeConfig(int maxKeyBytes, int maxValueBytes, String fsyncPolicyName, ServerAddress ecs) {
        this(maxKeyBytes, maxValueBytes, fsyncPolicyName, ecs, DEFAULT.transferChunkEntries, DEFAULT.transferWindow);
    }

    public NodeConfig withEcs(ServerAddress ecsAddress) {
        return new NodeConfig(maxKeyBytes, maxValueBytes, fsyncPolicyName, ecsAddress, transferChunkEntries, transferWindow);
    }

    /** Small chunks make a transfer take many round trips: the simulation uses this to widen its windows. */
    public NodeConfig withTransferChunking(int entries, int window) {
        return new NodeConfig(maxKeyBytes, maxValueBytes, fsyncPolicyName, ecs, entries, window);
    }

    public boolean standalone() {
        return ecs == null;
    }
}
