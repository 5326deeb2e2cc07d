package dev.ringkv.ecs;

/**
 * Tunables of the ECS (DESIGN §8).
 *
 * @param heartbeatMillis how often every server is sent a heartbeat (default 100)
 * @param timeoutMillis a server silent this long is DOWN (default 400); silent for half of it, SUSPECT
 * @param planTimeoutMillis a rebalance with no progress for this long is aborted and planned again
 */
public record EcsConfig(long heartbeatMillis, long timeoutMillis, long planTimeoutMillis) {

    public static final EcsConfig DEFAULT = new EcsConfig(100, 400, 30_000);

    public EcsConfig {
        if (heartbeatMillis < 1 || timeoutMillis <= heartbeatMillis || planTimeoutMillis < timeoutMillis) {
            throw new IllegalArgumentException("need 0 < heartbeat < timeout <= plan timeout, got "
                    + heartbeatMillis + ", " + timeoutMillis + ", " + planTimeoutMillis);
        }
    }
}
