package dev.ringkv.storage;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FsyncPolicy#EVERYSEC} background thread: about once a second it forces the segment the store
 * last wrote to, if anything was written since. It only ever touches that channel — never the key
 * directory — so the store needs no locks. A power loss can lose up to about a second of writes.
 */
final class Syncer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Syncer.class);
    static final long PERIOD_MILLIS = 1_000;

    private final Path dir;
    private final ScheduledExecutorService executor;
    private volatile Segment target;
    private volatile boolean dirty;

    Syncer(Path dir) {
        this.dir = dir;
        this.executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "ringkv-fsync " + dir);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::syncOnce, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Called by the owner after a successful write to the segment. */
    void written(Segment segment) {
        target = segment;
        dirty = true;
    }

    private void syncOnce() {
        Segment segment = target;
        if (!dirty || segment == null) {
            return;
        }
        dirty = false;
        try {
            segment.force();
        } catch (ClosedChannelException e) {
            // sealed and closed meanwhile (rotation forces the old segment itself, compaction removed it)
        } catch (IOException | RuntimeException e) {
            log.warn("{} background fsync of {} failed: {}", dir, segment.name(), e.toString());
        }
    }

    /** Stops the thread without interrupting it: an interrupt would close the channel it is forcing. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("{} background fsync did not stop within 10 s", dir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
