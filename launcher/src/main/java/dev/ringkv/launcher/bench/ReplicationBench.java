package dev.ringkv.launcher.bench;

import dev.ringkv.client.RingKvCluster;
import dev.ringkv.client.RingKvClient;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Replication on loopback with real processes (issue 4), in one run:
 * <ol>
 *   <li>write throughput of 8 client threads against one standalone server, then against ECS + 5 servers
 *       with 3 copies per key (same client, same value size);</li>
 *   <li>100,000 keys of 100 bytes loaded, then SIGKILL of a server while the 8 threads keep writing: the
 *       time to the ring without it, to every range having 3 copies again, the errors the callers saw and
 *       the slowest call; zero acknowledged writes lost;</li>
 *   <li>a double failure: two neighbouring servers (two of some ranges' three holders) killed together,
 *       and what was lost.</li>
 * </ol>
 *
 * <pre>java -cp launcher/target/ringkv.jar dev.ringkv.launcher.bench.ReplicationBench [keys] [seconds]</pre>
 */
public final class ReplicationBench {

    private static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx512m");

    private ReplicationBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path base = Files.createTempDirectory("ringkv-repl-");
        double single;
        try (ProcessCluster one = new ProcessCluster(base.resolve("single"), "127.0.0.1", JVM)) {
            one.startEcs();
            ProcessCluster.Node s = one.startServer();
            DetectionBench.require(one.awaitStatus(ProcessCluster.healed(1), Duration.ofSeconds(60)), "no single node");
            single = throughput(seconds, s.address);
        }
        System.out.printf(Locale.ROOT, "one server (1 copy):         %,10.0f SET/s  (8 threads, 100-byte values, %d s)%n",
                single, seconds);
        try (ProcessCluster cluster = new ProcessCluster(base.resolve("cluster"), "127.0.0.1", JVM)) {
            cluster.startEcs();
            for (int i = 0; i < 5; i++) {
                cluster.startServer();
            }
            DetectionBench.require(cluster.awaitStatus(ProcessCluster.healed(5), Duration.ofSeconds(60)), "never formed");
            ServerAddress[] seeds = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
            double replicated = throughput(seconds, seeds);
            System.out.printf(Locale.ROOT, "5 servers, 3 copies per key: %,10.0f SET/s  (same client; ratio %.2f)%n",
                    replicated, replicated / single);

            Map<String, String> loaded = load(keys, seeds);
            DetectionBench.require(cluster.awaitStatus(ProcessCluster.healed(5), Duration.ofSeconds(60)), "not healed");
            System.out.printf(Locale.ROOT, "loaded %,d keys of 100 bytes%n", loaded.size());

            Writers writers = new Writers(8, "kill-", 100, 1_000_000, seeds).start();
            Thread.sleep(1_000);
            ProcessCluster.Node victim = cluster.servers().get(2);
            long t0 = System.nanoTime();
            cluster.kill(victim);
            long detected = -1;
            long healed = -1;
            long maxUnder = 0;
            try (RingKvClient ecs = RingKvClient.connect(cluster.ecs().address, Duration.ofSeconds(5))) {
                long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
                while (healed < 0 && System.nanoTime() < deadline) {
                    ClusterStatus s = status(ecs);
                    long now = System.nanoTime();
                    maxUnder = Math.max(maxUnder, s.underReplicatedKeys());
                    if (detected < 0 && ProcessCluster.outOfRing(victim.address).test(s)) {
                        detected = now;
                    }
                    if (detected >= 0 && ProcessCluster.healed(4).test(s)) {
                        healed = now;
                    }
                    TimeUnit.MICROSECONDS.sleep(500);
                }
            }
            DetectionBench.require(healed > 0, "never healed");
            Thread.sleep(1_000);
            writers.stop();
            ServerAddress[] alive = alive(cluster);
            long lostLoaded = Writers.lost(loaded, alive);
            long lostRun = Writers.lost(writers.acked, alive);
            System.out.printf(Locale.ROOT, "SIGKILL %s -> ring without it %.1f ms -> 3 copies of every key again %.1f ms "
                    + "(at most %,d copies missing)%n", victim.address, (detected - t0) / 1e6, (healed - t0) / 1e6, maxUnder);
            System.out.printf(Locale.ROOT, "while it happened: %,d writes acknowledged by 8 threads, %d errors reached "
                    + "the callers%s, slowest call %.1f ms (started %.0f ms after the kill)%n", writers.acked.size(),
                    writers.errors(), writers.errors() > 0 ? " over " + writers.errorWindowMillis() + " ms ("
                    + writers.lastError() + ")" : "", writers.slowestMillis(), (writers.slowestAtNanos() - t0) / 1e6);
            System.out.printf(Locale.ROOT, "acknowledged writes lost: %d of %,d loaded, %d of %,d written during the kill%n",
                    lostLoaded, loaded.size(), lostRun, writers.acked.size());

            // a double failure: two neighbours on the ring hold two of the three copies of some ranges
            Ring ring = ringOf(alive[0]);
            ServerAddress first = ring.members().get(0);
            ServerAddress second = ring.successorOf(first);
            ProcessCluster.Node a = node(cluster, first);
            ProcessCluster.Node b = node(cluster, second);
            long t1 = System.nanoTime();
            a.process().destroyForcibly();
            b.process().destroyForcibly();
            a.process().waitFor(10, TimeUnit.SECONDS);
            b.process().waitFor(10, TimeUnit.SECONDS);
            DetectionBench.require(cluster.awaitStatus(ProcessCluster.healed(2), Duration.ofSeconds(120)),
                    "never healed after the double failure");
            double heal2 = (System.nanoTime() - t1) / 1e6;
            alive = alive(cluster);
            Map<String, String> all = new ConcurrentHashMap<>(loaded);
            all.putAll(writers.acked);
            long lost2 = Writers.lost(all, alive);
            System.out.printf(Locale.ROOT, "double failure: SIGKILL %s and %s together -> healed on 2 servers in %.0f ms; "
                    + "acknowledged writes lost: %d of %,d%n", first, second, heal2, lost2, all.size());
        }
    }

    private static ServerAddress[] alive(ProcessCluster cluster) {
        return cluster.servers().stream().filter(ProcessCluster.Node::isAlive).map(n -> n.address)
                .toArray(ServerAddress[]::new);
    }

    private static ProcessCluster.Node node(ProcessCluster cluster, ServerAddress a) {
        return cluster.servers().stream().filter(n -> n.address.equals(a)).findFirst().orElseThrow();
    }

    private static Ring ringOf(ServerAddress seed) {
        try (RingKvCluster c = RingKvCluster.connect(seed)) {
            return c.ring();
        }
    }

    private static ClusterStatus status(RingKvClient c) {
        return ClusterStatus.fromJson(((RespValue.Bulk) c.execute("RINGKV", "STATUS")).utf8());
    }

    /** SETs per second from 8 threads for {@code seconds}. */
    private static double throughput(int seconds, ServerAddress... seeds) throws InterruptedException {
        Writers w = new Writers(8, "tp-" + System.nanoTime() + "-", 100, 10_000_000, seeds).start();
        // connections made, and the code compiled: after half a second the servers were still compiling
        // (C2 at ~40% of the two cores), which halved the figure
        Thread.sleep(3_000);
        int before = w.acked.size();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        int after = w.acked.size();
        double s = (System.nanoTime() - t0) / 1e9;
        w.stop();
        return (after - before) / s;
    }

    /** {@code keys} keys of 100 bytes, pipelined. */
    private static Map<String, String> load(int keys, ServerAddress... seeds) throws Exception {
        Map<String, String> out = new ConcurrentHashMap<>();
        byte[] pad = new byte[90];
        Arrays.fill(pad, (byte) 'v');
        try (RingKvCluster c = RingKvCluster.connect(seeds)) {
            for (int i = 0; i < keys; i += 1000) {
                List<CompletableFuture<Void>> batch = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (int j = i; j < Math.min(keys, i + 1000); j++) {
                    String k = "load-" + j;
                    String v = String.format(Locale.ROOT, "%09d", j) + new String(pad, java.nio.charset.StandardCharsets.US_ASCII);
                    names.add(k);
                    out.put(k, v);
                    batch.add(c.setAsync(k.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
                CompletableFuture.allOf(batch.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            }
        }
        return out;
    }
}
