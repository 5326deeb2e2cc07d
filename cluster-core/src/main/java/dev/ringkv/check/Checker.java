package dev.ringkv.check;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a history of reads and writes against a register per key (linearizability is compositional:
 * a history is linearizable iff each key's is — Herlihy and Wing). Per key it runs the Wing–Gong
 * search with Lowe's memoisation (as Porcupine and Knossos do): walk the history in time order, try to
 * linearize each operation whose call came before the earliest pending return, backtrack on a read
 * that does not match the register, and remember (linearized set, register) pairs already explored.
 * A write whose outcome is unknown returns at infinity: it may take effect at any point after its
 * call, or never be observed.
 *
 * <p>It also counts lost acknowledged writes directly: a key's final read (after the cluster quiesced)
 * must return one of the writes that no acknowledged write followed in real time.
 */
public final class Checker {

    /** What a check found; empty lists mean the history is correct. */
    public record Verdict(int keys, long operations, List<String> violations, List<String> lostWrites) {
        public boolean ok() {
            return violations.isEmpty() && lostWrites.isEmpty();
        }
    }

    /** The search gives up on a key after this many steps (reported as a violation, never as a pass). */
    static final long STEP_LIMIT = 20_000_000;

    private Checker() {
    }

    /**
     * @param history every operation (FAIL ones are ignored)
     * @param finalReads key → the value read after quiescing (null: not found); the keys to check for lost writes
     */
    public static Verdict check(List<Op> history, Map<String, String> finalReads) {
        Map<String, List<Op>> byKey = new HashMap<>();
        long ops = 0;
        for (Op op : history) {
            if (op.outcome() != Op.Outcome.FAIL) {
                byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
                ops++;
            }
        }
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<Op>> e : new java.util.TreeMap<>(byKey).entrySet()) {
            String why = linearizable(e.getValue());
            if (why != null) {
                violations.add(e.getKey() + ": " + why);
            }
        }
        List<String> lost = new ArrayList<>();
        for (Map.Entry<String, String> f : new java.util.TreeMap<>(finalReads).entrySet()) {
            String why = lostWrite(byKey.getOrDefault(f.getKey(), List.of()), f.getValue());
            if (why != null) {
                lost.add(f.getKey() + ": " + why);
            }
        }
        return new Verdict(byKey.size(), ops, violations, lost);
    }

    /** Null if the final value is one a correct store could hold, else what was lost. */
    static String lostWrite(List<Op> ops, String finalValue) {
        List<Op> writes = ops.stream().filter(Op::write).toList();
        List<Op> acked = writes.stream().filter(w -> w.outcome() == Op.Outcome.OK).toList();
        if (acked.isEmpty()) {
            return null; // nothing was promised
        }
        // the writes that may be last: no acknowledged write began after they ended
        Set<String> candidates = new HashSet<>();
        for (Op w : writes) {
            boolean superseded = acked.stream().anyMatch(a -> a != w && a.invokedNanos() > w.completedNanos());
            if (!superseded) {
                candidates.add(w.value());
            }
        }
        if (finalValue != null && candidates.contains(finalValue)) {
            return null;
        }
        Op newest = acked.stream().max(Comparator.comparingLong(Op::completedNanos)).orElseThrow();
        return "final read " + (finalValue == null ? "found nothing" : "returned " + finalValue)
                + " but the acknowledged write of " + newest.value() + " (or a later one) should be there";
    }

    /** Null if one key's history is linearizable as a register starting empty, else why not. */
    static String linearizable(List<Op> ops) {
        int n = ops.size();
        // events in time order: calls before returns at equal times (the more permissive order)
        record Event(int op, boolean call, long at) {
        }
        List<Event> events = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++) {
            events.add(new Event(i, true, ops.get(i).invokedNanos()));
            events.add(new Event(i, false, ops.get(i).completedNanos()));
        }
        events.sort(Comparator.comparingLong(Event::at).thenComparing(e -> !e.call()));
        // a doubly linked list of the events not yet linearized
        int m = events.size();
        int[] next = new int[m + 1];
        int[] prev = new int[m + 1];
        int head = m; // the sentinel before the first event
        for (int i = 0; i < m; i++) {
            next[i] = i + 1 < m ? i + 1 : -1;
            prev[i] = i == 0 ? head : i - 1;
        }
        next[head] = m > 0 ? 0 : -1;
        int[] returnOf = new int[n];
        for (int i = 0; i < m; i++) {
            if (!events.get(i).call()) {
                returnOf[events.get(i).op()] = i;
            }
        }
        BitSet linearized = new BitSet(n);
        Set<Object> seen = new HashSet<>();
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>(); // {callEvent, registerBefore}
        String register = null;
        int entry = next[head];
        long steps = 0;
        int longest = 0;
        BitSet deepest = new BitSet(n);
        while (next[head] != -1) {
            if (++steps > STEP_LIMIT) {
                return "gave up after " + STEP_LIMIT + " search steps (" + n + " operations)";
            }
            if (entry == -1) {
                return noLinearization(ops, deepest);
            }
            Event e = events.get(entry);
            if (e.call()) {
                Op op = ops.get(e.op());
                boolean fits = op.write() || Objects.equals(op.value(), register);
                String after = op.write() ? op.value() : register;
                if (fits) {
                    BitSet candidate = (BitSet) linearized.clone();
                    candidate.set(e.op());
                    if (seen.add(List.of(candidate, String.valueOf(after)))) {
                        stack.push(new Object[] {entry, register});
                        register = after;
                        linearized.set(e.op());
                        if (linearized.cardinality() > longest) {
                            longest = linearized.cardinality();
                            deepest = (BitSet) linearized.clone();
                        }
                        unlink(entry, next, prev);
                        unlink(returnOf[e.op()], next, prev);
                        entry = next[head];
                        continue;
                    }
                }
                entry = next[entry];
            } else {
                // a return reached before its operation was linearized: undo the last choice
                if (stack.isEmpty()) {
                    return noLinearization(ops, deepest);
                }
                Object[] top = stack.pop();
                int call = (Integer) top[0];
                register = (String) top[1];
                int op = events.get(call).op();
                linearized.clear(op);
                relink(returnOf[op], next, prev);
                relink(call, next, prev);
                entry = next[call];
            }
        }
        return null;
    }

    private static void unlink(int i, int[] next, int[] prev) {
        next[prev[i]] = next[i];
        if (next[i] != -1) {
            prev[next[i]] = prev[i];
        }
    }

    private static void relink(int i, int[] next, int[] prev) {
        next[prev[i]] = i;
        if (next[i] != -1) {
            prev[next[i]] = i;
        }
    }

    /**
     * Why no order exists, shown where the search got stuck: the last operations of the longest order
     * found, then the earliest operations it could not add (one of them is the culprit, e.g. a stale read).
     */
    private static String noLinearization(List<Op> ops, BitSet deepest) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong(i -> ops.get(i).invokedNanos()));
        List<Op> done = new ArrayList<>();
        List<Op> stuck = new ArrayList<>();
        for (int i : order) {
            (deepest.get(i) ? done : stuck).add(ops.get(i));
        }
        StringBuilder b = new StringBuilder("no linearization (at most " + done.size() + " of " + ops.size()
                + " operations could be ordered); the last ones ordered, by call time:");
        for (Op op : done.subList(Math.max(0, done.size() - 6), done.size())) {
            b.append("\n    ").append(op);
        }
        b.append("\n  and the first that could not follow them:");
        for (Op op : stuck.subList(0, Math.min(6, stuck.size()))) {
            b.append("\n    ").append(op);
        }
        return b.toString();
    }
}
