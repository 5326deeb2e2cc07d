package dev.ringkv.ui;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a node over the public protocol (KEYRANGE, INFO) on a background thread and hands each
 * snapshot to a consumer (the coalescing bridge to the FX thread). Never touches JavaFX.
 */
final class ClusterPoller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterPoller.class);

    private final ServerAddress node;
    private final Consumer<ClusterSnapshot> sink;
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ringkv-monitor-poller");
        t.setDaemon(true);
        return t;
    });
    private RingKvClient client;
    private long version;

    ClusterPoller(ServerAddress node, Consumer<ClusterSnapshot> sink) {
        this.node = node;
        this.sink = sink;
    }

    void start(Duration every) {
        exec.scheduleWithFixedDelay(this::poll, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            if (client == null || !client.isOpen()) {
                client = RingKvClient.connect(node, Duration.ofSeconds(2));
            }
            String text = client.keyrange();
            String info = ((RespValue.Bulk) client.execute("INFO", "ring")).utf8();
            long v = field(info, "ring_version", ++version);
            Ring ring = Ring.parseKeyrange(text, v);
            Map<String, Long> keys = new HashMap<>();
            String ks = ((RespValue.Bulk) client.execute("INFO", "keyspace")).utf8();
            keys.put(node.toString(), parseKeys(ks));
            sink.accept(new ClusterSnapshot(ring, keys, node.toString(), null));
        } catch (RuntimeException e) {
            // any failure must not cancel the periodic task: report it and try again next time
            LOG.debug("poll of {} failed: {}", node, e.toString());
            if (client != null) {
                client.close();
                client = null;
            }
            sink.accept(new ClusterSnapshot(null, Map.of(), node.toString(), e.getMessage()));
        }
    }

    private static long field(String info, String name, long fallback) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        return fallback;
    }

    private static long parseKeys(String keyspace) {
        int i = keyspace.indexOf("keys=");
        if (i < 0) {
            return 0;
        }
        int end = keyspace.indexOf(',', i);
        return Long.parseLong(keyspace.substring(i + 5, end < 0 ? keyspace.length() : end).trim());
    }

    @Override
    public void close() {
        exec.shutdownNow();
        if (client != null) {
            client.close();
        }
    }
}
