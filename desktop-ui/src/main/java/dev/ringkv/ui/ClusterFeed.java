package dev.ringkv.ui;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvException;
import dev.ringkv.launcher.ClusterWatch;
import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the view-model from the cluster's public monitor API (DESIGN §10), on background threads only:
 * the ECS's {@code RINGKV WATCH} stream (status and events, following the ECS role when it moves) and,
 * each second, a sample of the stored keys' positions for the dots on the ring: the first few keys of
 * each of many slices of each server's range ({@code RINGKV ENTRIES}), so the dots spread like the keys.
 */
final class ClusterFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterFeed.class);
    /** The ring is sampled in this many slices per server, each giving at most {@link #PER_SLICE} keys. */
    static final int SLICES = 128;
    static final int PER_SLICE = 4;
    private static final BigInteger RING_SIZE = BigInteger.ONE.shiftLeft(128);

    private final MonitorViewModel model;
    private final Set<ServerAddress> known = new LinkedHashSet<>();
    private final Thread watcher;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ringkv-monitor-sampler");
        t.setDaemon(true);
        return t;
    });
    private final Connections connections = new Connections();
    private volatile ClusterStatus latest;
    private volatile ClusterWatch watch;
    private volatile boolean closed;

    ClusterFeed(List<ServerAddress> bootstrap, MonitorViewModel model) {
        this.model = model;
        this.known.addAll(bootstrap);
        this.watcher = new Thread(this::watchLoop, "ringkv-monitor-watch");
        watcher.setDaemon(true);
    }

    void start() {
        watcher.start();
        sampler.scheduleWithFixedDelay(this::sampleKeys, 300, 1000, TimeUnit.MILLISECONDS);
    }

    /** The newest status the ECS pushed, or null. Any thread. */
    ClusterStatus latest() {
        return latest;
    }

    /** Every node heard of: the bootstrap and every member of a pushed status. Any thread. */
    List<ServerAddress> known() {
        synchronized (known) {
            return new ArrayList<>(known);
        }
    }

    private void watchLoop() {
        while (!closed) {
            List<ServerAddress> ask;
            synchronized (known) {
                ask = new ArrayList<>(known);
            }
            ClusterWatch w = new ClusterWatch(ask, 2_000, new ClusterWatch.Listener() {
                @Override
                public void connected(ServerAddress ecs) {
                    model.offerConnection("watching the ECS " + ecs);
                }

                @Override
                public void status(ClusterStatus s) {
                    latest = s;
                    synchronized (known) {
                        s.members().forEach(m -> known.add(ServerAddress.parse(m.address())));
                    }
                    model.offerStatus(s);
                }

                @Override
                public void event(ClusterEvent e) {
                    model.offerEvent(e);
                }

                @Override
                public void lost(ServerAddress ecs, String why) {
                    model.offerConnection("lost the ECS " + ecs + " (" + why + "); looking for the ECS…");
                }
            });
            watch = w;
            try {
                w.connect();
                w.follow(null);
            } catch (ClusterWatch.Failure e) {
                if (!closed) {
                    model.offerConnection("no ECS answers: " + e.getMessage() + " (retrying)");
                    LOG.debug("watch failed: {}", e.getMessage());
                    sleep(1_000);
                }
            } finally {
                w.close();
            }
        }
    }

    private void sampleKeys() {
        try {
            ClusterStatus s = latest;
            if (s == null) {
                return;
            }
            Ring ring = MonitorViewModel.ringOf(s);
            List<KeyDot> dots = new ArrayList<>();
            for (MemberStatus m : s.members()) {
                if (!m.inRing() || m.state().equals("DOWN")) {
                    continue;
                }
                ServerAddress a = ServerAddress.parse(m.address());
                try {
                    dots.addAll(sample(a, ring.rangeOf(a)));
                } catch (RingKvException e) {
                    LOG.debug("cannot sample {}: {}", a, e.getMessage());
                }
            }
            model.offerKeys(dots);
        } catch (RuntimeException e) {
            // one catch-all per task: a periodic task that throws is never run again
            LOG.warn("key sampling failed: {}", e.toString());
        }
    }

    /** Up to {@link #SLICES} × {@link #PER_SLICE} key positions spread over {@code range}, in one pipelined round trip. */
    private List<KeyDot> sample(ServerAddress node, Range range) {
        List<byte[][]> commands = new ArrayList<>(SLICES);
        for (Range slice : slices(range, SLICES)) {
            commands.add(RingKvClient.command("RINGKV", "ENTRIES", slice.from().hex(), slice.to().hex(), "-", String.valueOf(PER_SLICE)));
        }
        List<KeyDot> out = new ArrayList<>();
        for (CompletableFuture<RespValue> f : connections.call(node, c -> c.pipeline(commands))) {
            RespValue reply = connections.call(node, c -> c.await(f));
            for (RespValue item : entries(reply)) {
                out.add(KeyDot.at(Position.fromHex(((RespValue.Bulk) ((RespValue.Array) item).items().get(0)).utf8())));
            }
        }
        return out;
    }

    /** The entries of a {@code RINGKV ENTRIES} reply: {@code [cursor, [[position, key, value, version]...]]}. */
    static List<RespValue> entries(RespValue reply) {
        if (reply instanceof RespValue.Error e) {
            throw dev.ringkv.client.ServerErrorException.of(e.text());
        }
        if (!(reply instanceof RespValue.Array a) || a.items().size() != 2
                || !(a.items().get(1) instanceof RespValue.Array list)) {
            throw new RingKvException("not a RINGKV ENTRIES reply: " + reply);
        }
        return list.items();
    }

    /** {@code range} cut into {@code n} adjoining slices of equal length (the full ring: from its start). */
    static List<Range> slices(Range range, int n) {
        BigInteger from = range.from().toBigInteger();
        BigInteger length = range.isFull() ? RING_SIZE : range.to().toBigInteger().subtract(from).mod(RING_SIZE);
        List<Range> out = new ArrayList<>(n);
        Position start = range.from();
        for (int i = 1; i <= n; i++) {
            Position end = i == n ? range.to()
                    : Position.of(from.add(length.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n))).mod(RING_SIZE));
            out.add(new Range(start, end));
            start = end;
        }
        return out;
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        ClusterWatch w = watch;
        if (w != null) {
            w.close();
        }
        watcher.interrupt();
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close();
    }
}
