package dev.ringkv.node;

import dev.ringkv.ring.Range;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.StoredEntry;
import dev.ringkv.storage.Store;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of one range transfer (DESIGN §7): streams the range to its new holder in chunks
 * while the node keeps serving, with a window of unacknowledged chunks so a slow target cannot make the
 * source queue without bound. The target acknowledges each chunk once it is durable; after the last one
 * the listener hears it is done (for a plan's transfer: the source tells the ECS). Writes to the range
 * meanwhile are forwarded by the node (see {@link KvNode}); a transfer that stalls fails. Node thread only.
 */
final class TransferOut {

    private static final Logger LOG = LoggerFactory.getLogger(TransferOut.class);
    static final long STALL_MILLIS = 10_000;
    static final long RESEND_MILLIS = 1_000;
    static final long CHUNK_BYTES = 1 << 20;

    final long planId;
    final int xfer;
    final Range range;
    final ServerAddress target;
    /** The ring version the transfer was planned under: a target on an older ring does not acknowledge. */
    final long base;
    /** True for a plan's transfer: writes to the range go to the target too until the new ring. */
    final boolean forwarding;
    private final Listener listener;
    private final java.util.function.Predicate<StoredEntry> skip;
    /** The clients' ids of writes, sent with each key's copy (see {@link WriteIds}). */
    private final WriteIds writeIds;
    private final NodeContext ctx;
    private final Store store;
    private final int chunkEntries;
    private final int window;
    private StoredEntry cursor;
    private int nextChunk;
    /**
     * This attempt's chunks go out numbered {@code chunkBase + index}, from a fresh random base: the ECS
     * sends a failed transfer again under the same plan and index, and an acknowledgement of an earlier
     * attempt's chunk (late on a slow link) must never count for this one (issue 17, item 11).
     */
    private final long chunkBase;
    private int unacked;
    private boolean endSent;
    private boolean finished;
    private long entriesSent;
    private long lastAckAt;
    private Cancellable stallCheck;
    private final java.util.Set<Integer> acked = new java.util.HashSet<>();
    /** Sent and not yet acknowledged, by chunk number, to send again if the answer does not come. */
    private final java.util.Map<Integer, byte[][]> inFlight = new java.util.TreeMap<>();
    /** When each unacknowledged chunk or forwarded write was last sent. */
    private final java.util.Map<Object, Long> sentAt = new java.util.HashMap<>();
    /** Writes to the range forwarded to the target and not yet acknowledged, by forward id. */
    private final java.util.TreeMap<Long, byte[][]> forwards = new java.util.TreeMap<>();
    private long lastForwardId = Long.MIN_VALUE;
    /** Once every chunk is acknowledged: the forwards that must be acknowledged too before we are done. */
    private long forwardCutoff = Long.MIN_VALUE;
    private boolean chunksDone;
    private boolean aborted;

    /** What the owner of a transfer hears. */
    interface Listener {
        void progress(long entriesSent);

        void done(TransferOut t);

        void failed(String why);
    }

    TransferOut(NodeContext ctx, Listener listener, long planId, int xfer, Range range, ServerAddress target,
                long base, boolean forwarding, int chunkEntries, int window,
                java.util.function.Predicate<StoredEntry> skip, WriteIds writeIds) {
        this.base = base;
        this.writeIds = writeIds;
        this.forwarding = forwarding;
        this.ctx = ctx;
        this.listener = listener;
        this.skip = skip;
        this.chunkEntries = chunkEntries;
        this.window = window;
        this.store = ctx.storage();
        this.planId = planId;
        this.xfer = xfer;
        this.range = range;
        this.target = target;
        this.lastAckAt = ctx.now();
        this.chunkBase = (ctx.random().nextLong() & 0x3fffffffffffffffL) >>> 1;
    }

    String key() {
        return key(planId, xfer);
    }

    static String key(long planId, int xfer) {
        return planId + ":" + xfer;
    }

    boolean isFinished() {
        return finished;
    }

    void start() {
        LOG.info("{} plan {} transfer {}: streaming {} to {}", ctx.self(), planId, xfer, range, target);
        pump();
        watchForStall();
        resendLater();
    }

    /** Entries sent so far. */
    long entriesSent() {
        return entriesSent;
    }

    /** Sends chunks while the window has room. */
    private void pump() {
        while (!endSent && unacked < window && !finished) {
            List<StoredEntry> scanned = store.scan(range, cursor, chunkEntries, true);
            List<StoredEntry> batch = new ArrayList<>(scanned.size());
            long bytes = 0;
            boolean cut = false;
            for (StoredEntry e : scanned) {
                if (bytes >= CHUNK_BYTES) {
                    cut = true; // large values: a chunk stays around a megabyte, whatever the entry count
                    break;
                }
                cursor = e;
                if (!skip.test(e)) {
                    batch.add(e);
                    bytes += e.key().length + (e.value() == null ? 0 : e.value().length);
                }
            }
            if (!batch.isEmpty()) {
                List<Object> parts = new ArrayList<>(5 + batch.size() * Msg.ENTRY_FIELDS);
                parts.add(Msg.XFER_DATA);
                parts.add(planId);
                parts.add(xfer);
                parts.add(chunkBase + nextChunk++);
                parts.add(base);
                for (StoredEntry e : batch) {
                    parts.add(e.key());
                    parts.add(e.isTombstone() ? Msg.TOMBSTONE : Msg.VALUE);
                    parts.add(e.isTombstone() ? new byte[0] : e.value());
                    parts.add(e.version().term());
                    parts.add(e.version().ring());
                    parts.add(e.version().seq());
                    parts.add(writeIds.of(e.key(), e.version()));
                }
                byte[][] chunkMsg = Msg.of(parts.toArray());
                inFlight.put(nextChunk - 1, chunkMsg);
                sentAt.put(nextChunk - 1, ctx.now());
                ctx.send(target, chunkMsg);
                unacked++;
                entriesSent += batch.size();
            }
            if (!cut && scanned.size() < chunkEntries) {
                int endChunk = nextChunk++;
                byte[][] endMsg = Msg.of(Msg.XFER_END, planId, xfer, chunkBase + endChunk, entriesSent);
                inFlight.put(endChunk, endMsg);
                sentAt.put(endChunk, ctx.now());
                ctx.send(target, endMsg);
                unacked++;
                endSent = true;
            }
        }
    }

    /** The target made chunk {@code wireChunk} durable (a number as sent: see {@link #chunkBase}). */
    void onAck(long wireChunk) {
        long index = wireChunk - chunkBase;
        if (index < 0 || index >= nextChunk) {
            LOG.debug("{} plan {} transfer {}: ignoring an acknowledgement of chunk {}, not of this attempt", ctx.self(),
                    planId, xfer, wireChunk);
            return;
        }
        int chunk = (int) index;
        if (finished || !acked.add(chunk)) {
            return; // a duplicate acknowledgement
        }
        inFlight.remove(chunk);
        sentAt.remove(chunk);
        unacked--;
        lastAckAt = ctx.now();
        if (finishIfComplete()) {
            return;
        }
        if (chunk % window == 0) {
            listener.progress(entriesSent);
        }
        // give client commands a turn between chunks
        ctx.schedule(0, this::pump);
    }

    /** Sends a write to the range on to the target; it counts towards the transfer until acknowledged. */
    void forward(long id, byte[][] message) {
        lastForwardId = Math.max(lastForwardId, id);
        forwards.put(id, message);
        sentAt.put(id, ctx.now());
        ctx.send(target, message);
    }

    void forwardAcked(long id) {
        sentAt.remove(id);
        if (forwards.remove(id) != null && !finished) {
            lastAckAt = ctx.now();
            finishIfComplete();
        }
    }

    /**
     * Done only when every chunk, not just the last, and every write forwarded until then is durable on the
     * target: a lost one is resent, and a transfer that still misses one cannot report done. Writes
     * forwarded later keep going to the target (their clients wait for its answer), so a steady stream of
     * writes cannot keep a transfer from finishing.
     */
    private boolean finishIfComplete() {
        if (!chunksDone && endSent && acked.size() == nextChunk) {
            chunksDone = true;
            forwardCutoff = lastForwardId;
        }
        if (chunksDone && (forwards.isEmpty() || forwards.firstKey() > forwardCutoff)) {
            finished = true;
            stallCheck.cancel();
            LOG.info("{} plan {} transfer {}: {} entries now held by {}", ctx.self(), planId, xfer, entriesSent, target);
            listener.done(this);
            return true;
        }
        return false;
    }

    /**
     * A chunk or its acknowledgement may be lost (a broken connection loses what was in flight): after
     * {@link #RESEND_MILLIS} without an acknowledgement, the unacknowledged chunks go again. The target
     * applies by version and acknowledges again, so a resent chunk is harmless.
     */
    private void resendLater() {
        ctx.schedule(RESEND_MILLIS, () -> {
            if (aborted || (finished && forwards.isEmpty())) {
                return; // (after done, writes forwarded since still go until the new ring aborts us)
            }
            // each message on its own clock: acknowledgements of others must not hide one that was lost
            long now = ctx.now();
            int resent = 0;
            for (java.util.Map.Entry<Integer, byte[][]> e : inFlight.entrySet()) {
                resent += resendIfDue(e.getKey(), e.getValue(), now);
            }
            for (java.util.Map.Entry<Long, byte[][]> e : forwards.entrySet()) {
                resent += resendIfDue(e.getKey(), e.getValue(), now);
            }
            if (resent > 0) {
                LOG.debug("{} plan {} transfer {}: resent {} chunks or writes to {}", ctx.self(), planId, xfer, resent,
                        target);
            }
            resendLater();
        });
    }

    private int resendIfDue(Object id, byte[][] message, long now) {
        Long at = sentAt.get(id);
        if (at != null && now - at < RESEND_MILLIS) {
            return 0;
        }
        sentAt.put(id, now);
        ctx.send(target, message);
        return 1;
    }

    private void watchForStall() {
        stallCheck = ctx.schedule(STALL_MILLIS, () -> {
            if (finished) {
                return;
            }
            if (ctx.now() - lastAckAt >= STALL_MILLIS) {
                finished = true;
                aborted = true;
                LOG.warn("{} plan {} transfer {} to {} stalled: no acknowledgement for {} ms", ctx.self(), planId, xfer,
                        target, ctx.now() - lastAckAt);
                listener.failed("stalled: " + target + " stopped acknowledging");
            } else {
                watchForStall();
            }
        });
    }

    void abort() {
        finished = true;
        aborted = true;
        if (stallCheck != null) {
            stallCheck.cancel();
        }
    }
}
