package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.ProtocolException;
import dev.ringkv.wire.RespCodec;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a plain client's command to the node that coordinates its key and completes the client's reply
 * slot with the answer (DESIGN §5: any node serves any key). A forward that gets no answer — the peer
 * died, the message was lost — fails with a retryable {@code -TRYAGAIN}, never hangs. Node thread only.
 */
public final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    static final long TIMEOUT_MILLIS = 5_000;
    /** A command may be passed on this many times while rings disagree, then it fails retryably. */
    public static final int MAX_HOPS = 3;

    private final NodeContext ctx;
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextId;

    private record Pending(ServerAddress to, Session.PendingReply slot, Cancellable timeout) {
    }

    public Forwarder(NodeContext ctx) {
        this.ctx = ctx;
        // ids never repeat across restarts: the coordinator drops a forward whose id it has already seen
        this.nextId = (ctx.random().nextLong() >>> 2) + 1;
    }

    public void forward(ServerAddress to, byte[][] args, int hops, Session.PendingReply slot) {
        long id = nextId++;
        Object[] parts = new Object[args.length + 3];
        parts[0] = Msg.FWD;
        parts[1] = id;
        parts[2] = hops;
        System.arraycopy(args, 0, parts, 3, args.length);
        Cancellable timeout = ctx.schedule(TIMEOUT_MILLIS, () -> fail(id,
                "TRYAGAIN no reply from " + to + " within " + TIMEOUT_MILLIS + " ms"));
        pending.put(id, new Pending(to, slot, timeout));
        ctx.send(to, Msg.of(parts));
    }

    /** Handles FWD_REPLY; returns false for any other message. */
    public boolean onMessage(byte[][] msg) {
        if (!Msg.name(msg).equals(Msg.FWD_REPLY)) {
            return false;
        }
        Pending p = pending.remove(Msg.num(msg, 1));
        if (p == null) {
            return true; // late reply after a timeout: the client already got TRYAGAIN
        }
        p.timeout.cancel();
        RespValue v;
        try {
            v = RespCodec.decode(msg[2]);
        } catch (ProtocolException e) {
            LOG.warn("{} bad forwarded reply from {}: {}", ctx.self(), p.to, e.getMessage());
            v = RespValue.error("ERR bad reply from " + p.to + ": " + e.getMessage());
        }
        p.slot.complete(v);
        return true;
    }

    /** The peer is gone: its pending forwards fail now rather than at their timeout. */
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
            p.timeout.cancel();
            p.slot.complete(RespValue.error(error));
        }
    }

    public int inFlight() {
        return pending.size();
    }
}
