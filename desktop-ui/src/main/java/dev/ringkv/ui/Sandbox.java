package dev.ringkv.ui;

import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.ring.ServerAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's own local cluster (DESIGN §10): an ECS and servers as child processes ({@code ringkv ecs}
 * and {@code ringkv server}, from this JVM's classpath) on loopback, their data and logs in one
 * directory that is kept when the monitor closes — nothing the user stored is removed behind their
 * back. A crash is SIGKILL, a stop is SIGTERM (the graceful leave). Not thread-safe: one background
 * thread drives it.
 */
final class Sandbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    /** Small heaps and the serial collector: four JVMs and the monitor share a laptop. */
    private static final List<String> JVM = List.of("-Xms32m", "-Xmx384m", "-XX:+UseSerialGC");

    private final ProcessCluster cluster;
    private final Path dir;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Sandbox(ProcessCluster cluster, Path dir) {
        this.cluster = cluster;
        this.dir = dir;
    }

    /** Starts an ECS and {@code servers} servers; returns once their processes are started (not yet joined). */
    static Sandbox start(Path dataDir, int servers) throws IOException {
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("ringkv-sandbox-");
        ProcessCluster cluster = new ProcessCluster(dir, "127.0.0.1", JVM);
        Sandbox s = new Sandbox(cluster, dir);
        cluster.startEcs();
        for (int i = 0; i < servers; i++) {
            s.addServer();
        }
        LOG.info("sandbox: ECS {} and {} servers, data and logs in {}", cluster.ecs().address, servers,
                dir.toAbsolutePath());
        return s;
    }

    /** Every node started so far, the ECS first: where to look for the cluster. */
    List<ServerAddress> nodes() {
        return cluster.addresses();
    }

    /** A new server, joining through every node still running (any member names the ECS, DESIGN §8). */
    ServerAddress addServer() throws IOException {
        return cluster.startServerVia(cluster.liveBootstrap(), "--election-timeout", "400-800").address;
    }

    /** SIGTERM: the server leaves gracefully (its ranges move first), then exits. Does not wait. */
    void stop(ServerAddress server) {
        ProcessCluster.Node n = cluster.node(server);
        if (n.isAlive()) {
            n.process().destroy();
        }
    }

    /** SIGKILL. */
    void crash(ServerAddress node) throws InterruptedException {
        ProcessCluster.Node n = cluster.node(node);
        if (n.isAlive()) {
            cluster.kill(n);
        }
    }

    /** Starts a stopped or crashed node again, same port and data directory. */
    void restart(ServerAddress node) throws IOException, InterruptedException {
        cluster.restart(cluster.node(node));
    }

    /** SIGKILL of whoever holds the ECS role now; returns it, or null if no node names an ECS. */
    ServerAddress crashEcs() throws InterruptedException {
        ServerAddress ecs = cluster.currentEcs();
        if (ecs != null) {
            crash(ecs);
        }
        return ecs;
    }

    boolean isRunning(ServerAddress node) {
        return cluster.node(node).isAlive();
    }

    long pid(ServerAddress node) {
        return cluster.node(node).pid();
    }

    Path dataDir() {
        return dir;
    }

    /** Stops every process (SIGKILL: the stores are crash-safe) and keeps the directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cluster.close();
        LOG.info("sandbox stopped; its data and logs stay in {}", dir.toAbsolutePath());
    }
}
