package dev.ringkv.node;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.Key;
import dev.ringkv.storage.Version;
import dev.ringkv.wire.AsciiNames;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of replication (DESIGN §6): every write goes to the key's replicas in parallel
 * ({@code REPL}), and its {@link Ack} completes only when every replica of the current ring has it durably.
 *
 * <ul>
 *   <li>A replica answers {@code REPL_ACK} once the copy is durable, and only if it is on the same ring
 *       version: a replica on a newer ring answers {@code REPL_NACK} (the write waits for that ring here),
 *       one on an older ring stays silent until it has caught up. So a copy is never acknowledged by a
 *       server that might still drop it as "not mine" under an older ring.</li>
 *   <li>Unanswered copies go again every {@link #RESEND_MILLIS}; a replica silent for
 *       {@link #REPORT_MILLIS} is reported to the ECS ({@code UNANSWERED}), which probes it.</li>
 *   <li>When a new ring arrives, a write whose key this node still coordinates completes under it: the
 *       replicas it lost no longer count, the ones it gained are sent the copy. A write whose key moved
 *       away, or still incomplete after {@link #TIMEOUT_MILLIS}, fails with {@code -TRYAGAIN}: it is
 *       never acknowledged with fewer copies than the ring asks for.</li>
 *   <li>Reads of a key with a write in flight wait for that write ({@link #whenSettled}), so a client
 *       never reads a value that a crash of this coordinator could still take back.</li>
 *   <li>A write that fails — its client hears {@code -TRYAGAIN} — is not forgotten: it is applied here and
 *       may be on some replicas, so it stays in flight, its copies still sent, and reads of its key go on
 *       waiting until every holder has it (or the key moves to another coordinator). Forgetting it let a
 *       read here return a value its replicas did not have, which a crash of this node then took back
 *       (issue 17, item 5). A later write to the key is stamped newer, so it never waits.</li>
 * </ul>
 *
 * <p>Node thread only.
 */
final class Replication {

    private static final Logger LOG = LoggerFactory.getLogger(Replication.class);
    static final long RESEND_MILLIS = 200;
    static final long REPORT_MILLIS = 500;
    static final long TIMEOUT_MILLIS = 5_000;

    private final NodeContext ctx;
    /** Where to report silent replicas: the current ECS (null for a standalone node). */
    private final java.util.function.Supplier<ServerAddress> ecs;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    /** The newest write in flight per key. */
    private final Map<Key, Pending> latestByKey = new HashMap<>();
    private final Map<ServerAddress, Long> reportedAt = new HashMap<>();
    private long nextId;
    private boolean ticking;
    private long acknowledged;
    private long failed;

    private static final class Pending {
        final long id;
        final byte[] key;
        final Key keyBytes;
        final Position position;
        final byte[] value;
        final Version version;
        final Ack ack;
        final long startedAt;
        /** Replicas yet to confirm, and those that did: a handful each, so lists (never holding duplicates). */
        final List<ServerAddress> awaiting = new ArrayList<>(2);
        final List<ServerAddress> acked = new ArrayList<>(2);
        final List<Runnable> waiters = new ArrayList<>(0);
        long ringVersion;
        /** Its client was answered an error: it goes on only to put its copies everywhere (see class notes). */
        boolean answered;
        /** The client's identity of the write (0: none), sent with its copies (see {@code WriteIds}). */
        long writeId;
        /** Not sent yet: this node's own copy is not durable yet (see {@link #release}). */
        boolean held;
        byte[][] message;

        Pending(long id, byte[] key, Position position, byte[] value, Version version, Ack ack, long now) {
            this.id = id;
            this.key = key;
            this.keyBytes = new Key(key);
            this.position = position;
            this.value = value;
            this.version = version;
            this.ack = ack;
            this.startedAt = now;
        }
    }

    Replication(NodeContext ctx, java.util.function.Supplier<ServerAddress> ecs) {
        this.ctx = ctx;
        this.ecs = ecs;
        // ids never repeat across restarts, so a late answer meant for a previous run matches nothing
        this.nextId = (ctx.random().nextLong() & 0x3fffffffffffffffL) >>> 8;
    }

    /** Copies in flight. */
    int inFlight() {
        return pending.size();
    }

    long acknowledged() {
        return acknowledged;
    }

    long failed() {
        return failed;
    }

    /**
     * Sends the write to {@code replicas} (this node excluded) under {@code ring}; {@code ack} gets one
     * more copy to wait for, done when all of them have it. With {@code hold}, nothing goes out until
     * {@link #release} (this node's own copy is durable) or {@link #drop} (it could not be stored): a
     * write the coordinator's disk refused, answered as not applied, must not reach its replicas either.
     * Returns the write's id (0 if there is no replica to send it to).
     */
    long replicate(byte[] key, Position p, byte[] value, Version v, List<ServerAddress> replicas, Ring ring, Ack ack,
                   long writeId, boolean hold) {
        if (replicas.isEmpty()) {
            return 0;
        }
        Pending w = new Pending(++nextId, key, p, value, v, ack, ctx.now());
        w.writeId = writeId;
        ack.expect();
        for (ServerAddress r : replicas) {
            if (!w.awaiting.contains(r)) {
                w.awaiting.add(r);
            }
        }
        w.ringVersion = ring.version();
        w.message = message(w);
        pending.put(w.id, w);
        Pending older = latestByKey.put(w.keyBytes, w);
        if (older != null && older.answered) {
            // a failed write kept only to put its copies everywhere: this newer one supersedes it on every
            // holder it reaches, so one such write per key is kept, however long a partition lasts
            pending.remove(older.id);
            older.waiters.forEach(Runnable::run); // reads waiting on it run again, and wait for this one
        }
        w.held = hold;
        if (!hold) {
            for (ServerAddress r : replicas) {
                ctx.send(r, w.message);
            }
        }
        tick();
        return w.id;
    }

    /** This node's copies of these writes are durable: their copies go out now (see {@link #replicate}). */
    void release(long[] ids) {
        for (long id : ids) {
            Pending w = pending.get(id);
            if (w != null && w.held) {
                w.held = false;
                for (ServerAddress r : w.awaiting) {
                    ctx.send(r, w.message);
                }
            }
        }
    }

    /**
     * This node could not store these writes (a full disk): they were rolled back here and their client
     * is told they were not applied, so their copies are never sent; reads waiting on them run again.
     */
    void drop(long[] ids) {
        for (long id : ids) {
            Pending w = pending.get(id);
            if (w != null && w.held) {
                pending.remove(id);
                if (latestByKey.get(w.keyBytes) == w) {
                    latestByKey.remove(w.keyBytes);
                }
                w.waiters.forEach(Runnable::run);
            }
        }
    }

    private static byte[][] message(Pending w) {
        return Msg.of(Msg.REPL, w.id, w.ringVersion, w.key, w.value == null ? Msg.TOMBSTONE : Msg.VALUE,
                w.value == null ? new byte[0] : w.value, w.version.term(), w.version.ring(), w.version.seq(),
                w.writeId == 0 ? WriteIds.NONE : AsciiNames.digits(w.writeId));
    }

    /**
     * Runs {@code then} once the newest write in flight for {@code key} has finished (either way); returns
     * false, doing nothing, if none is in flight.
     */
    boolean whenSettled(byte[] key, Runnable then) {
        Pending w = latestByKey.get(new Key(key));
        if (w == null) {
            return false;
        }
        w.waiters.add(then);
        return true;
    }

    void onAck(ServerAddress from, long id) {
        Pending w = pending.get(id);
        if (w != null && w.awaiting.remove(from)) {
            if (!w.acked.contains(from)) {
                w.acked.add(from);
            }
            if (w.awaiting.isEmpty()) {
                finish(w, null);
            }
        }
    }

    /**
     * A new ring: writes whose key this node still coordinates complete under it (lost replicas no longer
     * count; new ones are sent the copy), the others fail.
     */
    void onRing(Ring ring, int rf) {
        for (Pending w : new ArrayList<>(pending.values())) {
            if (!ring.contains(ctx.self()) || !ring.coordinatorOf(w.position).equals(ctx.self())) {
                // the client hears "unknown", but the copy still goes to the key's new holders, so they do
                // not disagree about a value the new coordinator may already have (it was forwarded there)
                answerFailed(w, RespValue.error("TRYAGAIN the key moved to another server while the write was being "
                        + "replicated"));
            }
            List<ServerAddress> now = ring.isEmpty() ? List.of() : replicasOf(ring, w.position, rf);
            w.awaiting.clear();
            for (ServerAddress r : now) {
                if (!w.acked.contains(r) && !w.awaiting.contains(r)) {
                    w.awaiting.add(r);
                }
            }
            w.ringVersion = ring.version();
            w.message = message(w);
            if (w.awaiting.isEmpty()) {
                finish(w, null);
            } else if (!w.held) {
                for (ServerAddress r : w.awaiting) {
                    ctx.send(r, w.message); // acknowledgements under the old ring do not count for new replicas
                }
            }
        }
    }

    /** The replicas of {@code p} other than this node. */
    List<ServerAddress> replicasOf(Ring ring, Position p, int rf) {
        List<ServerAddress> all = ring.replicasOf(p, rf);
        List<ServerAddress> others = new ArrayList<>(all.size());
        for (ServerAddress a : all) {
            if (!a.equals(ctx.self())) {
                others.add(a);
            }
        }
        return others;
    }

    /**
     * Answers every write in flight {@code -TRYAGAIN} (the node lost its lease or is leaving the ring); their
     * copies keep going, and their keys stay in doubt here until every holder has them (see class notes).
     */
    void failAll(String why) {
        for (Pending w : new ArrayList<>(pending.values())) {
            answerFailed(w, RespValue.error("TRYAGAIN " + why));
        }
    }

    /** The client hears the error now; the write stays in flight (once per write). */
    private void answerFailed(Pending w, RespValue error) {
        if (!w.answered) {
            w.answered = true;
            failed++;
            w.ack.fail(error);
        }
    }

    /** Writes whose client was answered an error and whose copies are still not on every holder. */
    int inDoubt() {
        int n = 0;
        for (Pending w : pending.values()) {
            if (w.answered) {
                n++;
            }
        }
        return n;
    }

    private void finish(Pending w, RespValue error) {
        if (pending.remove(w.id) == null) {
            return;
        }
        if (latestByKey.get(w.keyBytes) == w) {
            latestByKey.remove(w.keyBytes);
        }
        if (error == null) {
            if (!w.answered) {
                acknowledged++;
            }
            w.ack.done(); // no-op if the client was already answered an error
        } else {
            answerFailed(w, error);
        }
        for (Runnable r : w.waiters) {
            r.run();
        }
    }

    /** Resends unanswered copies, reports silent replicas, times out writes; runs while any is in flight. */
    private void tick() {
        if (ticking) {
            return;
        }
        ticking = true;
        ctx.schedule(RESEND_MILLIS, () -> {
            ticking = false;
            long now = ctx.now();
            ServerAddress reportTo = ecs.get();
            for (Pending w : new ArrayList<>(pending.values())) {
                long age = now - w.startedAt;
                if (age >= TIMEOUT_MILLIS && !w.answered) {
                    LOG.warn("{} write of version {} still lacks copies on {} after {} ms; answering TRYAGAIN and "
                            + "holding its key until they have it", ctx.self(), w.version, w.awaiting, age);
                    answerFailed(w, RespValue.error("TRYAGAIN replicas " + w.awaiting + " did not confirm the write"));
                }
                if (age < RESEND_MILLIS || w.held) {
                    continue;
                }
                for (ServerAddress r : w.awaiting) {
                    ctx.send(r, w.message);
                    if (age >= REPORT_MILLIS && reportTo != null) {
                        Long last = reportedAt.get(r);
                        if (last == null || now - last >= 1_000) {
                            reportedAt.put(r, now);
                            LOG.warn("{} replica {} has not confirmed a write for {} ms; telling the ECS", ctx.self(), r, age);
                            ctx.send(reportTo, Msg.of(Msg.UNANSWERED, ctx.self(), r));
                        }
                    }
                }
            }
            if (!pending.isEmpty()) {
                tick();
            }
        });
    }
}
