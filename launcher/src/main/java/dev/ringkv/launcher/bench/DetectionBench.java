package dev.ringkv.launcher.bench;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.wire.RespValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Crash detection on loopback with real processes (issue 3): the time from SIGKILL or SIGSTOP of a
 * server to the ECS publishing a ring without it, over many rounds. After each round the victim is
 * restarted (or resumed) and rejoins before the next one.
 *
 * <pre>java -cp launcher/target/ringkv.jar dev.ringkv.launcher.bench.DetectionBench [kills] [stops] [restMillis]</pre>
 *
 * <p>{@code restMillis} (default 0) is waited after each round: a server's lease fits the answers it gave in the
 * last ~10 s (issue 18), so a victim restarted a moment ago — its first answers slow while its JVM warms up — still
 * holds the longest lease. With 3 servers in turn and 4,000 ms each victim has run ~12 s when it is killed, as a
 * server of a real cluster has.
 */
public final class DetectionBench {

    private DetectionBench() {
    }

    public static void main(String[] args) throws Exception {
        int kills = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int stops = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long rest = args.length > 2 ? Long.parseLong(args[2]) : 0;
        Path base = Files.createTempDirectory("ringkv-detect-");
        Samples killed = new Samples();
        Samples stopped = new Samples();
        try (ProcessCluster cluster = new ProcessCluster(base, "127.0.0.1", List.of("-XX:+UseSerialGC"))) {
            cluster.startEcs();
            for (int i = 0; i < 3; i++) {
                cluster.startServer();
            }
            require(cluster.awaitStatus(ProcessCluster.settled(3), Duration.ofSeconds(60)), "the cluster never settled");
            System.out.println("ECS " + cluster.ecs().address + ", 3 servers; heartbeat 100 ms, timeout 400 ms");
            try (RingKvClient probe = RingKvClient.connect(cluster.ecs().address, Duration.ofSeconds(5))) {
                for (int round = 0; round < kills + stops; round++) {
                    boolean kill = round < kills;
                    ProcessCluster.Node victim = cluster.servers().get(round % 3);
                    long t0 = System.nanoTime();
                    if (kill) {
                        victim.process().destroyForcibly();
                    } else {
                        cluster.pause(victim);
                    }
                    long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
                    while (!ProcessCluster.outOfRing(victim.address).test(status(probe))) {
                        require(System.nanoTime() < deadline, "victim never left the ring");
                        TimeUnit.MICROSECONDS.sleep(500);
                    }
                    double ms = (System.nanoTime() - t0) / 1e6;
                    (kill ? killed : stopped).add(ms);
                    System.out.printf(Locale.ROOT, "%-7s %s  %.1f ms%n", kill ? "SIGKILL" : "SIGSTOP", victim.address, ms);
                    if (kill) {
                        victim.process().waitFor(10, TimeUnit.SECONDS);
                        cluster.restart(victim);
                    } else {
                        cluster.resume(victim);
                    }
                    require(cluster.awaitStatus(ProcessCluster.settled(3), Duration.ofSeconds(60)),
                            "the cluster did not settle after round " + round);
                    Thread.sleep(rest);
                }
            }
        }
        System.out.println();
        System.out.println("SIGKILL -> ring without it: " + killed.summary());
        System.out.println("SIGSTOP -> ring without it: " + stopped.summary());
    }

    private static ClusterStatus status(RingKvClient c) {
        return ClusterStatus.fromJson(((RespValue.Bulk) c.execute("RINGKV", "STATUS")).utf8());
    }

    static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
