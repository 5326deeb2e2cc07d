package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;

/**
 * A node's protocol logic as a runtime drives it (DESIGN §3): commands and messages in, replies and
 * messages out through the {@link NodeContext}. Threading: every call comes from the node's event loop.
 */
public interface NodeLogic {

    /** Called once, on the node thread, before any command or message. */
    default void onStart() {
    }

    /** A command from a client connection (arguments binary-safe, at least one). */
    void onCommand(Session session, byte[][] args);

    /** A message from a cluster peer (a connection that identified itself with {@code PEER}). */
    default void onPeerMessage(ServerAddress from, byte[][] message) {
    }

    /**
     * Evidence that a peer is gone: a connection to it was refused or reset (a SIGKILLed process's
     * kernel resets its sockets at once). Not called for a peer that merely stops answering (paused,
     * partitioned): only timeouts reveal those. May be called more than once.
     */
    default void onPeerUnreachable(ServerAddress peer) {
    }

    /**
     * Called at the end of every turn, after the store's flush (so the listeners of durable writes have
     * run) and before the turn's replies and messages go out: what is sent here leaves with them.
     */
    default void onTurnEnd() {
    }

    /** Called once, on the node thread, when the node stops; the store is still open. */
    default void onStop() {
    }
}
