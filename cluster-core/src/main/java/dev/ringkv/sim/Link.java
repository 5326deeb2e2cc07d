package dev.ringkv.sim;

/**
 * One direction of a simulated TCP connection: deliveries never overtake each other (a message arrives no
 * earlier than the one sent before it), and a reset (a partition cutting it) loses everything in flight.
 *
 * <p>The epoch counts resets: a message remembers the epoch it was sent in and is discarded on arrival if
 * the link has been reset since.
 */
final class Link {

    private long lastDelivery;
    private int epoch;

    /** The arrival time of a message sent now: after its latency, and not before the previous one. */
    long deliveryTime(long now, long latency) {
        lastDelivery = Math.max(now + latency, lastDelivery);
        return lastDelivery;
    }

    int epoch() {
        return epoch;
    }

    /** Breaks the connection: everything in flight is lost. */
    void reset() {
        epoch++;
    }
}
