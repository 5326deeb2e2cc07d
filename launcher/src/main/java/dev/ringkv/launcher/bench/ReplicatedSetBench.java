package dev.ringkv.launcher.bench;

import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.launcher.bench.SyncLoad.Kind;
import dev.ringkv.ring.ServerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Synchronous replication side by side (issue 7), same machine, same run, same client threads and
 * value size: a 3-server RingKV cluster with 3 copies per key (a SET is acknowledged once all three
 * holders have it) against three {@code redis-server} processes — a master and two replicas — where
 * each write is {@code SET} followed by {@code WAIT 2 0} (acknowledged once both replicas have it).
 * Each client thread runs one write at a time; prints ops/s and p50/p99/p99.9 per system and the ratio.
 * The full comparison, Hazelcast included, is {@code launcher/scripts/side-by-side.sh}.
 *
 * <pre>java -cp launcher/target/ringkv.jar dev.ringkv.launcher.bench.ReplicatedSetBench [threads] [seconds] [rounds]</pre>
 */
public final class ReplicatedSetBench {

    static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx512m");

    private ReplicatedSetBench() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path base = Files.createTempDirectory("ringkv-replset-");
        List<Process> redis = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(base.resolve("ringkv"), "127.0.0.1", JVM)) {
            cluster.startEcs();
            for (int i = 0; i < 3; i++) {
                cluster.startServer();
            }
            DetectionBench.require(cluster.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(60)), "never formed");
            ServerAddress[] seeds = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);

            int master = ProcessCluster.freePort();
            redis.add(SyncLoad.startRedis(base, master, null));
            for (int i = 0; i < 2; i++) {
                redis.add(SyncLoad.startRedis(base, ProcessCluster.freePort(), master));
            }
            ServerAddress redisMaster = new ServerAddress("127.0.0.1", master);
            SyncLoad.awaitRedisReplicas(redisMaster, 2);

            SyncLoad.ClientFactory ringkv = SyncLoad.ringkv(seeds);
            SyncLoad.ClientFactory redisWait = SyncLoad.redis(redisMaster, 2);
            System.out.printf(Locale.ROOT, "%d client threads, one synchronous write at a time each, %d-byte values over %,d keys, %d s per run%n",
                    threads, SyncLoad.VALUE_BYTES, SyncLoad.KEYS, seconds);
            SyncLoad.run(Kind.SET, threads, 3, ringkv); // warm-up: the JIT, the connections
            SyncLoad.run(Kind.SET, threads, 3, redisWait);
            List<Double> ratios = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                SyncLoad.Result a = SyncLoad.run(Kind.SET, threads, seconds, ringkv);
                SyncLoad.Result b = SyncLoad.run(Kind.SET, threads, seconds, redisWait);
                System.out.println("round " + r + ":");
                System.out.println("  " + a.line("RingKV, 3 servers, 3 copies"));
                System.out.println("  " + b.line("Redis SET + WAIT 2 0 (1+2 procs)"));
                ratios.add(a.opsPerSecond() / b.opsPerSecond());
            }
            ratios.sort(Double::compare);
            System.out.printf(Locale.ROOT, "RingKV / Redis-with-WAIT, median of %d rounds: %.2f (rounds: %s)%n", rounds,
                    ratios.get(ratios.size() / 2), ratios);
        } finally {
            for (Process p : redis) {
                p.destroyForcibly();
            }
        }
    }
}
