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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The side-by-side benchmarks' load: client threads, each doing one synchronous call at a time with
 * its own connection(s), for a fixed time, with the same keys and value size whatever the system —
 * ops/s and the latency histogram. A system plugs in as a {@link ClientFactory}.
 */
public final class SyncLoad {
    /** Value size of every write. */
    public static final int VALUE_BYTES = 100;
    /** Keys written at random: {@code key:0} … {@code key:99999}. */
    public static final int KEYS = 100_000;

    private SyncLoad() {
    }

    /** One thread's client: a synchronous write and read; throws on failure. */
    public interface Client extends AutoCloseable {
        void write(byte[] key, byte[] value);

        /** Reads a key (its value, or null); systems that only write may leave it unsupported. */
        default byte[] read(byte[] key) {
            throw new UnsupportedOperationException("read");
        }

        @Override
        void close();
    }

    /** Opens a client per load thread; closing the factory closes what it shares. */
    public interface ClientFactory extends AutoCloseable {
        Client open();

        @Override
        default void close() {
        }
    }

    /** One client of {@code factory}, opened on first use and shared by every thread (it must be thread-safe). */
    public static ClientFactory shared(ClientFactory factory) {
        return new ClientFactory() {
            private Client client;

            @Override
            public synchronized Client open() {
                if (client == null) {
                    client = factory.open();
                }
                Client c = client;
                return new Client() {
                    public void write(byte[] key, byte[] value) {
                        c.write(key, value);
                    }

                    public byte[] read(byte[] key) {
                        return c.read(key);
                    }

                    public void close() {
                        // shared: closed with the factory
                    }
                };
            }

            @Override
            public synchronized void close() {
                if (client != null) {
                    client.close();
                    client = null;
                }
            }
        };
    }

    public enum Kind {
        SET, GET
    }

    public record Result(Kind kind, double opsPerSecond, Histogram micros, long errors) {
        public double millisAt(double percentile) {
            return micros.getValueAtPercentile(percentile) / 1000.0;
        }

        public String line(String name) {
            return String.format(Locale.ROOT, "%-36s %,10.0f %s/s   p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  errors %d",
                    name, opsPerSecond, kind, millisAt(50), millisAt(99), millisAt(99.9), errors);
        }
    }

    public static byte[] key(int n) {
        return ("key:" + n).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] value() {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'v');
        return value;
    }

    /** {@code threads} threads calling for {@code seconds} at random keys; each thread with its own client. */
    public static Result run(Kind kind, int threads, int seconds, ClientFactory factory) throws InterruptedException {
        Histogram micros = new Histogram(60_000_000L, 3);
        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        byte[] value = value();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                Histogram mine = new Histogram(60_000_000L, 3);
                try (Client c = factory.open()) {
                    Random rnd = new Random(id);
                    while (!stop.get()) {
                        byte[] key = key(rnd.nextInt(KEYS));
                        long t0 = System.nanoTime();
                        try {
                            if (kind == Kind.SET) {
                                c.write(key, value);
                            } else {
                                c.read(key);
                            }
                            mine.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                            ops.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (RuntimeException e) {
                    errors.incrementAndGet(); // could not connect
                }
                synchronized (micros) {
                    micros.add(mine);
                }
            }, "load-" + t);
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
        return new Result(kind, done / elapsed, micros, errors.get());
    }

    /** Writes every key of {@link #KEYS} once, from {@code threads} threads; the number of failed writes. */
    public static long loadAll(int threads, ClientFactory factory) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong failed = new AtomicLong();
        byte[] value = value();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try (Client c = factory.open()) {
                    for (int n = next.getAndIncrement(); n < KEYS; n = next.getAndIncrement()) {
                        try {
                            c.write(key(n), value);
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        }
                    }
                }
            }, "loader-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread t : ts) {
            t.join(300_000);
        }
        return failed.get();
    }

    /**
     * RingKV through the routing client, one per thread (a SET is acknowledged once every holder of the key
     * has it); {@link #shared} makes it one client for all threads, pipelining their calls.
     */
    public static ClientFactory ringkv(ServerAddress... seeds) {
        return () -> {
            RingKvCluster c = RingKvCluster.connect(seeds);
            return new Client() {
                public void write(byte[] k, byte[] v) {
                    c.set(k, v);
                }

                public byte[] read(byte[] k) {
                    return c.get(k);
                }

                public void close() {
                    c.close();
                }
            };
        };
    }

    /**
     * A Redis master: each write is {@code SET} then {@code WAIT replicas 0}, pipelined like a client
     * library would, acknowledged once that many replicas have it (plain SET with {@code replicas} 0).
     */
    public static ClientFactory redis(ServerAddress master, int replicas) {
        return () -> {
            RingKvClient c = RingKvClient.connect(master, Duration.ofSeconds(10));
            byte[] set = "SET".getBytes(StandardCharsets.US_ASCII);
            byte[][] wait = RingKvClient.command("WAIT", String.valueOf(replicas), "0");
            return new Client() {
                public void write(byte[] k, byte[] v) {
                    if (replicas == 0) {
                        c.set(k, v);
                        return;
                    }
                    var replies = c.pipeline(List.of(new byte[][] {set, k, v}, wait));
                    RingKvClient.check(c.await(replies.get(0)));
                    RespValue acked = RingKvClient.check(c.await(replies.get(1)));
                    if (!(acked instanceof RespValue.Int n) || n.value() < replicas) {
                        throw new IllegalStateException("WAIT " + replicas + " 0 answered " + acked);
                    }
                }

                public byte[] read(byte[] k) {
                    return c.get(k);
                }

                public void close() {
                    c.close();
                }
            };
        };
    }

    /** A {@code redis-server} on loopback without persistence, a replica of {@code masterPort} if not null. */
    public static Process startRedis(Path base, int port, Integer masterPort) throws IOException {
        Path dir = Files.createDirectories(base.resolve("redis-" + port));
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no"));
        if (masterPort != null) {
            cmd.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(masterPort)));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
    }

    /** Waits until the master has {@code replicas} replicas connected and in sync. */
    public static void awaitRedisReplicas(ServerAddress master, int replicas) throws InterruptedException {
        boolean ok = ProcessCluster.await(() -> {
            try (RingKvClient c = RingKvClient.connect(master, Duration.ofSeconds(2))) {
                String info = ((RespValue.Bulk) c.execute("INFO", "replication")).utf8();
                return info.contains("connected_slaves:" + replicas) && !info.contains("state=wait_bgsave");
            } catch (RuntimeException e) {
                return false;
            }
        }, Duration.ofSeconds(30));
        DetectionBench.require(ok, "the Redis replicas did not connect");
    }

    /** Resident memory of a process, from /proc (Linux), in MiB; -1 if it cannot be read. */
    public static double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
