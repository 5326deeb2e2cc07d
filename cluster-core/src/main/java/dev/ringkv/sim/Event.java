package dev.ringkv.sim;

import java.util.Comparator;

/**
 * One thing that happens at a virtual instant. Events run in (time, insertion sequence) order, so two
 * events due at the same millisecond run in the order they were scheduled: nothing depends on hash
 * order or on a tie-break the seed does not control.
 *
 * <p>An event either belongs to a node incarnation ({@code node != null}: a timer, a delivered message, a
 * client command; it runs as one turn of that node, or waits while the node is paused, or is discarded if
 * the incarnation died) or to the simulation itself (network arrivals, client-side deliveries, harness
 * actions).
 */
final class Event {

    static final Comparator<Event> ORDER = Comparator.<Event>comparingLong(e -> e.time).thenComparingLong(e -> e.seq);

    final long time;
    final long seq;
    final SimNode node;
    final int incarnation;
    final String label;
    final Runnable action;
    boolean cancelled;

    Event(long time, long seq, SimNode node, int incarnation, String label, Runnable action) {
        this.time = time;
        this.seq = seq;
        this.node = node;
        this.incarnation = incarnation;
        this.label = label;
        this.action = action;
    }

    @Override
    public String toString() {
        return "t=" + time + " #" + seq + " " + label;
    }
}
