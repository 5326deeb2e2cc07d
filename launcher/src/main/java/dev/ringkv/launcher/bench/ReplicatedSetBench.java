package dev.ringkv.launcher.bench;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvCluster;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Synchronous replication side by side (issue 7), same machine, same run, same client threads and
 * value size: a 3-server RingKV cluster with 3 copies per key (a SET is acknowledged once all three
 * holders have it) against three {@code redis-server} processes — a master and two replicas — where
 * each write is {@code SET} followed by {@code WAIT 2 0} (acknowledged once both replicas have it).
 * Each client thread runs one write at a time; prints ops/s and p50/p99/p99.9 per system and the ratio.
 *
 * <pre>java -cp launcher/target/ringkv.jar dev.ringkv.launcher.bench.ReplicatedSetBench [threads] [seconds] [rounds]</pre>
 */
public final class ReplicatedSetBench {

    private static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx512m");
    private static final int VALUE_BYTES = 100;
    private static final int KEYS = 100_000;

    private ReplicatedSetBench() {
    }

    /** Writes one key; throws on failure. */
    private interface Writer extends AutoCloseable {
        void write(byte[] key, byte[] value);

        @Override
        void close();
    }

    private interface WriterFactory {
        Writer open();
    }

    private record Result(double opsPerSecond, Histogram micros, long errors) {
        String line(String name) {
            return String.format(Locale.ROOT, "%-34s %,10.0f SET/s   p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  errors %d",
                    name, opsPerSecond, micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(99) / 1000.0,
                    micros.getValueAtPercentile(99.9) / 1000.0, errors);
        }
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
            redis.add(redis(base, master, null));
            for (int i = 0; i < 2; i++) {
                redis.add(redis(base, ProcessCluster.freePort(), master));
            }
            ServerAddress redisMaster = new ServerAddress("127.0.0.1", master);
            awaitReplicas(redisMaster);

            WriterFactory ringkv = () -> {
                RingKvCluster c = RingKvCluster.connect(seeds);
                return new Writer() {
                    public void write(byte[] k, byte[] v) {
                        c.set(k, v);
                    }

                    public void close() {
                        c.close();
                    }
                };
            };
            WriterFactory redisWait = () -> {
                RingKvClient c = RingKvClient.connect(redisMaster, Duration.ofSeconds(10));
                byte[] set = "SET".getBytes(StandardCharsets.US_ASCII);
                byte[][] waitForBoth = RingKvClient.command("WAIT", "2", "0");
                return new Writer() {
                    public void write(byte[] k, byte[] v) {
                        // pipelined like a client library would: SET, then WAIT for both replicas
                        var replies = c.pipeline(List.of(new byte[][] {set, k, v}, waitForBoth));
                        RingKvClient.check(c.await(replies.get(0)));
                        RespValue acked = RingKvClient.check(c.await(replies.get(1)));
                        if (!(acked instanceof RespValue.Int n) || n.value() < 2) {
                            throw new IllegalStateException("WAIT 2 0 answered " + acked);
                        }
                    }

                    public void close() {
                        c.close();
                    }
                };
            };
            System.out.printf(Locale.ROOT, "%d client threads, one synchronous write at a time each, %d-byte values over %,d keys, %d s per run%n",
                    threads, VALUE_BYTES, KEYS, seconds);
            run(threads, 3, ringkv); // warm-up: the JIT, the connections
            run(threads, 3, redisWait);
            List<Double> ratios = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                Result a = run(threads, seconds, ringkv);
                Result b = run(threads, seconds, redisWait);
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

    private static Process redis(Path base, int port, Integer masterPort) throws IOException {
        Path dir = Files.createDirectories(base.resolve("redis-" + port));
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no"));
        if (masterPort != null) {
            cmd.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(masterPort)));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
    }

    private static void awaitReplicas(ServerAddress master) throws InterruptedException {
        boolean ok = ProcessCluster.await(() -> {
            try (RingKvClient c = RingKvClient.connect(master, Duration.ofSeconds(2))) {
                String info = ((RespValue.Bulk) c.execute("INFO", "replication")).utf8();
                return info.contains("connected_slaves:2") && !info.contains("state=wait_bgsave");
            } catch (RuntimeException e) {
                return false;
            }
        }, Duration.ofSeconds(30));
        DetectionBench.require(ok, "the Redis replicas did not connect");
    }

    /** {@code threads} threads writing for {@code seconds}; each thread with its own connection(s). */
    private static Result run(int threads, int seconds, WriterFactory factory) throws InterruptedException {
        Histogram micros = new Histogram(60_000_000L, 3);
        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'v');
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                Histogram mine = new Histogram(60_000_000L, 3);
                try (Writer w = factory.open()) {
                    java.util.Random rnd = new java.util.Random(id);
                    while (!stop.get()) {
                        byte[] key = ("key:" + rnd.nextInt(KEYS)).getBytes(StandardCharsets.US_ASCII);
                        long t0 = System.nanoTime();
                        try {
                            w.write(key, value);
                            mine.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                            ops.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                    }
                }
                synchronized (micros) {
                    micros.add(mine);
                }
            }, "replset-" + t);
            ts.add(th);
        }
        long t0 = System.nanoTime();
        ts.forEach(Thread::start);
        TimeUnit.SECONDS.sleep(seconds);
        stop.set(true);
        long done = ops.get();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        for (Thread t : ts) {
            t.join(30_000);
        }
        return new Result(done / elapsed, micros, errors.get());
    }
}
