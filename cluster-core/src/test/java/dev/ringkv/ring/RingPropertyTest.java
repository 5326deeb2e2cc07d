package dev.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** {@link Ring} against {@link NaiveRing} on random rings of 1–12 servers, at random and boundary positions. */
class RingPropertyTest {

    @Provide
    Arbitrary<List<ServerAddress>> members() {
        return RingArbitraries.members(1, 12);
    }

    @Provide
    Arbitrary<List<BigInteger>> keys() {
        return RingArbitraries.keys();
    }

    static List<BigInteger> samples(NaiveRing naive, List<BigInteger> keys) {
        List<BigInteger> s = new ArrayList<>(keys);
        s.addAll(naive.boundaries());
        return s;
    }

    @Property(tries = 1000)
    void everyKeyHasExactlyOneCoordinator(@ForAll("members") List<ServerAddress> members,
                                          @ForAll("keys") List<BigInteger> keys) {
        Ring ring = new Ring(1, 1, members);
        for (BigInteger k : samples(new NaiveRing(members), keys)) {
            Position p = Position.of(k);
            List<ServerAddress> owners = members.stream().filter(m -> ring.rangeOf(m).contains(p)).toList();
            assertEquals(List.of(ring.coordinatorOf(p)), owners, () -> "at " + p + " in " + ring);
        }
    }

    @Property(tries = 1000)
    void coordinatorAgreesWithNaiveReference(@ForAll("members") List<ServerAddress> members,
                                             @ForAll("keys") List<BigInteger> keys) {
        Ring ring = new Ring(1, 1, members);
        NaiveRing naive = new NaiveRing(members);
        for (BigInteger k : samples(naive, keys)) {
            assertEquals(naive.coordinator(k), ring.coordinatorOf(Position.of(k)), () -> "at " + k + " in " + ring);
        }
    }

    @Property(tries = 500)
    void keysAreRoutedByTheMd5OfTheirBytes(@ForAll("members") List<ServerAddress> members, @ForAll byte[] key,
                                           @ForAll @IntRange(min = 1, max = 5) int rf) {
        Ring ring = new Ring(1, 1, members);
        NaiveRing naive = new NaiveRing(members);
        BigInteger k = NaiveRing.md5(key);
        assertEquals(naive.coordinator(k), ring.coordinatorOf(key));
        assertEquals(naive.replicas(k, rf), ring.replicasOf(key, rf));
    }

    @Property(tries = 1000)
    void replicasAgreeWithNaiveReference(@ForAll("members") List<ServerAddress> members,
                                         @ForAll("keys") List<BigInteger> keys,
                                         @ForAll @IntRange(min = 1, max = 14) int rf) {
        Ring ring = new Ring(1, 1, members);
        NaiveRing naive = new NaiveRing(members);
        for (BigInteger k : samples(naive, keys)) {
            List<ServerAddress> replicas = ring.replicasOf(Position.of(k), rf);
            assertEquals(naive.replicas(k, rf), replicas, () -> "at " + k + " rf " + rf + " in " + ring);
            assertEquals(Math.min(rf, members.size()), replicas.stream().distinct().count());
        }
    }

    @Property(tries = 1000)
    void rangeOfRunsFromTheNaivePredecessorToTheMember(@ForAll("members") List<ServerAddress> members) {
        Ring ring = new Ring(1, 1, members);
        NaiveRing naive = new NaiveRing(members);
        for (ServerAddress m : members) {
            ServerAddress pred = naive.predecessor(m);
            assertEquals(pred, ring.predecessorOf(m));
            assertEquals(m, ring.successorOf(pred));
            assertEquals(new Range(Position.of(naive.position(pred)), Position.of(naive.position(m))), ring.rangeOf(m));
            assertEquals(Position.of(naive.position(m)), ring.positionOf(m));
        }
    }

    @Property(tries = 500)
    void replicaRangeHoldsExactlyThePositionsWhoseReplicaSetIncludesTheMember(
            @ForAll("members") List<ServerAddress> members, @ForAll("keys") List<BigInteger> keys,
            @ForAll @IntRange(min = 1, max = 14) int rf) {
        Ring ring = new Ring(1, 1, members);
        NaiveRing naive = new NaiveRing(members);
        for (BigInteger k : samples(naive, keys)) {
            Position p = Position.of(k);
            List<ServerAddress> replicas = naive.replicas(k, rf);
            for (ServerAddress m : members) {
                boolean holds = replicas.contains(m);
                assertEquals(holds, ring.replicaRangeOf(m, rf).contains(p), () -> m + " at " + p + " rf " + rf);
                assertEquals(holds, ring.isResponsible(m, p, rf), () -> m + " at " + p + " rf " + rf);
            }
        }
    }

    @Property(tries = 500)
    void ringIsTheSameWhateverOrderMembersArriveIn(@ForAll("members") List<ServerAddress> members,
                                                   @ForAll long seed) {
        List<ServerAddress> shuffled = new ArrayList<>(members);
        Collections.shuffle(shuffled, new Random(seed));
        Ring a = new Ring(3, 2, members);
        Ring b = new Ring(3, 2, shuffled);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.members(), b.members());
        assertEquals(a.keyrangeText(), b.keyrangeText());
        Ring grown = new Ring(3, 2, List.of(shuffled.get(0)));
        for (ServerAddress m : shuffled.subList(1, shuffled.size())) {
            grown = grown.withMember(m);
        }
        assertEquals(a.members(), grown.members());
        assertEquals(3 + members.size() - 1, grown.version());
    }

    @Property(tries = 500)
    void keyrangeTextRoundTrips(@ForAll("members") List<ServerAddress> members, @ForAll @IntRange(min = 1, max = 5) int rf) {
        Ring ring = new Ring(42, 0, members);
        assertEquals(ring, Ring.parseKeyrange(ring.keyrangeText(), 42));
        String[] read = ring.keyrangeReadText(rf).split(";");
        for (int i = 0; i < read.length; i++) {
            ServerAddress m = ring.members().get(i);
            Range r = ring.replicaRangeOf(m, rf);
            assertEquals(r.from().hex() + "," + r.to().hex() + "," + m, read[i]);
        }
    }

    @Property(tries = 500)
    void ownershipSumsToOne(@ForAll("members") List<ServerAddress> members) {
        Ring ring = new Ring(1, 1, members);
        double sum = 0;
        for (ServerAddress m : members) {
            double share = ring.ownership(m);
            assertTrue(share > 0 && share <= 1, () -> m + " owns " + share);
            sum += share;
        }
        assertEquals(1.0, sum, 1e-12);
    }
}
