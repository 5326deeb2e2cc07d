package dev.ringkv.cluster;

import dev.ringkv.check.Checker;
import dev.ringkv.check.Op;
import dev.ringkv.sim.Outcome;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the simulation's clients did, as the history {@link Checker} judges: every GET and SET with its call
 * and return in simulated milliseconds. A SET answered {@code OK} is {@link Op.Outcome#OK}. One refused
 * before anything applied it ({@link #refusedBeforeApplying}) is {@link Op.Outcome#ERROR}: if it took effect
 * at all, then before the error came back. Any other error leaves the outcome open, as the node says
 * ({@code -TRYAGAIN ... did not confirm the write}, a forward without an answer): the write may still land,
 * but never after an acknowledged write that began after the error ({@link Op.Outcome#INDEFINITE}). A SET
 * whose connection failed, or still unanswered when the history is read, is {@link Op.Outcome#UNKNOWN}. A
 * GET that got no value is left out. Every value written is unique.
 */
final class History {

    /** An operation sent and not answered yet. */
    static final class Call {
        final int client;
        final String key;
        final boolean write;
        final String value;
        final long invokedAt;
        final String via;

        private Call(int client, String key, boolean write, String value, long invokedAt, String via) {
            this.client = client;
            this.key = key;
            this.write = write;
            this.value = value;
            this.invokedAt = invokedAt;
            this.via = via;
        }
    }

    /** Show at most this many operations of a key that is not linearizable. */
    private static final int SHOWN = 30;

    private final List<Op> ops = new ArrayList<>();
    private final Set<Call> pending = new LinkedHashSet<>();
    /** The node each operation was sent to, and what an error or failure said: for the report of a violation. */
    private final Map<Op, String> via = new IdentityHashMap<>();
    int acknowledged;

    Call invoke(int client, String key, boolean write, String value, long now, String via) {
        Call call = new Call(client, key, write, value, now, via);
        pending.add(call);
        return call;
    }

    /** Records what came back for {@code call}. */
    void complete(Call call, Outcome o, long now) {
        if (!pending.remove(call)) {
            throw new IllegalStateException("completed twice: " + call.key + " " + call.value);
        }
        Op op;
        if (call.write) {
            Op.Outcome outcome;
            if (o.isFailed()) {
                outcome = Op.Outcome.UNKNOWN;
            } else if (RespValue.OK.equals(o.reply())) {
                outcome = Op.Outcome.OK;
                acknowledged++;
            } else if (o.reply() instanceof RespValue.Error e) {
                outcome = refusedBeforeApplying(e.text()) ? Op.Outcome.ERROR : Op.Outcome.INDEFINITE;
            } else {
                throw new AssertionError("SET " + call.key + " " + call.value + " answered " + o.reply());
            }
            op = Op.write(call.client, call.key, call.value, call.invokedAt, now, outcome);
        } else if (o.isReplied() && o.reply() instanceof RespValue.Bulk b) {
            op = Op.read(call.client, call.key, new String(b.bytes(), StandardCharsets.UTF_8), call.invokedAt, now);
        } else if (o.isReplied() && o.reply() instanceof RespValue.NullBulk) {
            op = Op.read(call.client, call.key, null, call.invokedAt, now);
        } else {
            op = new Op(call.client, call.key, false, null, call.invokedAt, now, Op.Outcome.FAIL);
        }
        ops.add(op);
        String why = o.isFailed() ? o.failure() : o.reply() instanceof RespValue.Error e ? e.text() : null;
        via.put(op, call.via + (why == null ? "" : ": " + why));
    }

    /**
     * Whether the error is one with which a node refuses a write before applying it anywhere (not serving,
     * no lease, its range switching away, too many forwarding hops): the write never takes effect, which
     * the checker holds it to. The node's other write errors come after the coordinator applied the write and
     * sent its copies (its replicas, its lease or its range went before they confirmed; a forward went
     * unanswered), and say the outcome is unknown. Matched on the node's wording: an error not listed here
     * is checked by the weaker rule, never a stronger one.
     */
    static boolean refusedBeforeApplying(String error) {
        return error.startsWith("STOPPED ") || error.contains(" has no current lease from the ECS ")
                || error.equals("TRYAGAIN the range of this key is switching to a new holder")
                || error.startsWith("TRYAGAIN the ring is changing ") || error.contains(" is no longer the ECS: ");
    }

    /** Every key an operation touched. */
    Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        ops.forEach(op -> keys.add(op.key()));
        pending.forEach(call -> keys.add(call.key));
        return keys;
    }

    /** Whether some write of the key was acknowledged. */
    boolean acknowledgedAWriteOf(String key) {
        return ops.stream().anyMatch(op -> op.key().equals(key) && op.write() && op.outcome() == Op.Outcome.OK);
    }

    /** The operations so far; writes still unanswered are UNKNOWN, reads still unanswered are left out. */
    List<Op> ops() {
        List<Op> all = new ArrayList<>(ops);
        for (Call call : pending) {
            if (call.write) {
                Op op = Op.write(call.client, call.key, call.value, call.invokedAt, Long.MAX_VALUE, Op.Outcome.UNKNOWN);
                all.add(op);
                via.put(op, call.via);
            }
        }
        return all;
    }

    /**
     * Checks the whole history with {@link Checker} ({@code finals}: key → the value read once the cluster
     * settled, null for none): null if it is linearizable per key and no acknowledged write was lost, else
     * the violations, each with the part of its key's history that shows it.
     */
    String check(Map<String, String> finals) {
        List<Op> all = ops();
        Checker.Verdict verdict = Checker.check(all, finals);
        if (verdict.ok()) {
            return null;
        }
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : all) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        StringBuilder b = new StringBuilder();
        b.append(verdict.violations().size()).append(" of ").append(verdict.keys()).append(" keys not linearizable, ")
                .append(verdict.lostWrites().size()).append(" with an acknowledged write lost (")
                .append(verdict.operations()).append(" operations)");
        Set<String> shown = new TreeSet<>();
        for (String v : verdict.violations()) {
            b.append("\nNOT LINEARIZABLE ").append(v);
            shown.add(v.substring(0, v.indexOf(':')));
        }
        for (String v : verdict.lostWrites()) {
            b.append("\nLOST ").append(v);
            shown.add(v.substring(0, v.indexOf(':')));
        }
        for (String key : shown) {
            b.append("\nhistory of ").append(key).append(":").append(relevant(byKey.getOrDefault(key, List.of())));
        }
        return b.toString();
    }

    /**
     * The operations of one key up to the earliest moment its history is already not linearizable (found by
     * bisection: a history cut at a moment, with what was unanswered then treated as unanswered, stays
     * non-linearizable when cut later), the last {@link #SHOWN} of them, by call time. A history that only
     * fails on its final read shows its end.
     */
    private String relevant(List<Op> keyOps) {
        if (keyOps.isEmpty()) {
            return " none";
        }
        List<Op> sorted = new ArrayList<>(keyOps);
        sorted.sort(Comparator.comparingLong(Op::invokedAt));
        int lo = 1;
        int hi = sorted.size();
        if (linearizableUntil(sorted, hi)) {
            lo = hi;
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (linearizableUntil(sorted, mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        StringBuilder b = new StringBuilder();
        long cut = sorted.get(lo - 1).invokedAt();
        if (lo > SHOWN) {
            b.append("\n    ... ").append(lo - SHOWN).append(" earlier operations");
        }
        for (Op op : sorted.subList(Math.max(0, lo - SHOWN), lo)) {
            b.append("\n    ").append(op).append(" via ").append(via.get(op));
        }
        if (lo < sorted.size()) {
            b.append("\n    (not linearizable by t=").append(cut).append("; ").append(sorted.size() - lo)
                    .append(" later operations not shown)");
        }
        return b.toString();
    }

    /** Whether the first {@code n} operations by call time, seen at the last one's call, are linearizable. */
    private static boolean linearizableUntil(List<Op> sorted, int n) {
        long now = sorted.get(n - 1).invokedAt();
        List<Op> cut = new ArrayList<>();
        for (Op op : sorted.subList(0, n)) {
            if (op.completedAt() <= now || op.outcome() == Op.Outcome.FAIL) {
                cut.add(op);
            } else if (op.write()) {
                cut.add(Op.write(op.client(), op.key(), op.value(), op.invokedAt(), op.completedAt(), Op.Outcome.UNKNOWN));
            }
        }
        return Checker.check(cut, Map.of()).violations().isEmpty();
    }
}
