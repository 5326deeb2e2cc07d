package dev.ringkv.node;

import dev.ringkv.wire.RespValue;

/** A session for a command the node runs on its own behalf: its one reply goes to a slot. Node thread only. */
final class CapturingSession implements Session {
    private final Session.PendingReply target;
    private final SessionState state = new SessionState();

    CapturingSession(Session.PendingReply target) {
        this.target = target;
    }

    @Override
    public long id() {
        return 0;
    }

    @Override
    public void reply(RespValue value) {
        target.complete(value);
    }

    @Override
    public PendingReply defer() {
        return target;
    }

    @Override
    public void closeAfterReplies() {
        // nothing to close
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public String remoteAddress() {
        return "internal";
    }

    @Override
    public SessionState state() {
        return state;
    }
}
