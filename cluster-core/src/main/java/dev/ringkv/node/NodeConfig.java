package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;

/**
 * Settings of a KV server's logic.
 *
 * @param maxKeyBytes longest key accepted by a command (larger: a clear -ERR, the connection stays)
 * @param maxValueBytes largest value accepted by a command
 * @param fsyncPolicyName shown by INFO and CONFIG GET
 * @param ecs the ECS to join (DESIGN §7); null runs a standalone one-node ring
 */
public record NodeConfig(int maxKeyBytes, int maxValueBytes, String fsyncPolicyName, ServerAddress ecs) {

    public static final NodeConfig DEFAULT = new NodeConfig(64 * 1024, 16 * 1024 * 1024, "everysec", null);

    public NodeConfig withEcs(ServerAddress ecsAddress) {
        return new NodeConfig(maxKeyBytes, maxValueBytes, fsyncPolicyName, ecsAddress);
    }

    public boolean standalone() {
        return ecs == null;
    }
}
