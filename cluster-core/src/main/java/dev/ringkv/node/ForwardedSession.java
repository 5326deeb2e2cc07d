package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespCodec;
import dev.ringkv.wire.RespValue;

/**
 * The session a forwarded command runs in on its coordinator: its one reply goes back to the node that
 * forwarded it, as {@code FWD_REPLY id reply}. Node thread only.
 */
final class ForwardedSession implements Session {
    private final NodeContext ctx;
    private final ServerAddress origin;
    private final long id;
    private final int hops;
    private final long ringVersion;
    private final SessionState state = new SessionState();
    private boolean replied;
    /** The one slot this session's reply goes through, so a cancel can find what it waits on. */
    private final PendingReply slot = this::reply;

    ForwardedSession(NodeContext ctx, ServerAddress origin, long id, int hops, long ringVersion) {
        this.ctx = ctx;
        this.ringVersion = ringVersion;
        this.origin = origin;
        this.id = id;
        this.hops = hops;
    }

    int hops() {
        return hops;
    }

    /** The ring version the forwarder routed it by (see {@link Forwarder}). */
    long ringVersion() {
        return ringVersion;
    }

    @Override
    public long id() {
        return -id;
    }

    @Override
    public void reply(RespValue value) {
        if (!replied) {
            replied = true;
            ctx.send(origin, Msg.of(Msg.FWD_REPLY, id, RespCodec.encode(value)));
        }
    }

    @Override
    public PendingReply defer() {
        return slot;
    }

    /** True once its reply went back to the forwarder. */
    boolean replied() {
        return replied;
    }

    @Override
    public void closeAfterReplies() {
        // a forwarded QUIT closes nothing
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public String remoteAddress() {
        return "forwarded from " + origin;
    }

    @Override
    public SessionState state() {
        return state;
    }
}
