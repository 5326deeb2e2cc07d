package dev.ringkv.ecs;

/**
 * Tunables of the ECS (DESIGN §6, §8).
 *
 * @param heartbeatMillis how often every server is sent a heartbeat (default 100)
 * @param timeoutMillis a server silent this long is DOWN (default 400); silent for half of it, SUSPECT
 * @param planTimeoutMillis a rebalance or re-replication with no progress for this long is aborted and
 *                          planned again
 * @param replicas copies of each key: its coordinator and the next {@code replicas - 1} servers (default 3;
 *                 a ring with fewer servers keeps one copy per server)
 * @param antiEntropyMillis how often the ECS compares the replicas' digests of every range (0 = never)
 */
public record EcsConfig(long heartbeatMillis, long timeoutMillis, long planTimeoutMillis, int replicas,
                        long antiEntropyMillis) {

    public static final int DEFAULT_REPLICAS = 3;
    public static final long DEFAULT_ANTI_ENTROPY_MILLIS = 30_000;
    public static final EcsConfig DEFAULT = new EcsConfig(100, 400, 30_000);

    public EcsConfig {
        if (heartbeatMillis < 1 || timeoutMillis <= heartbeatMillis || planTimeoutMillis < timeoutMillis) {
            throw new IllegalArgumentException("need 0 < heartbeat < timeout <= plan timeout, got "
                    + heartbeatMillis + ", " + timeoutMillis + ", " + planTimeoutMillis);
        }
        if (replicas < 1 || replicas > 16) {
            throw new IllegalArgumentException("replicas must be between 1 and 16, got " + replicas);
        }
        if (antiEntropyMillis < 0) {
            throw new IllegalArgumentException("the anti-entropy interval must not be negative: " + antiEntropyMillis);
        }
    }

    /** The default replication factor and anti-entropy interval. */
    public EcsConfig(long heartbeatMillis, long timeoutMillis, long planTimeoutMillis) {
        this(heartbeatMillis, timeoutMillis, planTimeoutMillis, DEFAULT_REPLICAS, DEFAULT_ANTI_ENTROPY_MILLIS);
    }

    public EcsConfig withReplicas(int n) {
        return new EcsConfig(heartbeatMillis, timeoutMillis, planTimeoutMillis, n, antiEntropyMillis);
    }

    public EcsConfig withAntiEntropyMillis(long millis) {
        return new EcsConfig(heartbeatMillis, timeoutMillis, planTimeoutMillis, replicas, millis);
    }
}
