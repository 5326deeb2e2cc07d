package dev.ringkv.launcher.bench;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvCluster;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * ECS failover on loopback with real processes (issue 5): the time from SIGKILL of the ECS to the first
 * heartbeat of the new term reaching a server — polled through each server's {@code INFO ring}
 * ({@code ecs_term}, {@code ecs}): a server that reports a newer term, and an ECS other than itself, has
 * heard the new ECS. Each round starts a fresh cluster (ECS + 3 servers, 1 000 keys), kills the dedicated
 * ECS, waits until the cluster has healed under the elected server, then pauses that server (SIGSTOP:
 * only its heartbeats stop), resumes it once another has taken over, and finally kills the server holding
 * the role (it dies with a data server): three elections per round.
 *
 * <pre>java -cp launcher/target/ringkv.jar dev.ringkv.launcher.bench.FailoverBench [rounds]</pre>
 */
public final class FailoverBench {

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Samples dedicated = new Samples();
        Samples hosted = new Samples();
        Samples all = new Samples();
        Samples stopped = new Samples();
        Map<Long, Integer> termsPerLoss = new java.util.TreeMap<>();
        System.out.println("ECS + 3 servers per round; election timeout 400-800 ms; heartbeat 100 ms");
        for (int round = 0; round < rounds; round++) {
            Path base = Files.createTempDirectory("ringkv-failover-");
            try (ProcessCluster cluster = new ProcessCluster(base, "127.0.0.1", List.of("-XX:+UseSerialGC", "-Xmx256m"))) {
                cluster.startEcs();
                for (int i = 0; i < 3; i++) {
                    cluster.startServer();
                }
                DetectionBench.require(cluster.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(60)), "never formed");
                ServerAddress[] seeds = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
                try (RingKvCluster client = RingKvCluster.connect(seeds)) {
                    for (int i = 0; i < 1_000; i++) {
                        client.set("key-" + i, "value-" + i);
                    }
                }
                double first = killAndTime(cluster, cluster.ecs(), 1, false);
                dedicated.add(first);
                all.add(first);
                DetectionBench.require(cluster.awaitStatus(s -> s.term() > 1 && ProcessCluster.healed(3).test(s),
                        Duration.ofSeconds(30)), "did not heal under the elected ECS");
                long term = termsTaken(cluster, 1, termsPerLoss);
                // SIGSTOP of the server holding the role: no connection breaks, only the heartbeats stop
                ServerAddress paused = cluster.currentEcs();
                double stop = killAndTime(cluster, cluster.node(paused), term, true);
                stopped.add(stop);
                cluster.resume(cluster.node(paused)); // it learns the newer term, steps down, serves on
                DetectionBench.require(cluster.awaitStatus(s -> !s.ecs().equals(paused.toString())
                        && ProcessCluster.healed(3).test(s), Duration.ofSeconds(30)), "did not heal after the pause");
                term = termsTaken(cluster, term, termsPerLoss);
                ServerAddress host = cluster.currentEcs();
                double second = killAndTime(cluster, cluster.node(host), term, false);
                hosted.add(second);
                all.add(second);
                DetectionBench.require(cluster.awaitStatus(s -> !s.ecs().equals(host.toString())
                        && ProcessCluster.healed(2).test(s), Duration.ofSeconds(30)), "did not heal after the second kill");
                termsTaken(cluster, term, termsPerLoss);
                System.out.printf(Locale.ROOT, "round %2d: SIGKILL dedicated ECS -> new term heard in %6.1f ms; "
                        + "SIGSTOP ECS server -> %6.1f ms; SIGKILL ECS server -> %6.1f ms%n", round + 1, first, stop, second);
            }
        }
        System.out.println();
        System.out.println("SIGKILL of the dedicated ECS -> new term's first heartbeat: " + dedicated.summary());
        System.out.println("SIGKILL of the server holding the role -> new term's first heartbeat: " + hosted.summary());
        System.out.println("all " + all.size() + " kills: " + all.summary());
        System.out.println("SIGSTOP of the server holding the role -> new term's first heartbeat: " + stopped.summary());
        System.out.println("terms per ECS loss, once healed (1 = one election): " + termsPerLoss);
    }

    /**
     * Counts how many terms the last ECS loss took (the healed cluster's term minus {@code before}: 1 is one
     * election, more is a rival or a failed takeover) and returns the current term.
     */
    private static long termsTaken(ProcessCluster cluster, long before, Map<Long, Integer> termsPerLoss)
            throws IOException, InterruptedException {
        long now = cluster.status().term();
        termsPerLoss.merge(now - before, 1, Integer::sum);
        return now;
    }

    /** SIGKILLs (or SIGSTOPs) {@code victim}; returns ms until a surviving server follows a newer term's ECS than {@code term}. */
    private static double killAndTime(ProcessCluster cluster, ProcessCluster.Node victim, long term, boolean pause)
            throws Exception {
        Map<ServerAddress, RingKvClient> probes = new LinkedHashMap<>();
        for (ProcessCluster.Node n : cluster.servers()) {
            if (n.isAlive() && n != victim) {
                probes.put(n.address, RingKvClient.connect(n.address, Duration.ofSeconds(5)));
            }
        }
        try {
            long t0 = System.nanoTime();
            if (pause) {
                cluster.pause(victim);
            } else {
                victim.process().destroyForcibly();
            }
            long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                for (Map.Entry<ServerAddress, RingKvClient> p : probes.entrySet()) {
                    String info = ((RespValue.Bulk) p.getValue().execute("INFO", "ring")).utf8();
                    long seen = Long.parseLong(field(info, "ecs_term"));
                    if (seen > term && !field(info, "ecs").equals(p.getKey().toString())) {
                        return (System.nanoTime() - t0) / 1e6;
                    }
                }
                TimeUnit.MICROSECONDS.sleep(500);
            }
            throw new IllegalStateException("no server heard a new ECS within 10 s of killing " + victim.address);
        } finally {
            if (!pause) {
                victim.process().waitFor(10, TimeUnit.SECONDS);
            }
            for (RingKvClient c : probes.values()) {
                c.close();
            }
        }
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("INFO has no " + name + ": " + info);
    }
}
