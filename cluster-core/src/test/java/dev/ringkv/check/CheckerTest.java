package dev.ringkv.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.check.Op.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The checker's self-test: it passes correct histories and catches a planted lost write and a planted stale read. */
class CheckerTest {

    private static Op w(int c, String v, long from, long to) {
        return Op.write(c, "k", v, from, to, Outcome.OK);
    }

    private static Op r(int c, String v, long from, long to) {
        return Op.read(c, "k", v, from, to);
    }

    @Test
    void sequentialReadsOfTheLatestWriteAreLinearizable() {
        assertNull(Checker.linearizable(List.of(r(0, null, 0, 1), w(0, "a", 2, 3), r(1, "a", 4, 5), w(1, "b", 6, 7),
                r(0, "b", 8, 9))));
    }

    @Test
    void aStaleReadIsCaught() {
        // b was acknowledged before the read began, yet the read returned a
        String why = Checker.linearizable(List.of(w(0, "a", 0, 1), w(0, "b", 2, 3), r(1, "a", 4, 5)));
        assertNotNull(why);
        assertTrue(why.startsWith("no linearization"), why);
    }

    @Test
    void aReadConcurrentWithAWriteMayReturnEitherValue() {
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), w(0, "b", 2, 10), r(1, "a", 3, 4))));
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), w(0, "b", 2, 10), r(1, "b", 3, 4))));
        // but once a reader saw b, a later read may not go back to a
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), w(0, "b", 2, 10), r(1, "b", 3, 4), r(1, "a", 5, 6))));
    }

    @Test
    void aWriteWithAnUnknownOutcomeMayTakeEffectLateOrNever() {
        Op unknown = Op.write(0, "k", "b", 2, 3, Outcome.UNKNOWN);
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), unknown, r(1, "a", 4, 5))), "never");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), unknown, r(1, "b", 4, 5))), "late");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), unknown, r(1, "a", 4, 5), r(1, "b", 6, 7))), "later still");
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), unknown, r(1, "b", 4, 5), r(1, "a", 6, 7))),
                "but not undone after it was seen");
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), r(1, "b", 1, 2),
                Op.write(0, "k", "b", 5, 6, Outcome.UNKNOWN))), "nor before it was sent");
    }

    private static Op erred(int c, String v, long from, long to) {
        return Op.write(c, "k", v, from, to, Outcome.ERROR);
    }

    @Test
    void aWriteThatGotAnErrorMayTakeEffectBeforeTheErrorOrNever() {
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), erred(0, "b", 2, 5), r(1, "a", 6, 7))), "never");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), erred(0, "b", 2, 5), r(1, "b", 6, 7))), "before");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), erred(0, "b", 2, 5), r(1, "b", 3, 4), r(1, "b", 6, 7))),
                "seen while the write was still pending");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), erred(0, "b", 2, 5), r(1, "a", 3, 4), r(1, "b", 4, 7))),
                "seen by a read overlapping its end");
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), erred(0, "b", 2, 5), r(1, "a", 6, 7), r(1, "b", 8, 9))),
                "but not after it failed: by then it took effect or never will");
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), erred(0, "b", 2, 5), r(1, "b", 3, 4), r(1, "a", 6, 7))),
                "nor undone after it was seen");
        assertNotNull(Checker.linearizable(List.of(r(1, "b", 0, 1), erred(0, "b", 2, 5))), "nor before it was sent");
    }

    /**
     * The anomaly the reviewers found (issue 17): {@code SET x} got {@code -TRYAGAIN} at t=5, {@code SET y} was
     * called at 6 and acknowledged at 7, and a read at 8 returned x. The failed write took effect after a later
     * acknowledged write, which DESIGN §1 forbids; an UNKNOWN write (no reply at all) may do exactly that.
     */
    @Test
    void aWriteThatFailedMayNotTakeEffectAfterALaterAcknowledgedWrite() {
        List<Op> history = List.of(erred(0, "x", 1, 5), w(0, "y", 6, 7), r(1, "x", 8, 9));
        String why = Checker.linearizable(history);
        assertNotNull(why, "the failed write of x took effect after y was acknowledged");
        assertTrue(why.startsWith("no linearization"), why);
        assertFalse(Checker.check(history, Map.of("k", "x")).lostWrites().isEmpty(), "and the final value x lost y");
        List<Op> unknown = List.of(Op.write(0, "k", "x", 1, 5, Outcome.UNKNOWN), w(0, "y", 6, 7), r(1, "x", 8, 9));
        assertNull(Checker.linearizable(unknown), "a write with no reply may land at any time after it was sent");
        assertTrue(Checker.check(unknown, Map.of("k", "x")).ok());
    }

    private static Op open(int c, String v, long from, long to) {
        return Op.write(c, "k", v, from, to, Outcome.INDEFINITE);
    }

    @Test
    void aWriteWhoseErrorLeftItOpenMayLandLaterButNotAfterALaterAcknowledgedWrite() {
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), r(1, "a", 6, 7))), "never");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), r(1, "a", 6, 7), r(1, "b", 8, 9))),
                "after the error came back");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), w(1, "c", 4, 6), r(1, "b", 8, 9))),
                "after an acknowledged write that began before the error came back");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), erred(1, "c", 6, 7), r(1, "b", 8, 9))),
                "after a write that began later but failed");
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), w(1, "c", 6, 7), r(1, "b", 8, 9))),
                "but not after an acknowledged write that began after the error");
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), r(1, "b", 6, 7), r(1, "a", 8, 9))),
                "nor undone after it was seen");
        assertNull(Checker.linearizable(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), r(1, "b", 6, 7), w(1, "c", 8, 9),
                r(1, "c", 10, 11))), "seen, then overwritten");
    }

    @Test
    void anOpenWriteBoundsWhatTheFinalValueMayBe() {
        List<Op> h = List.of(w(0, "a", 0, 1), open(0, "b", 2, 5), w(1, "c", 6, 7));
        assertFalse(Checker.check(h, Map.of("k", "b")).ok(), "b landed after c, which began after b's error");
        assertTrue(Checker.check(h, Map.of("k", "c")).ok());
        assertTrue(Checker.check(List.of(w(0, "a", 0, 1), open(0, "b", 2, 5)), Map.of("k", "b")).ok());
    }

    /**
     * Writes that never return (unknown, indefinite) are candidates at every step of the search: with 200 of
     * them pending, proving a stale read non-linearizable would explore subsets of them. Those nobody read are
     * left out first (they change no verdict), so the answer comes at once. The simulation met exactly this.
     */
    @Test
    void manyOpenWritesNobodyReadDoNotBlowUpTheSearch() {
        List<Op> h = new ArrayList<>(List.of(w(0, "a", 0, 1), w(0, "b", 2, 3)));
        for (int i = 0; i < 200; i++) {
            h.add(Op.write(1 + i % 3, "k", "u" + i, 4 + i, 5 + i, i % 2 == 0 ? Outcome.UNKNOWN : Outcome.INDEFINITE));
        }
        h.add(r(4, "u7", 300, 301));
        h.add(r(4, "a", 302, 303)); // b was acknowledged before either read began
        String why = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
                () -> Checker.linearizable(h));
        assertNotNull(why);
        assertTrue(why.startsWith("no linearization"), why);
        assertNull(Checker.linearizable(h.subList(0, h.size() - 1)), "without the stale read it is fine");
    }

    @Test
    void aReadOfAValueNeverWrittenIsCaught() {
        assertNotNull(Checker.linearizable(List.of(w(0, "a", 0, 1), r(1, "zzz", 2, 3))));
    }

    @Test
    void aPlantedLostWriteIsCaught() {
        List<Op> h = List.of(w(0, "a", 0, 1), w(1, "b", 2, 3));
        assertTrue(Checker.check(h, Map.of("k", "b")).ok());
        Checker.Verdict lost = Checker.check(h, Map.of("k", "a"));
        assertEquals(1, lost.lostWrites().size(), lost.toString());
        assertTrue(lost.lostWrites().get(0).startsWith("k: final read returned a but the acknowledged write of b"),
                lost.lostWrites().get(0));
        assertEquals(1, Checker.check(h, Map.of("k", "nothing-here")).lostWrites().size());
        java.util.HashMap<String, String> gone = new java.util.HashMap<>();
        gone.put("k", null);
        assertEquals(1, Checker.check(h, gone).lostWrites().size(), "a key that vanished lost its writes");
    }

    @Test
    void theFinalValueMayBeAnyWriteNotFollowedByAnAcknowledgedOne() {
        List<Op> h = List.of(w(0, "a", 0, 10), w(1, "b", 2, 3), Op.write(2, "k", "c", 4, 5, Outcome.UNKNOWN));
        for (String v : List.of("a", "b", "c")) {
            assertTrue(Checker.check(h, Map.of("k", v)).lostWrites().isEmpty(), v);
        }
    }

    @Test
    void failedReadsAreLeftOut() {
        Op failed = new Op(1, "k", false, "garbage", 4, 5, Outcome.FAIL);
        assertTrue(Checker.check(List.of(w(0, "a", 0, 1), failed), Map.of("k", "a")).ok());
    }

    /** A random correct history: clients take turns on a register; reads overlap writes but return a legal value. */
    static List<Op> correctHistory(Random rnd, int n) {
        List<Op> ops = new ArrayList<>();
        String value = null;
        long t = 0;
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(4);
            long start = t;
            long end = t + 1 + rnd.nextInt(5);
            if (rnd.nextBoolean()) {
                String v = "v" + i;
                int dice = rnd.nextInt(10);
                Outcome o = dice == 0 ? Outcome.UNKNOWN : dice == 1 ? Outcome.ERROR : dice == 2 ? Outcome.INDEFINITE
                        : Outcome.OK;
                ops.add(Op.write(c, "k", v, start, end, o));
                // an optional write takes effect (in its place, so before it returns) or never does
                if (o == Outcome.OK || rnd.nextBoolean()) {
                    value = v;
                }
            } else {
                ops.add(Op.read(c, "k", value, start, end));
            }
            // the next operation may start before this one ends: overlap without changing the order of effects
            t = end - rnd.nextInt(2);
        }
        return ops;
    }

    @Property(tries = 300)
    void correctHistoriesPassAndAMutatedReadIsCaught(@ForAll long seed) {
        Random rnd = new Random(seed);
        List<Op> h = correctHistory(rnd, 40);
        assertNull(Checker.linearizable(h), h.toString());
        // plant a stale read: a read, far after everything, of a value written earlier and overwritten by an acked write
        List<Op> acked = h.stream().filter(o -> o.write() && o.outcome() == Outcome.OK).toList();
        if (acked.size() >= 2) {
            List<Op> planted = new ArrayList<>(h);
            long end = 1_000_000;
            Op last = acked.get(acked.size() - 1);
            planted.add(Op.write(9, "k", "final", end, end + 1, Outcome.OK));
            planted.add(Op.read(9, "k", last.value(), end + 2, end + 3));
            assertFalse(Checker.linearizable(planted) == null, "a stale read of " + last.value() + " passed");
        }
    }

    /**
     * Whether {@code a} must come before {@code b} in any order: it returned before {@code b} was called, or
     * it is an indefinite write and {@code b} an acknowledged write that began after its error came back.
     */
    static boolean mustPrecede(Op a, Op b) {
        if (a.outcome() == Outcome.INDEFINITE) {
            return b.write() && b.outcome() == Outcome.OK && b.invokedAt() > a.completedAt();
        }
        return a.completedAt() < b.invokedAt();
    }

    /** The deliberately naive reference: try every order that respects real time. */
    static boolean naive(List<Op> ops, boolean[] used, String register, int left) {
        if (left == 0) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (used[i]) {
                continue;
            }
            Op op = ops.get(i);
            boolean minimal = true;
            for (int j = 0; j < ops.size() && minimal; j++) {
                minimal = used[j] || j == i || !mustPrecede(ops.get(j), op);
            }
            if (!minimal || (!op.write() && !java.util.Objects.equals(op.value(), register))) {
                continue;
            }
            used[i] = true;
            boolean ok = naive(ops, used, op.write() ? op.value() : register, left - 1);
            used[i] = false;
            if (ok) {
                return true;
            }
        }
        return false;
    }

    @Property(tries = 3000)
    void agreesWithTheNaiveSearchOnSmallRandomHistories(@ForAll long seed) {
        Random rnd = new Random(seed);
        int n = 1 + rnd.nextInt(7);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long from = rnd.nextInt(12);
            long to = from + rnd.nextInt(6);
            String v = "v" + rnd.nextInt(3);
            if (rnd.nextBoolean()) {
                int dice = rnd.nextInt(6);
                ops.add(Op.write(i, "k", v, from, to, dice == 0 ? Outcome.UNKNOWN : dice == 1 ? Outcome.ERROR
                        : dice == 2 ? Outcome.INDEFINITE : Outcome.OK));
            } else {
                ops.add(Op.read(i, "k", rnd.nextInt(4) == 0 ? null : v, from, to));
            }
        }
        // optional writes (unknown, or answered with an error) need not take effect: the naive search tries each
        // subset of them left out, and places the rest inside their intervals (an error's return is finite; an
        // indefinite one's is not, but it must precede the acknowledged writes that began after its error)
        List<Integer> optional = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (ops.get(i).optional()) {
                optional.add(i);
            }
        }
        boolean expected = false;
        for (int mask = 0; mask < (1 << optional.size()) && !expected; mask++) {
            List<Op> kept = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int u = optional.indexOf(i);
                if (u < 0 || (mask & (1 << u)) == 0) {
                    kept.add(ops.get(i));
                }
            }
            expected = naive(kept, new boolean[kept.size()], null, kept.size());
        }
        assertEquals(expected, Checker.linearizable(ops) == null, ops.toString());
    }
}
