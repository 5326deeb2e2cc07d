package dev.ringkv.launcher;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code ringkv bench}: a closed-loop load generator. Each client thread keeps {@code --pipeline}
 * commands in flight, waits for all their replies, and records each one's latency (send to reply).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Closed-loop load against a node: prints ops/s and p50/p99/p99.9 latency.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-b", "--node"}, paramLabel = "HOST:PORT",
            description = {"Node to load. Default: a server of the cluster (UP, in the ring), found as `ringkv status` "
                    + "finds the cluster: $" + Bootstrap.ENV + ", else the cluster this machine last saw, else "
                    + Bootstrap.DEFAULT + "."})
    String node;

    @Option(names = "--clients", defaultValue = "50", description = "Concurrent connections. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--ops", defaultValue = "100000", description = "Total operations. Default: ${DEFAULT-VALUE}.")
    long ops;

    @Option(names = "--value-size", defaultValue = "100", description = "Value bytes. Default: ${DEFAULT-VALUE}.")
    int valueSize;

    @Option(names = "--read-ratio", defaultValue = "0.5", description = "Share of GETs, 0..1. Default: ${DEFAULT-VALUE}.")
    double readRatio;

    @Option(names = "--pipeline", defaultValue = "1", description = "Commands in flight per client. Default: ${DEFAULT-VALUE}.")
    int pipeline;

    @Option(names = "--keys", defaultValue = "100000", description = "Key space size. Default: ${DEFAULT-VALUE}.")
    int keys;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--no-preload", description = "Do not write the key space before a run with reads.")
    boolean noPreload;

    @Option(names = "--timeout", defaultValue = "60", description = "Give up after this many seconds. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        validate();
        Logging.level("WARN");
        ServerAddress addr;
        try {
            addr = node != null ? ServerAddress.parse(node) : aServer();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--node: " + e.getMessage());
        } catch (EcsLink.Failure e) {
            System.err.println("ringkv bench: no server to load (give one with -b): " + e.getMessage());
            return 1;
        }
        byte[] value = new byte[valueSize];
        new SplittableRandom(seed).nextBytes(value);
        if (readRatio > 0 && !noPreload) {
            preload(addr, value);
        }
        List<Worker> workers = new ArrayList<>();
        AtomicLong remaining = new AtomicLong(ops);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        for (int i = 0; i < clients; i++) {
            workers.add(new Worker(RingKvClient.connect(addr, Duration.ofSeconds(10)), remaining, value,
                    new SplittableRandom(seed + 1000L * (i + 1)), deadline));
        }
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            Thread t = new Thread(w, "bench-" + threads.size());
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram all = new Histogram(3);
        long done = 0;
        long errors = 0;
        String firstError = null;
        for (Worker w : workers) {
            all.add(w.histogram);
            done += w.done;
            errors += w.errors;
            if (firstError == null) {
                firstError = w.firstError;
            }
            w.client.close();
        }
        System.out.printf(Locale.ROOT, "ringkv bench: %s, %d clients, pipeline %d, %d-byte values, read ratio %.2f, %d keys%n",
                addr, clients, pipeline, valueSize, readRatio, keys);
        System.out.printf(Locale.ROOT, "ops: %d in %.2f s = %.0f ops/s, errors: %d%n", done, seconds, done / seconds, errors);
        System.out.printf(Locale.ROOT, "latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                all.getValueAtPercentile(99.9) / 1000.0, all.getMaxValue() / 1000.0);
        if (firstError != null) {
            System.out.println("first error: " + firstError);
        }
        if (done < ops) {
            System.out.println("stopped early: the " + timeoutSeconds + " s timeout ran out");
        }
        return errors > 0 || done < ops ? 1 : 0;
    }

    private void validate() {
        if (clients < 1 || ops < 1 || valueSize < 0 || pipeline < 1 || keys < 1 || readRatio < 0 || readRatio > 1
                || timeoutSeconds < 1) {
            throw new ParameterException(spec.commandLine(),
                    "need --clients ≥ 1, --ops ≥ 1, --value-size ≥ 0, --pipeline ≥ 1, --keys ≥ 1, 0 ≤ --read-ratio ≤ 1, --timeout ≥ 1");
        }
    }

    /** A server of the cluster, UP and in the ring: the one holding the largest share (a bench of the ECS measures forwarding). */
    private static ServerAddress aServer() throws EcsLink.Failure {
        try (EcsLink link = EcsLink.askAny(Bootstrap.nodes(null), "STATUS", StatusCommand.TIMEOUT_MILLIS)) {
            if (!(link.firstReply() instanceof RespValue.Bulk b)) {
                throw new EcsLink.Failure(link.address() + " sent no status");
            }
            ClusterStatus status = ClusterStatus.fromJson(b.utf8());
            Bootstrap.remember(status);
            ClusterStatus.MemberStatus best = status.members().stream()
                    .filter(m -> m.inRing() && "UP".equals(m.state()))
                    .max(java.util.Comparator.comparingDouble(ClusterStatus.MemberStatus::ownership))
                    .orElseThrow(() -> new EcsLink.Failure("the ECS " + status.ecs() + " has no server UP in its ring"));
            ServerAddress a = ServerAddress.parse(best.address());
            System.out.println("ringkv bench: loading the server " + a + " (ECS " + status.ecs() + "; -b picks another node)");
            return a;
        } catch (IllegalArgumentException e) {
            throw new EcsLink.Failure("the status could not be read: " + e.getMessage());
        }
    }

    private void preload(ServerAddress addr, byte[] value) {
        boolean tty = System.console() != null;
        long start = System.nanoTime();
        long lastSaid = start;
        System.out.printf(Locale.ROOT, "preloading %,d keys of %d bytes (--no-preload skips it)%n", keys, value.length);
        try (RingKvClient c = RingKvClient.connect(addr, Duration.ofSeconds(30))) {
            List<byte[][]> batch = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                batch.add(new byte[][] {SET, key(k), value});
                if (batch.size() == 500 || k == keys - 1) {
                    for (CompletableFuture<RespValue> f : c.pipeline(batch)) {
                        RingKvClient.check(c.await(f));
                    }
                    batch.clear();
                    long now = System.nanoTime();
                    if (now - lastSaid >= (tty ? 250_000_000L : 5_000_000_000L)) {
                        lastSaid = now;
                        System.out.printf(Locale.ROOT, "%spreloaded %,d of %,d keys (%.0f%%, %,.0f keys/s)%s", tty ? "\r" : "",
                                k + 1, keys, 100.0 * (k + 1) / keys, (k + 1) / ((now - start) / 1e9), tty ? "" : "\n");
                        System.out.flush();
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%spreloaded %,d keys in %.1f s%s%n", tty ? "\r" : "", keys, seconds,
                tty ? "                    " : "");
    }

    private static final byte[] SET = "SET".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);

    private static byte[] key(int k) {
        return String.format(Locale.ROOT, "key:%012d", k).getBytes(StandardCharsets.US_ASCII);
    }

    private final class Worker implements Runnable {
        final RingKvClient client;
        final AtomicLong remaining;
        final byte[] value;
        final SplittableRandom random;
        final long deadline;
        final Histogram histogram = new Histogram(3_600_000_000L, 3);
        long done;
        long errors;
        String firstError;

        Worker(RingKvClient client, AtomicLong remaining, byte[] value, SplittableRandom random, long deadline) {
            this.client = client;
            this.remaining = remaining;
            this.value = value;
            this.random = random;
            this.deadline = deadline;
        }

        @Override
        public void run() {
            List<byte[][]> batch = new ArrayList<>(pipeline);
            while (System.nanoTime() < deadline) {
                long left = remaining.getAndAdd(-pipeline);
                if (left <= 0) {
                    return;
                }
                int n = (int) Math.min(pipeline, left);
                batch.clear();
                for (int i = 0; i < n; i++) {
                    byte[] k = key(random.nextInt(keys));
                    batch.add(random.nextDouble() < readRatio ? new byte[][] {GET, k} : new byte[][] {SET, k, value});
                }
                long t0 = System.nanoTime();
                List<CompletableFuture<RespValue>> fs = client.pipeline(batch);
                for (CompletableFuture<RespValue> f : fs) {
                    try {
                        RespValue v = client.await(f);
                        histogram.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                        if (v instanceof RespValue.Error e) {
                            errors++;
                            firstError = firstError == null ? e.text() : firstError;
                        }
                    } catch (RuntimeException e) {
                        errors++;
                        firstError = firstError == null ? e.getMessage() : firstError;
                    }
                    done++;
                }
                if (!client.isOpen()) {
                    return;
                }
            }
        }
    }
}
