package dev.ringkv.node;

/**
 * Settings of a KV server's logic.
 *
 * @param maxKeyBytes longest key accepted by a command (larger: a clear -ERR, the connection stays)
 * @param maxValueBytes largest value accepted by a command
 * @param fsyncPolicyName shown by INFO and CONFIG GET
 */
public record NodeConfig(int maxKeyBytes, int maxValueBytes, String fsyncPolicyName) {

    public static final NodeConfig DEFAULT = new NodeConfig(64 * 1024, 16 * 1024 * 1024, "everysec");
}
