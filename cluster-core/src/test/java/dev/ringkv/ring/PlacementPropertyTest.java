package dev.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link Placement} checked position by position against {@link NaiveRing} replica sets, at random
 * positions and at every member position of either ring and its neighbours.
 */
class PlacementPropertyTest {

    /** A membership change: the servers before and after, and the replication factor. */
    record Change(List<ServerAddress> before, List<ServerAddress> after, int rf) {
        Ring beforeRing() {
            return new Ring(1, 1, before);
        }

        Ring afterRing() {
            return new Ring(2, 1, after);
        }

        NaiveRing naiveBefore() {
            return new NaiveRing(before);
        }

        NaiveRing naiveAfter() {
            return new NaiveRing(after);
        }
    }

    static Arbitrary<Integer> rfs() {
        return Arbitraries.integers().between(1, 4);
    }

    /** Any two subsets of a pool of servers: several joins, leaves and crashes at once, empty rings too. */
    static Arbitrary<Change> anyChange() {
        return RingArbitraries.members(1, 12).flatMap(pool -> {
            Arbitrary<Integer> masks = Arbitraries.integers().between(0, (1 << pool.size()) - 1);
            return Combinators.combine(masks, masks, rfs())
                    .as((b, a, rf) -> new Change(subset(pool, b), subset(pool, a), rf));
        });
    }

