package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;
import java.util.List;

/**
 * Settings of a KV server's logic.
 *
 * @param maxKeyBytes longest key accepted by a command (larger: a clear -ERR, the connection stays)
 * @param maxValueBytes largest value accepted by a command
 * @param fsyncPolicyName shown by INFO and CONFIG GET
 * @param bootstrap where to join (DESIGN §7): the ECS or any member, tried in turn until one answers;
 *                  empty runs a standalone one-node ring
 * @param transferChunkEntries entries per chunk of a range transfer (512)
 * @param transferWindow chunks a transfer may have unacknowledged (8)
 * @param electionMinMillis shortest silence of the ECS before this server stands for election (400, DESIGN §8)
 * @param electionMaxMillis longest such silence (800): each election waits a random time in between
 */
public record NodeConfig(int maxKeyBytes, int maxValueBytes, String fsyncPolicyName, List<ServerAddress> bootstrap,
                         int transferChunkEntries, int transferWindow, long electionMinMillis, long electionMaxMillis) {

    public static final NodeConfig DEFAULT = new NodeConfig(64 * 1024, 16 * 1024 * 1024, "everysec", List.of(), 512, 8,
            400, 800);

    public NodeConfig {
        bootstrap = List.copyOf(bootstrap);
        if (transferChunkEntries < 1 || transferWindow < 1) {
            throw new IllegalArgumentException("transfer chunks and window must be positive");
        }
        if (electionMinMillis < 1 || electionMaxMillis < electionMinMillis) {
            throw new IllegalArgumentException("the election timeout must be 1 <= min <= max (ms), was "
                    + electionMinMillis + "-" + electionMaxMillis);
        }
    }

    public NodeConfig(int maxKeyBytes, int maxValueBytes, String fsyncPolicyName, ServerAddress ecs) {
        this(maxKeyBytes, maxValueBytes, fsyncPolicyName, ecs == null ? List.of() : List.of(ecs),
                DEFAULT.transferChunkEntries, DEFAULT.transferWindow, DEFAULT.electionMinMillis, DEFAULT.electionMaxMillis);
    }

    /** Joins through {@code ecsAddress} (the ECS or any member). */
    public NodeConfig withEcs(ServerAddress ecsAddress) {
        return withBootstrap(List.of(ecsAddress));
    }

    /** Joins through the first of these that answers (the ECS or any member). */
    public NodeConfig withBootstrap(List<ServerAddress> addresses) {
        return new NodeConfig(maxKeyBytes, maxValueBytes, fsyncPolicyName, addresses, transferChunkEntries, transferWindow,
                electionMinMillis, electionMaxMillis);
    }

    /** Small chunks make a transfer take many round trips: the simulation uses this to widen its windows. */
    public NodeConfig withTransferChunking(int entries, int window) {
        return new NodeConfig(maxKeyBytes, maxValueBytes, fsyncPolicyName, bootstrap, entries, window,
                electionMinMillis, electionMaxMillis);
    }

    public NodeConfig withElectionTimeout(long minMillis, long maxMillis) {
        return new NodeConfig(maxKeyBytes, maxValueBytes, fsyncPolicyName, bootstrap, transferChunkEntries, transferWindow,
                minMillis, maxMillis);
    }

    /** The first address to join through; null if standalone. */
    public ServerAddress ecs() {
        return bootstrap.isEmpty() ? null : bootstrap.get(0);
    }

    public boolean standalone() {
        return bootstrap.isEmpty();
    }
}
