package dev.ringkv.runtime;

import dev.ringkv.ecs.ClusterMember;
import dev.ringkv.ecs.Ecs;
import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.FsyncPolicy;
import dev.ringkv.storage.LogStore;
import dev.ringkv.storage.Store;
import dev.ringkv.storage.StoreOptions;
import java.nio.file.Path;
import java.util.Locale;

/** Wires the processes RingKV runs: a KV server (standalone or a cluster member) or the ECS. */
public final class Servers {

    private Servers() {
    }

    /**
     * Opens (or recovers) the store in {@code dataDir} and starts a KV server: a member of the cluster the
     * ECS at {@code ecs} runs, or a standalone one-node ring if {@code ecs} is null.
     *
     * @throws dev.ringkv.storage.StorageException if the directory cannot be used (in use, not writable)
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public static NioNode kvServer(ServerOptions options, Path dataDir, FsyncPolicy fsync, int maxKeyBytes,
                                   int maxValueBytes, ServerAddress ecs) {
        return kvServer(options, dataDir, fsync, maxKeyBytes, maxValueBytes,
                ecs == null ? java.util.List.of() : java.util.List.of(ecs), NodeConfig.DEFAULT.electionMinMillis(),
                NodeConfig.DEFAULT.electionMaxMillis(), StoreOptions.DEFAULT_INLINE_VALUE_BYTES);
    }

    /**
     * A KV server joining through the first of {@code bootstrap} that answers (the ECS or any member; empty:
     * standalone), standing for election when the ECS is silent for a random time between
     * {@code electionMinMillis} and {@code electionMaxMillis} (DESIGN §8); values up to
     * {@code inlineValueBytes} are kept in memory too (0: every read of a value goes to the log).
     */
    public static NioNode kvServer(ServerOptions options, Path dataDir, FsyncPolicy fsync, int maxKeyBytes,
                                   int maxValueBytes, java.util.List<ServerAddress> bootstrap, long electionMinMillis,
                                   long electionMaxMillis, int inlineValueBytes) {
        boolean member = !bootstrap.isEmpty();
        StoreOptions.Builder so = StoreOptions.builder(dataDir)
                .fsyncPolicy(fsync)
                .maxKeyBytes(maxKeyBytes)
                .maxValueBytes(maxValueBytes)
                .inlineValueBytes(inlineValueBytes);
        if (member) {
            // a member keeps its tombstones: a server returning with an old copy must not resurrect a key
            so.tombstoneRetention(Long.MAX_VALUE);
        }
        NodeConfig config = new NodeConfig(maxKeyBytes, maxValueBytes, fsync.name().toLowerCase(Locale.ROOT), null)
                .withBootstrap(bootstrap).withElectionTimeout(electionMinMillis, electionMaxMillis);
        return start(options, LogStore.open(so.build()), ctx -> {
            if (config.standalone()) {
                KvNode node = new KvNode(ctx, config);
                node.runtimeInfo(((NioNode) ctx)::runtimeInfo);
                return node;
            }
            ClusterMember m = new ClusterMember(ctx, config, EcsConfig.DEFAULT);
            m.server().runtimeInfo(((NioNode) ctx)::runtimeInfo);
            return m;
        });
    }

    /** A standalone server with the defaults: everysec, 64 KiB keys, 16 MiB values. */
    public static NioNode standalone(ServerOptions options, Path dataDir) {
        return member(options, dataDir, null);
    }

    /** A cluster member with the defaults, joining through the ECS at {@code ecs}. */
    public static NioNode member(ServerOptions options, Path dataDir, ServerAddress ecs) {
        return kvServer(options, dataDir, FsyncPolicy.EVERYSEC, NodeConfig.DEFAULT.maxKeyBytes(),
                NodeConfig.DEFAULT.maxValueBytes(), ecs);
    }

    /**
     * Whether a node of this process that runs out of memory halts the whole process (exit code 70) instead
     * of stopping its own loop: for a process that is one node (the {@code ringkv} command), so that the
     * cluster sees a crash rather than a node that keeps its ports open and answers nothing.
     */
    public static void haltOnOutOfMemory(boolean on) {
        EventLoop.haltOnOutOfMemory(on);
    }

    /** The ECS, keeping its ring in {@code dataDir}. */
    public static NioNode ecs(ServerOptions options, Path dataDir, EcsConfig config) {
        return ecs(options, dataDir, config, why -> { });
    }

    /**
     * The ECS, keeping its ring in {@code dataDir}; {@code onDeposed} runs (on the node thread) if the
     * servers elected a newer term's ECS (DESIGN §8) — the process should then exit, saying so.
     */
    public static NioNode ecs(ServerOptions options, Path dataDir, EcsConfig config,
                              java.util.function.Consumer<String> onDeposed) {
        Store store = LogStore.open(StoreOptions.builder(dataDir).fsyncPolicy(FsyncPolicy.ALWAYS).build());
        return start(options, store, ctx -> {
            Ecs ecs = new Ecs(ctx, config);
            ecs.onDeposed(onDeposed);
            return ecs;
        });
    }

    private static NioNode start(ServerOptions options, Store store,
                                 java.util.function.Function<dev.ringkv.node.NodeContext, dev.ringkv.node.NodeLogic> logic) {
        try {
            return NioNode.start(options, store, logic);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }
}
