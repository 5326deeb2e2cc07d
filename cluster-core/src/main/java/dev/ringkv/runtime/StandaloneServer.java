package dev.ringkv.runtime;

import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.storage.FsyncPolicy;
import dev.ringkv.storage.LogStore;
import dev.ringkv.storage.Store;
import dev.ringkv.storage.StoreOptions;
import java.nio.file.Path;
import java.util.Locale;

/** Wires a KV server: its store on disk, its logic, its NIO runtime. */
public final class StandaloneServer {

    private StandaloneServer() {
    }

    /**
     * Opens (or recovers) the store in {@code dataDir} and starts serving.
     *
     * @throws dev.ringkv.storage.StorageException if the directory cannot be used (in use, not writable)
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public static NioNode start(ServerOptions options, Path dataDir, FsyncPolicy fsync, int maxKeyBytes,
                                int maxValueBytes) {
        Store store = LogStore.open(StoreOptions.builder(dataDir)
                .fsyncPolicy(fsync)
                .maxKeyBytes(maxKeyBytes)
                .maxValueBytes(maxValueBytes)
                .build());
        NodeConfig config = new NodeConfig(maxKeyBytes, maxValueBytes, fsync.name().toLowerCase(Locale.ROOT));
        try {
            return NioNode.start(options, store, ctx -> {
                KvNode node = new KvNode(ctx, config);
                node.runtimeInfo(((NioNode) ctx)::runtimeInfo);
                return node;
            });
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Defaults: loopback, everysec, 64 KiB keys, 16 MiB values. */
    public static NioNode start(ServerOptions options, Path dataDir) {
        return start(options, dataDir, FsyncPolicy.EVERYSEC, NodeConfig.DEFAULT.maxKeyBytes(),
                NodeConfig.DEFAULT.maxValueBytes());
    }
}
