package dev.ringkv.ecs;

/** The largest of the last {@link #WINDOW} values recorded (0 before the first). Threading: the node's thread. */
final class RecentMax {

    /** Values remembered: about ten seconds of heartbeats at the default interval. */
    static final int WINDOW = 100;

    private final long[] values = new long[WINDOW];
    private int count;
    private int next;

    void add(long value) {
        values[next] = value;
        next = (next + 1) % WINDOW;
        count = Math.min(WINDOW, count + 1);
    }

    long max() {
        long max = 0;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, values[i]);
        }
        return max;
    }
}
