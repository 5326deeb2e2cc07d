package dev.ringkv.launcher.bench;

import dev.ringkv.client.RingKvCluster;
import dev.ringkv.ring.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client threads writing unique keys through the routing client (which retries TRYAGAIN, WRITE_LOCK,
 * NOT_RESPONSIBLE and lost connections) until stopped, each with its own connections. Records every
 * acknowledged write, every error that reached the caller (with when), and the slowest call. For the
 * replication test and benchmark: bounded by {@code maxPerThread} writes and by {@link #stop()}.
 */
public final class Writers {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Acknowledged writes: key → value. */
    public final Map<String, String> acked = new ConcurrentHashMap<>();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong firstErrorAt = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastErrorAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong slowestNanos = new AtomicLong();
    private final AtomicLong slowestAt = new AtomicLong();
    private volatile String lastError = "";

    /** Starts {@code count} threads writing {@code prefix<thread>-<n>} keys with {@code valueBytes}-byte values. */
    public Writers(int count, String prefix, int valueBytes, int maxPerThread, ServerAddress... seeds) {
        for (int t = 0; t < count; t++) {
            int id = t;
            Thread th = new Thread(() -> run(id, prefix, valueBytes, maxPerThread, seeds), "writer-" + t);
            th.setDaemon(true);
            threads.add(th);
        }
    }

    public Writers start() {
        threads.forEach(Thread::start);
        return this;
    }

    private void run(int id, String prefix, int valueBytes, int maxPerThread, ServerAddress[] seeds) {
        byte[] pad = new byte[Math.max(0, valueBytes - 24)];
        Arrays.fill(pad, (byte) 'x');
        String padding = new String(pad, StandardCharsets.US_ASCII);
        try (RingKvCluster c = RingKvCluster.connect(seeds)) {
            for (int n = 0; n < maxPerThread && !stop.get(); n++) {
                String key = prefix + id + "-" + n;
                String value = n + "-" + padding;
                long t0 = System.nanoTime();
                try {
                    c.set(key, value);
                    acked.put(key, value);
                } catch (RuntimeException e) {
                    errors.incrementAndGet();
                    long now = System.nanoTime();
                    firstErrorAt.accumulateAndGet(now, Math::min);
                    lastErrorAt.accumulateAndGet(now, Math::max);
                    lastError = e.toString();
                }
                long took = System.nanoTime() - t0;
                if (took > slowestNanos.get()) {
                    slowestNanos.set(took);
                    slowestAt.set(t0);
                }
            }
        } catch (RuntimeException e) {
            errors.incrementAndGet();
            lastError = e.toString();
        }
    }

    public void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
    }

    public long errors() {
        return errors.get();
    }

    public String lastError() {
        return lastError;
    }

    /** Milliseconds from the first to the last error the callers saw (0 with one error, -1 with none). */
    public double errorWindowMillis() {
        return errors.get() == 0 ? -1 : (lastErrorAt.get() - firstErrorAt.get()) / 1e6;
    }

    public double slowestMillis() {
        return slowestNanos.get() / 1e6;
    }

    /** When the slowest call started (System.nanoTime). */
    public long slowestAtNanos() {
        return slowestAt.get();
    }

    /** Reads every acknowledged key back through a fresh client: the ones missing or with another value. */
    public static long lost(Map<String, String> acked, ServerAddress... seeds) {
        long lost = 0;
        try (RingKvCluster c = RingKvCluster.connect(seeds)) {
            List<String> keys = new ArrayList<>(acked.keySet());
            for (int i = 0; i < keys.size(); i += 500) {
                List<String> batch = keys.subList(i, Math.min(keys.size(), i + 500));
                List<String> got = c.mget(batch.toArray(new String[0]));
                for (int j = 0; j < batch.size(); j++) {
                    if (!acked.get(batch.get(j)).equals(got.get(j))) {
                        lost++;
                    }
                }
            }
        }
        return lost;
    }
}
