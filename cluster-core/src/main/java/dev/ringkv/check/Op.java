package dev.ringkv.check;

/**
 * One client operation on one key, as the history records it (Jepsen's invoke / ok / fail / info).
 * Times are in whatever unit the recorder uses, the same for the whole history (nanoseconds in the chaos
 * run, simulated milliseconds in the simulation).
 *
 * @param client the client that issued it (a client issues one operation at a time)
 * @param write a write (SET) or a read (GET)
 * @param value the value written, or the value the read returned (null: no such key)
 * @param invokedAt when the client sent it
 * @param completedAt when its answer arrived ({@link Long#MAX_VALUE} for {@link Outcome#UNKNOWN}: it may
 *     take effect at any time after it was sent; for {@link Outcome#INDEFINITE}, when the error came back,
 *     which bounds it only by the acknowledged writes that began later)
 */
public record Op(int client, String key, boolean write, String value, long invokedAt, long completedAt,
                 Outcome outcome) {

    /** What the client learnt. */
    public enum Outcome {
        /** Acknowledged: a write took effect, a read returned {@link #value}. */
        OK,
        /** Definitely did not take effect (a read that failed); not part of the checked history. */
        FAIL,
        /**
         * A write the server answered with an error (e.g. {@code -TRYAGAIN}): it may or may not have taken
         * effect, but if it did, then before the error came back (DESIGN §1: never after a later
         * acknowledged write). So it returns at {@link #completedAt} and is optional: the checker either
         * places it inside its interval or leaves it out.
         */
        ERROR,
        /**
         * A write the server answered with an error that leaves its outcome open (the coordinator applied it,
         * then could not confirm it: {@code -TRYAGAIN ... did not confirm the write}, a forward with no answer):
         * it may take effect even after the error came back ({@link #completedAt}), but never after a write
         * that began after that and was acknowledged (DESIGN §1), nor is it undone once seen.
         */
        INDEFINITE,
        /**
         * A write whose answer never came (connection lost, client-side timeout): it may or may not have
         * taken effect, at any time after it was sent.
         */
        UNKNOWN
    }

    public static Op write(int client, String key, String value, long invoked, long completed, Outcome outcome) {
        return new Op(client, key, true, value, invoked, outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : completed, outcome);
    }

    public static Op read(int client, String key, String value, long invoked, long completed) {
        return new Op(client, key, false, value, invoked, completed, Outcome.OK);
    }

    /** A write that need not take effect at all (any outcome but {@link Outcome#OK} and {@link Outcome#FAIL}). */
    public boolean optional() {
        return outcome == Outcome.ERROR || outcome == Outcome.INDEFINITE || outcome == Outcome.UNKNOWN;
    }

    @Override
    public String toString() {
        return String.format("c%d %s %s=%s [%d, %s] %s", client, write ? "write" : "read", key, value, invokedAt,
                completedAt == Long.MAX_VALUE ? "∞" : String.valueOf(completedAt), outcome);
    }
}
