package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.ProtocolException;
import dev.ringkv.wire.RespCodec;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a plain client's command to the node that coordinates its key and completes the client's reply
 * slot with the answer (DESIGN §5: any node serves any key).
 *
 * <p>A forward that gets no answer within {@link #TIMEOUT_MILLIS} is <em>cancelled</em>, not failed: a
 * {@code -TRYAGAIN} tells the client its write may or may not have happened, and DESIGN §1 promises it
 * will then never take effect after a later acknowledged write — but a forward held up on a slow link
 * would run whenever it arrives (issue 17, item 4). So the forwarder sends {@code FWD_CANCEL id} behind it
 * on the same link, again every {@link #CANCEL_RESEND_MILLIS}, and answers the client only once the
 * coordinator confirms ({@code FWD_CANCELLED id}: from then on it refuses that id, or it had already
 * stamped it) or the real reply comes. A refused or reset connection fails the forward at once, as
 * before: the connection it travelled on is gone, and it with it.
 *
 * <p>A coordinator cut off for good never confirms, so the forward is also settled once it is
 * <em>outlived</em>: every forward carries the ring version it was sent under, a coordinator never runs a
 * forwarded write sent under an older ring than its own (it needs a lease to run anything, see {@code
 * KvNode.route}), and the node's {@code outlived} test says when no lease under a ring that old can be
 * valid anywhere any more (a newer ring took over, and a lease's length has passed since). Node thread only.
 */
public final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    static final long TIMEOUT_MILLIS = 5_000;
    static final long CANCEL_RESEND_MILLIS = 1_000;
    /** A command may be passed on this many times while rings disagree, then it fails retryably. */
    public static final int MAX_HOPS = 3;

    private final NodeContext ctx;
    /** True for a ring version under which no node can hold a lease any more (see the class comment). */
    private final LongPredicate outlived;
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextId;

    private static final class Pending {
        final ServerAddress to;
        final Session.PendingReply slot;
        /** The ring version it was sent under: it cannot run under a newer one. */
        final long ringVersion;
        Cancellable timer;
        /** Asked to cancel: waiting for FWD_CANCELLED or the reply. */
        boolean cancelling;
        /** Runs once the forward is settled (replied, cancelled or failed): a cancel passed on to us. */
        List<Runnable> whenSettled;

        Pending(ServerAddress to, Session.PendingReply slot, long ringVersion) {
            this.to = to;
            this.slot = slot;
            this.ringVersion = ringVersion;
        }
    }

    public Forwarder(NodeContext ctx, LongPredicate outlived) {
        this.ctx = ctx;
        this.outlived = outlived;
        // ids never repeat across restarts: the coordinator drops a forward whose id it has already seen
        this.nextId = (ctx.random().nextLong() >>> 2) + 1;
    }

    /** Sends {@code FWD id hops ringVersion arg...}: {@code ringVersion} is the ring this node routed it by. */
    public void forward(ServerAddress to, byte[][] args, int hops, long ringVersion, Session.PendingReply slot) {
        long id = nextId++;
        Object[] parts = new Object[args.length + 4];
        parts[0] = Msg.FWD;
        parts[1] = id;
        parts[2] = hops;
        parts[3] = ringVersion;
        System.arraycopy(args, 0, parts, 4, args.length);
        Pending p = new Pending(to, slot, ringVersion);
        boolean read = args.length > 0 && KvNode.isRead(Commands.name(args));
        // a read takes no effect: with no reply in time it is simply failed (nothing to cancel — and a
        // coordinator that died would never confirm a cancel); a write is cancelled first (see cancel)
        p.timer = ctx.schedule(TIMEOUT_MILLIS, read
                ? () -> fail(id, "TRYAGAIN no reply from " + to + " within " + TIMEOUT_MILLIS + " ms")
                : () -> cancel(id));
        pending.put(id, p);
        ctx.send(to, Msg.of(parts));
    }

    /** Asks the coordinator to drop forward {@code id} (or confirm it already ran), until it answers. */
    private void cancel(long id) {
        Pending p = pending.get(id);
        if (p == null) {
            return;
        }
        if (outlived.test(p.ringVersion)) {
            // cut off for good, maybe: it cannot run there any more, confirmed or not
            fail(id, "TRYAGAIN no reply from " + p.to + " within " + TIMEOUT_MILLIS + " ms; a newer ring has taken over"
                    + " since, and the command will not run later");
            return;
        }
        if (!p.cancelling) {
            p.cancelling = true;
            LOG.debug("{} no reply from {} to forward {} within {} ms: cancelling it", ctx.self(), p.to, id, TIMEOUT_MILLIS);
        }
        ctx.send(p.to, Msg.of(Msg.FWD_CANCEL, id));
        p.timer = ctx.schedule(CANCEL_RESEND_MILLIS, () -> cancel(id));
    }

    /**
     * A cancel of the forward whose reply goes to {@code slot} was asked of us (we passed the command on):
     * cancel ours and run {@code confirmed} once it is settled; at once if no forward of ours answers there.
     */
    public void cancelFor(Session.PendingReply slot, Runnable confirmed) {
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            if (e.getValue().slot == slot) {
                Pending p = e.getValue();
                if (p.whenSettled == null) {
                    p.whenSettled = new ArrayList<>();
                }
                p.whenSettled.add(confirmed);
                if (!p.cancelling) {
                    p.timer.cancel();
                    cancel(e.getKey());
                }
                return;
            }
        }
        confirmed.run();
    }

    /** Handles FWD_REPLY and FWD_CANCELLED; returns false for any other message. */
    public boolean onMessage(byte[][] msg) {
        String name = Msg.name(msg);
        if (name.equals(Msg.FWD_CANCELLED)) {
            long id = Msg.num(msg, 1);
            Pending p = pending.get(id);
            if (p != null) {
                fail(id, "TRYAGAIN no reply from " + p.to + " within " + TIMEOUT_MILLIS
                        + " ms; the command was cancelled there and will not run later");
            }
            return true;
        }
        if (!name.equals(Msg.FWD_REPLY)) {
            return false;
        }
        Pending p = pending.remove(Msg.num(msg, 1));
        if (p == null) {
            return true; // late reply after a confirmed cancel: the client already got TRYAGAIN
        }
        p.timer.cancel();
        RespValue v;
        try {
            v = RespCodec.decode(msg[2]);
        } catch (ProtocolException e) {
            LOG.warn("{} bad forwarded reply from {}: {}", ctx.self(), p.to, e.getMessage());
            v = RespValue.error("ERR bad reply from " + p.to + ": " + e.getMessage());
        }
        p.slot.complete(v);
        settled(p);
        return true;
    }

    private static void settled(Pending p) {
        if (p.whenSettled != null) {
            p.whenSettled.forEach(Runnable::run);
        }
    }

    /**
     * The connection to the peer was refused or reset: what we had sent on it is gone with it (a reset
     * discards what the peer had not read), so its pending forwards fail now rather than at their timeout.
     */
    public void onPeerUnreachable(ServerAddress peer) {
        List<Long> ids = new ArrayList<>();
        pending.forEach((id, p) -> {
            if (p.to.equals(peer)) {
                ids.add(id);
            }
        });
        ids.sort(null);
        for (long id : ids) {
            fail(id, "TRYAGAIN " + peer + " is unreachable");
        }
    }

    private void fail(long id, String error) {
        Pending p = pending.remove(id);
        if (p != null) {
            p.timer.cancel();
            p.slot.complete(RespValue.error(error));
            settled(p);
        }
    }

    public int inFlight() {
        return pending.size();
    }
}
