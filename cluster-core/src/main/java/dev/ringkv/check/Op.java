package dev.ringkv.check;

/**
 * One client operation on one key, as the history records it (Jepsen's invoke / ok / fail / info).
 *
 * @param client the client that issued it (a client issues one operation at a time)
 * @param write a write (SET) or a read (GET)
 * @param value the value written, or the value the read returned (null: no such key)
 * @param invokedNanos when the client sent it
 * @param completedNanos when its answer arrived ({@link Long#MAX_VALUE} for {@link Outcome#UNKNOWN}: it may
 *     take effect at any time after it was sent)
 */
public record Op(int client, String key, boolean write, String value, long invokedNanos, long completedNanos,
                 Outcome outcome) {

    /** What the client learnt. */
    public enum Outcome {
        /** Acknowledged: a write took effect, a read returned {@link #value}. */
        OK,
        /** Definitely did not take effect (a read that failed); not part of the checked history. */
        FAIL,
        /** A write whose answer never came (timeout, lost connection): it may or may not have taken effect. */
        UNKNOWN
    }

    public static Op write(int client, String key, String value, long invoked, long completed, Outcome outcome) {
        return new Op(client, key, true, value, invoked, outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : completed, outcome);
    }

    public static Op read(int client, String key, String value, long invoked, long completed) {
        return new Op(client, key, false, value, invoked, completed, Outcome.OK);
    }

    @Override
    public String toString() {
        return String.format("c%d %s %s=%s [%d, %s] %s", client, write ? "write" : "read", key, value, invokedNanos,
                completedNanos == Long.MAX_VALUE ? "∞" : String.valueOf(completedNanos), outcome);
    }
}