    static List<ServerAddress> subset(List<ServerAddress> pool, int mask) {
        List<ServerAddress> s = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                s.add(pool.get(i));
            }
        }
        return s;
    }

    /** One server joins a non-empty ring (the last of the list is the joiner). */
    static Arbitrary<Change> join() {
        return Combinators.combine(RingArbitraries.members(2, 12), rfs())
                .as((all, rf) -> new Change(all.subList(0, all.size() - 1), all, rf));
    }

    /** One server leaves a ring (the last of the list is the leaver). */
    static Arbitrary<Change> leave() {
        return Combinators.combine(RingArbitraries.members(1, 12), rfs())
                .as((all, rf) -> new Change(all, all.subList(0, all.size() - 1), rf));
    }

    @Provide
    Arbitrary<Change> changes() {
        return Arbitraries.oneOf(anyChange(), anyChange(), join(), leave());
    }

    @Provide
    Arbitrary<Change> joins() {
        return join();
    }

    @Provide
    Arbitrary<Change> leaves() {
        return leave();
    }

    @Provide
    Arbitrary<List<BigInteger>> keys() {
        return RingArbitraries.keys();
    }

    static List<BigInteger> samples(Change c, List<BigInteger> keys) {
        List<BigInteger> s = new ArrayList<>(keys);
        s.addAll(c.naiveBefore().boundaries());
        s.addAll(c.naiveAfter().boundaries());
        return s;
    }

    static List<Transfer> covering(List<Transfer> transfers, BigInteger k) {
        Position p = Position.of(k);
        return transfers.stream().filter(t -> t.range().contains(p)).toList();
    }

    @Property(tries = 1000)
    void applyingTheTransfersGivesEveryNewHolderItsDataFromAnOldHolder(@ForAll("changes") Change c,
                                                                       @ForAll("keys") List<BigInteger> keys) {
        List<Transfer> transfers = Placement.diff(c.beforeRing(), c.afterRing(), c.rf());
        NaiveRing before = c.naiveBefore();
        NaiveRing after = c.naiveAfter();
        for (BigInteger k : samples(c, keys)) {
            List<ServerAddress> oldHolders = before.replicas(k, c.rf());
            Set<ServerAddress> have = new HashSet<>(oldHolders);
            for (Transfer t : covering(transfers, k)) {
                assertTrue(oldHolders.contains(t.from()), () -> t + " but " + t.from() + " never held " + k);
                have.add(t.to());
            }
            if (!oldHolders.isEmpty()) {
                assertTrue(have.containsAll(after.replicas(k, c.rf())), () -> "at " + k + " after " + transfers);
            }
        }
    }

    @Property(tries = 1000)
    void eachGainedHolderReceivesOncePreferablyFromTheSurvivingOldCoordinator(
            @ForAll("changes") Change c, @ForAll("keys") List<BigInteger> keys) {
        List<Transfer> transfers = Placement.diff(c.beforeRing(), c.afterRing(), c.rf());
        for (BigInteger k : samples(c, keys)) {
            List<ServerAddress> oldHolders = c.naiveBefore().replicas(k, c.rf());
            if (oldHolders.isEmpty()) {
                continue;
            }
            ServerAddress preferred = oldHolders.stream().filter(c.after()::contains).findFirst()
                    .orElse(oldHolders.get(0));
            List<Transfer> here = covering(transfers, k);
            for (ServerAddress h : c.naiveAfter().replicas(k, c.rf())) {
                if (!oldHolders.contains(h)) {
                    List<ServerAddress> sources = here.stream().filter(t -> t.to().equals(h)).map(Transfer::from).toList();
                    assertEquals(List.of(preferred), sources, () -> h + " at " + k + " in " + transfers);
                }
            }
        }
    }

    @Property(tries = 1000)
    void noTransferCoversAPositionWhoseHoldersGainedNobody(@ForAll("changes") Change c,
                                                          @ForAll("keys") List<BigInteger> keys) {
        List<Transfer> transfers = Placement.diff(c.beforeRing(), c.afterRing(), c.rf());
        for (BigInteger k : samples(c, keys)) {
            List<ServerAddress> oldHolders = c.naiveBefore().replicas(k, c.rf());
            List<ServerAddress> newHolders = c.naiveAfter().replicas(k, c.rf());
            for (Transfer t : covering(transfers, k)) {
                assertTrue(newHolders.contains(t.to()) && !oldHolders.contains(t.to()),
                        () -> t + " covers " + k + " held by " + oldHolders + " then " + newHolders);
            }
        }
    }

    @Property(tries = 1000)
    void transfersAreMaximalArcsCutOnlyAtMemberPositionsInAFixedOrder(@ForAll("changes") Change c) {
        List<Transfer> transfers = Placement.diff(c.beforeRing(), c.afterRing(), c.rf());
        Set<Position> cuts = new HashSet<>();
        c.before().forEach(m -> cuts.add(m.position()));
        c.after().forEach(m -> cuts.add(m.position()));
        for (Transfer t : transfers) {
            assertTrue(cuts.contains(t.range().from()) && cuts.contains(t.range().to()), t::toString);
            for (Transfer u : transfers) {
                if (t != u && t.from().equals(u.from()) && t.to().equals(u.to())) {
                    assertNotEquals(t.range().to(), u.range().from(), () -> t + " and " + u + " should be one");
                    assertTrue(!t.range().isFull(), () -> t + " besides " + u);
                }
            }
        }
        List<Transfer> sorted = new ArrayList<>(transfers);
        sorted.sort(Comparator.comparing((Transfer t) -> t.range().from()).thenComparing(Transfer::to)
                .thenComparing(Transfer::from));
        assertEquals(sorted, transfers);
    }

    @Property(tries = 1000)
    void droppedIsExactlyWhatEachServerHeldAndNoLongerHolds(@ForAll("changes") Change c,
                                                            @ForAll("keys") List<BigInteger> keys) {
        Map<ServerAddress, List<Range>> dropped = Placement.dropped(c.beforeRing(), c.afterRing(), c.rf());
        List<ServerAddress> order = c.beforeRing().members().stream().filter(dropped::containsKey).toList();
        assertEquals(order, List.copyOf(dropped.keySet()));
        for (BigInteger k : samples(c, keys)) {
            Position p = Position.of(k);
            List<ServerAddress> oldHolders = c.naiveBefore().replicas(k, c.rf());
            List<ServerAddress> newHolders = c.naiveAfter().replicas(k, c.rf());
            for (ServerAddress m : c.before()) {
                long arcs = dropped.getOrDefault(m, List.of()).stream().filter(r -> r.contains(p)).count();
                long expected = oldHolders.contains(m) && !newHolders.contains(m) ? 1 : 0;
                assertEquals(expected, arcs, () -> m + " at " + k + ": " + dropped.get(m));
            }
        }
    }

    @Property(tries = 500)
    void joinWithRf1MovesOnlyTheNewMembersArcAllToIt(@ForAll("joins") Change c, @ForAll("keys") List<BigInteger> keys) {
        Ring after = c.afterRing();
        ServerAddress joiner = c.after().get(c.after().size() - 1);
        List<Transfer> transfers = Placement.diff(c.beforeRing(), after, 1);
        assertEquals(List.of(new Transfer(after.rangeOf(joiner), after.successorOf(joiner), joiner)), transfers);
        for (BigInteger k : samples(c, keys)) {
            boolean moves = c.naiveAfter().coordinator(k).equals(joiner);
            assertEquals(moves, !covering(transfers, k).isEmpty(), () -> "at " + k);
        }
    }

    @Property(tries = 500)
    void joinMovesDataOnlyToTheNewMemberAndExactlyItsReplicaRange(@ForAll("joins") Change c,
                                                                  @ForAll("keys") List<BigInteger> keys) {
        Ring after = c.afterRing();
        ServerAddress joiner = c.after().get(c.after().size() - 1);
        List<Transfer> transfers = Placement.diff(c.beforeRing(), after, c.rf());
        assertTrue(transfers.stream().allMatch(t -> t.to().equals(joiner)), transfers::toString);
        Range wanted = after.replicaRangeOf(joiner, c.rf());
        for (BigInteger k : samples(c, keys)) {
            int expected = wanted.contains(Position.of(k)) ? 1 : 0;
            assertEquals(expected, covering(transfers, k).size(), () -> "at " + k + " in " + transfers);
        }
    }

    @Property(tries = 500)
    void leaveWithRf1MovesOnlyTheLeaversKeysToItsSuccessor(@ForAll("leaves") Change c) {
        Ring before = c.beforeRing();
        ServerAddress leaver = c.before().get(c.before().size() - 1);
        List<Transfer> transfers = Placement.diff(before, c.afterRing(), 1);
        if (before.size() == 1) {
            assertEquals(List.of(), transfers); // nobody is left to receive anything
        } else {
            assertEquals(List.of(new Transfer(before.rangeOf(leaver), leaver, before.successorOf(leaver))), transfers);
        }
    }

    @Property(tries = 500)
    void leaveMovesOnlyWhatTheLeaverHeldAndFromItOnlyWhenNobodyElseHasIt(@ForAll("leaves") Change c,
                                                                         @ForAll("keys") List<BigInteger> keys) {
        Ring before = c.beforeRing();
        ServerAddress leaver = c.before().get(c.before().size() - 1);
        List<Transfer> transfers = Placement.diff(before, c.afterRing(), c.rf());
        for (BigInteger k : samples(c, keys)) {
            boolean leaverHeld = before.isResponsible(leaver, Position.of(k), c.rf());
            List<Transfer> here = covering(transfers, k);
            assertTrue(leaverHeld || here.isEmpty(), () -> here + " though the leaver never held " + k);
            assertTrue(here.size() <= 1, here::toString);
            here.forEach(t -> assertEquals(c.rf() == 1, t.from().equals(leaver), t::toString));
        }
    }

    @Property(tries = 500)
    void diffIsTheSameWhateverOrderMembersArriveIn(@ForAll("changes") Change c, @ForAll long seed) {
        Random random = new Random(seed);
        List<ServerAddress> before = new ArrayList<>(c.before());
        List<ServerAddress> after = new ArrayList<>(c.after());
        Collections.shuffle(before, random);
        Collections.shuffle(after, random);
        Ring b = new Ring(1, 1, before);
        Ring a = new Ring(2, 1, after);
        assertEquals(Placement.diff(c.beforeRing(), c.afterRing(), c.rf()), Placement.diff(b, a, c.rf()));
        assertEquals(Placement.dropped(c.beforeRing(), c.afterRing(), c.rf()), Placement.dropped(b, a, c.rf()));
        assertEquals(List.copyOf(Placement.dropped(c.beforeRing(), c.afterRing(), c.rf()).keySet()),
                List.copyOf(Placement.dropped(b, a, c.rf()).keySet()));
    }
}
