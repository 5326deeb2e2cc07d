package dev.ringkv.launcher.bench;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A server joining a loaded cluster (issue 3): ECS + 3 server processes hold N keys of 100 bytes; a 4th
 * server process starts; prints the time from its start to the ring switch (the ECS publishing the ring
 * with it, every server serving it), and from its JOIN reaching the ECS to that switch.
 *
 * <pre>java -cp launcher/target/ringkv.jar dev.ringkv.launcher.bench.JoinBench [keys] [rounds]</pre>
 */
public final class JoinBench {

    private JoinBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Samples fromStart = new Samples();
        Samples fromJoin = new Samples();
        for (int round = 1; round <= rounds; round++) {
            Path base = Files.createTempDirectory("ringkv-join-");
            try (ProcessCluster cluster = new ProcessCluster(base, "127.0.0.1", List.of("-XX:+UseSerialGC"))) {
                cluster.startEcs();
                for (int i = 0; i < 3; i++) {
                    cluster.startServer();
                }
                DetectionBench.require(cluster.awaitStatus(ProcessCluster.settled(3), Duration.ofSeconds(60)), "no ring");
                load(cluster, keys);
                long t0 = System.nanoTime();
                ProcessCluster.Node joiner = cluster.startServer();
                long joinSeen = 0;
                long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
                while (true) {
                    ClusterStatus s = cluster.status();
                    long now = System.nanoTime();
                    if (s != null && joinSeen == 0 && s.members().stream().anyMatch(m -> m.address().equals(joiner.address.toString()))) {
                        joinSeen = now;
                    }
                    if (s != null && ProcessCluster.settled(4).test(s)) {
                        break;
                    }
                    DetectionBench.require(now < deadline, "the 4th server never joined");
                    TimeUnit.MILLISECONDS.sleep(2);
                }
                long t1 = System.nanoTime();
                long moved;
                try (RingKvClient c = RingKvClient.connect(joiner.address, Duration.ofSeconds(5))) {
                    moved = ((RespValue.Int) c.execute("DBSIZE")).value();
                }
                fromStart.add((t1 - t0) / 1e6);
                fromJoin.add((t1 - joinSeen) / 1e6);
                System.out.printf(Locale.ROOT, "round %d: %d keys, %d moved to the new server: %.0f ms from its start, %.0f ms from its JOIN%n",
                        round, keys, moved, (t1 - t0) / 1e6, (t1 - joinSeen) / 1e6);
            }
        }
        System.out.println();
        System.out.println("process start -> ring switch: " + fromStart.summary());
        System.out.println("JOIN seen by the ECS -> ring switch: " + fromJoin.summary());
    }

    /** Pipelined SETs straight to each key's coordinator. */
    static void load(ProcessCluster cluster, int keys) {
        Map<ServerAddress, RingKvClient> clients = new HashMap<>();
        try {
            RingKvClient first = RingKvClient.connect(cluster.servers().get(0).address, Duration.ofSeconds(10));
            clients.put(first.address(), first);
            Ring ring = Ring.parseKeyrange(first.keyrange(), 0);
            byte[] value = new byte[100];
            Map<ServerAddress, List<byte[][]>> batches = new HashMap<>();
            List<CompletableFuture<RespValue>> pending = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                byte[] key = String.format(Locale.ROOT, "key:%012d", i).getBytes(StandardCharsets.US_ASCII);
                ServerAddress owner = ring.coordinatorOf(key);
                List<byte[][]> b = batches.computeIfAbsent(owner, a -> new ArrayList<>());
                b.add(new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), key, value});
                if (b.size() == 1000 || i == keys - 1) {
                    RingKvClient c = clients.computeIfAbsent(owner, a -> RingKvClient.connect(a, Duration.ofSeconds(10)));
                    pending.addAll(c.pipeline(b));
                    batches.put(owner, new ArrayList<>());
                    if (pending.size() >= 3_000) {
                        // a bounded window: each write costs three servers work now, and an unbounded
                        // flood starves the heartbeats on a 2-core machine
                        for (CompletableFuture<RespValue> f : pending) {
                            RingKvClient.check(f.join());
                        }
                        pending.clear();
                    }
                }
            }
            for (Map.Entry<ServerAddress, List<byte[][]>> e : batches.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    RingKvClient c = clients.computeIfAbsent(e.getKey(), a -> RingKvClient.connect(a, Duration.ofSeconds(10)));
                    pending.addAll(c.pipeline(e.getValue()));
                }
            }
            for (CompletableFuture<RespValue> f : pending) {
                RingKvClient.check(f.join());
            }
        } finally {
            clients.values().forEach(RingKvClient::close);
        }
    }
}
