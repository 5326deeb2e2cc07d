package dev.ringkv.node;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.Store;
import java.util.Random;

/**
 * Everything protocol logic may touch (DESIGN §3). Two runtimes implement it: the NIO runtime and the
 * deterministic simulation; the logic cannot tell them apart.
 *
 * <p>Threading: every method is called from, and every callback runs on, the node's single event-loop
 * thread. Nothing here blocks.
 */
public interface NodeContext {

    /** The address this node advertises (its ring identity). */
    ServerAddress self();

    /**
     * Sends a message (a command: an array of binary-safe arguments) to a peer node. Never blocks and
     * never throws: an unreachable peer just loses the message, as the network may. Messages to one peer
     * arrive in order unless the connection breaks.
     */
    void send(ServerAddress peer, byte[][] message);

    /** Runs the task on the node's thread after at least {@code delayMillis} of {@link #now()} time. */
    Cancellable schedule(long delayMillis, Runnable task);

    /** Monotonic milliseconds (real or virtual); not wall-clock time. */
    long now();

    /** The node's only source of randomness (seeded in the simulation). */
    Random random();

    /** The node's local store. */
    Store storage();
}
