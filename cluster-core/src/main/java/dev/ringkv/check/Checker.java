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
 * call, or never be observed. A write that got an error reply is optional but returns when the error
 * came back: it takes effect inside its interval or not at all (see {@link #linearizable}). A write whose
 * error left its outcome open ({@link Op.Outcome#INDEFINITE}) returns at infinity too, but must take effect
 * before every acknowledged write that began after its error, or not at all.
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
            boolean superseded = acked.stream().anyMatch(a -> a != w && a.invokedAt() > w.completedAt());
            if (!superseded) {
                candidates.add(w.value());
            }
        }
        if (finalValue != null && candidates.contains(finalValue)) {
            return null;
        }
        Op newest = acked.stream().max(Comparator.comparingLong(Op::completedAt)).orElseThrow();
        return "final read " + (finalValue == null ? "found nothing" : "returned " + finalValue)
                + " but the acknowledged write of " + newest.value() + " (or a later one) should be there";
    }

    /**
     * Null if one key's history is linearizable as a register starting empty, else why not.
     *
     * <p>An optional write ({@link Op#optional()}) still unlinearized when the search reaches its return is
     * left out there: "never took effect" is a transition that adds it to the linearized set and leaves the
     * register as it was. That is complete, because leaving an operation out changes no register: any order
     * that omits it can omit it at the moment its return becomes the earliest pending one, and before that
     * moment its return constrains nothing (an earlier return does). It is the last choice tried in that
     * state (every call before the return was tried first), so undoing it means the state is exhausted and
     * the search backtracks further. The memo needs no new key: (linearized set, register) determines what
     * may follow, whether an operation in the set took effect or was left out.
     *
     * <p>An {@link Op.Outcome#INDEFINITE} write returns at infinity, so time never forces it; instead, when
     * the search linearizes an acknowledged write that began after the indefinite one's error came back, every
     * such indefinite write not yet linearized is left out in the same step (it may not follow that write).
     * Placing it earlier is the branch where its call was tried first, so nothing is lost.
     */
    static String linearizable(List<Op> history) {
        List<Op> ops = withoutUnseenOptionalWrites(history);
        int n = ops.size();
        // events in time order: calls before returns at equal times (the more permissive order)
        record Event(int op, boolean call, long at) {
        }
        List<Event> events = new ArrayList<>(2 * n);
        List<Integer> indefinite = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Op op = ops.get(i);
            boolean open = op.outcome() == Op.Outcome.INDEFINITE;
            if (open) {
                indefinite.add(i);
            }
            events.add(new Event(i, true, op.invokedAt()));
            events.add(new Event(i, false, open ? Long.MAX_VALUE : op.completedAt()));
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
        int[] callOf = new int[n];
        int[] returnOf = new int[n];
        for (int i = 0; i < m; i++) {
            (events.get(i).call() ? callOf : returnOf)[events.get(i).op()] = i;
        }
        BitSet linearized = new BitSet(n); // took effect, or (optional ones) left out
        BitSet leftOut = new BitSet(n);
        Set<State> seen = new HashSet<>();
        java.util.ArrayDeque<Choice> stack = new java.util.ArrayDeque<>();
        String register = null;
        int entry = next[head];
        long steps = 0;
        int longest = 0;
        BitSet deepest = new BitSet(n);
        BitSet deepestLeftOut = new BitSet(n);
        while (next[head] != -1) {
            if (++steps > STEP_LIMIT) {
                return "gave up after " + STEP_LIMIT + " search steps (" + n + " operations)";
            }
            if (entry == -1) {
                return noLinearization(ops, deepest, deepestLeftOut);
            }
            Event e = events.get(entry);
            Op op = ops.get(e.op());
            // at its call an operation may take effect (a read only if it matches); at its return, only an
            // optional one may still be left out
            boolean leaveOut = !e.call() && op.optional();
            boolean fits = e.call() ? op.write() || Objects.equals(op.value(), register) : leaveOut;
            if (fits) {
                String after = op.write() && !leaveOut ? op.value() : register;
                BitSet candidate = (BitSet) linearized.clone();
                candidate.set(e.op());
                int[] forced = NONE;
                if (!indefinite.isEmpty() && e.call() && op.write() && op.outcome() == Op.Outcome.OK) {
                    forced = overtaken(ops, indefinite, linearized, op.invokedAt());
                    for (int f : forced) {
                        candidate.set(f);
                    }
                }
                if (seen.add(new State(candidate, after))) {
                    stack.push(new Choice(e.op(), register, leaveOut, forced));
                    register = after;
                    linearized.set(e.op());
                    if (leaveOut) {
                        leftOut.set(e.op());
                    }
                    unlink(callOf[e.op()], next, prev);
                    unlink(returnOf[e.op()], next, prev);
                    for (int f : forced) {
                        linearized.set(f);
                        leftOut.set(f);
                        unlink(callOf[f], next, prev);
                        unlink(returnOf[f], next, prev);
                    }
                    if (linearized.cardinality() > longest) {
                        longest = linearized.cardinality();
                        deepest = (BitSet) linearized.clone();
                        deepestLeftOut = (BitSet) leftOut.clone();
                    }
                    entry = next[head];
                    continue;
                }
            }
            if (e.call()) {
                entry = next[entry];
                continue;
            }
            // a return reached before its operation was linearized (or left out): undo the last choice; undoing
            // a leaving-out exhausts its state too (it was tried last there), so undo the one before it as well
            Choice top;
            do {
                if (stack.isEmpty()) {
                    return noLinearization(ops, deepest, deepestLeftOut);
                }
                top = stack.pop();
                register = top.registerBefore();
                for (int i = top.forced().length - 1; i >= 0; i--) {
                    int f = top.forced()[i];
                    linearized.clear(f);
                    leftOut.clear(f);
                    relink(returnOf[f], next, prev);
                    relink(callOf[f], next, prev);
                }
                linearized.clear(top.op());
                leftOut.clear(top.op());
                relink(returnOf[top.op()], next, prev);
                relink(callOf[top.op()], next, prev);
            } while (top.leftOut());
            entry = next[callOf[top.op()]];
        }
        return null;
    }

    /**
     * The history without the optional writes whose value no read returned. Leaving such a write out changes
     * no verdict: it may be left out, and in any order that includes it, the reads between it and the next
     * write would have to return its value — there are none — so the order stays valid without it. The
     * search then only carries the optional writes that matter: each one it carries doubles the states to
     * explore before it can call a history non-linearizable (unknown and indefinite writes never return).
     */
    static List<Op> withoutUnseenOptionalWrites(List<Op> ops) {
        Set<String> seen = new HashSet<>();
        for (Op op : ops) {
            if (!op.write()) {
                seen.add(op.value());
            }
        }
        List<Op> kept = new ArrayList<>(ops.size());
        for (Op op : ops) {
            if (!op.write() || !op.optional() || seen.contains(op.value())) {
                kept.add(op);
            }
        }
        return kept;
    }

    /** A state of the search: the operations linearized (or left out) and the register's value then. */
    private record State(BitSet linearized, String register) {
    }

    /**
     * One step taken, to undo on backtracking: the operation, the register before it, whether it was left
     * out, and the indefinite writes left out with it (an acknowledged write overtook them).
     */
    private record Choice(int op, String registerBefore, boolean leftOut, int[] forced) {
    }

    private static final int[] NONE = new int[0];

    /** The indefinite writes not linearized yet whose error came back before {@code invokedAt}. */
    private static int[] overtaken(List<Op> ops, List<Integer> indefinite, BitSet linearized, long invokedAt) {
        int[] out = NONE;
        for (int i : indefinite) {
            if (!linearized.get(i) && ops.get(i).completedAt() < invokedAt) {
                out = java.util.Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = i;
            }
        }
        return out;
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
    private static String noLinearization(List<Op> ops, BitSet deepest, BitSet leftOut) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong(i -> ops.get(i).invokedAt()));
        List<Integer> doneIndexes = new ArrayList<>();
        List<Op> stuck = new ArrayList<>();
        for (int i : order) {
            if (deepest.get(i)) {
                doneIndexes.add(i);
            } else {
                stuck.add(ops.get(i));
            }
        }
        StringBuilder b = new StringBuilder("no linearization (at most " + doneIndexes.size() + " of " + ops.size()
                + " operations could be ordered); the last ones ordered, by call time:");
        for (int i : doneIndexes.subList(Math.max(0, doneIndexes.size() - 6), doneIndexes.size())) {
            b.append("\n    ").append(ops.get(i)).append(leftOut.get(i) ? " (left out: never took effect)" : "");
        }
        b.append("\n  and the first that could not follow them:");
        for (Op op : stuck.subList(0, Math.min(6, stuck.size()))) {
            b.append("\n    ").append(op);
        }
        return b.toString();
    }
}
