package dev.ringkv.node;

import dev.ringkv.wire.RespValue;

/**
 * One client or peer connection as the node logic sees it. Replies leave in the order the commands
 * arrived (RESP pipelining), whether given at once or later through a {@link PendingReply}.
 *
 * <p>Threading: node thread only.
 */
public interface Session {

    /** A number unique per node for the life of the process. */
    long id();

    /** Queues an immediate reply (after every earlier reply of this session, pending ones included). */
    void reply(RespValue value);

    /** Reserves the next reply slot, to be completed later; replies behind it wait for it. */
    PendingReply defer();

    /** Closes the connection once every reply queued so far has been written. */
    void closeAfterReplies();

    /** True once the connection is closed (by either side); late replies are dropped. */
    boolean isClosed();

    /** The peer's address as the socket sees it, for INFO/CLIENT LIST. */
    String remoteAddress();

    /** Per-connection state the node logic keeps (client name, routing mode, peer identity). */
    SessionState state();

    /** A reply slot reserved in order. */
    interface PendingReply {
        /** Completes the slot; the first completion wins, later ones are ignored. */
        void complete(RespValue value);
    }
}
