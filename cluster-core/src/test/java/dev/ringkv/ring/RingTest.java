package dev.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.Test;

class RingTest {

    static final ServerAddress A = new ServerAddress("a", 1);
    static final ServerAddress B = new ServerAddress("b", 2);
    static final ServerAddress C = new ServerAddress("c", 3);
    static final ServerAddress D = new ServerAddress("d", 4);

    /** A at 100, B at 200, C at 300: small numbers so the arcs can be read off. */
    static final Ring ABC = placed(A, 100, B, 200, C, 300);

    static Position at(long v) {
        return new Position(0, v);
    }

    static Ring placed(Object... addrAndPos) {
        Map<ServerAddress, Position> m = new LinkedHashMap<>();
        for (int i = 0; i < addrAndPos.length; i += 2) {
            Object p = addrAndPos[i + 1];
            m.put((ServerAddress) addrAndPos[i], p instanceof Position pos ? pos : at(((Number) p).longValue()));
        }
        return Ring.placed(7, 2, m);
    }

    @Test
    void membersAreInRingOrderWhateverTheInsertionOrder() {
        Ring r = placed(C, 300, A, 100, B, 200);
        assertEquals(List.of(A, B, C), r.members());
        assertEquals(ABC, r);
        assertEquals(ABC.hashCode(), r.hashCode());
        assertEquals(List.of(B, A), placed(A, 5, B, 3).members()); // position decides, not the address
    }

    @Test
    void memberCoordinatesItsOwnPositionAndTheArcBeforeIt() {
        assertEquals(B, ABC.coordinatorOf(at(200)));
        assertEquals(B, ABC.coordinatorOf(at(199)));
        assertEquals(B, ABC.coordinatorOf(at(101)));
        assertEquals(C, ABC.coordinatorOf(at(201)));
        assertEquals(A, ABC.coordinatorOf(at(100)));
    }

    @Test
    void positionsPastTheLastMemberWrapToTheFirst() {
        assertEquals(A, ABC.coordinatorOf(at(301)));
        assertEquals(A, ABC.coordinatorOf(Position.MAX));
        assertEquals(A, ABC.coordinatorOf(Position.ZERO));
        Range r = ABC.rangeOf(A);
        assertEquals(new Range(at(300), at(100)), r);
        assertTrue(r.contains(Position.MAX));
        assertTrue(r.contains(Position.ZERO));
        assertTrue(r.contains(at(100)));
        assertFalse(r.contains(at(300)));
        assertFalse(r.contains(at(101)));
    }

    @Test
    void membersAtZeroAndTheTopOfTheRingSplitTheWrap() {
        Ring r = placed(A, Position.ZERO, B, Position.MAX);
        assertEquals(A, r.coordinatorOf(Position.ZERO));
        assertEquals(B, r.coordinatorOf(at(1)));
        assertEquals(B, r.coordinatorOf(Position.MAX));
        assertEquals(new Range(Position.MAX, Position.ZERO), r.rangeOf(A));
        assertEquals(Math.pow(2, -128), r.ownership(A));
        assertEquals(1.0, r.ownership(B), 1e-15);
    }

    @Test
    void predecessorAndSuccessorWrap() {
        assertEquals(C, ABC.predecessorOf(A));
        assertEquals(A, ABC.successorOf(C));
        assertEquals(B, ABC.successorOf(A));
        assertEquals(B, ABC.predecessorOf(C));
    }

    @Test
    void singleMemberRingCoordinatesTheFullRing() {
        Ring r = new Ring(1, 1, List.of(A));
        Position p = A.position();
        assertEquals(Range.full(p), r.rangeOf(A));
        assertTrue(r.rangeOf(A).isFull());
        assertEquals(A, r.predecessorOf(A));
        assertEquals(A, r.successorOf(A));
        assertEquals(A, r.coordinatorOf(Position.ZERO));
        assertEquals(A, r.coordinatorOf(p));
        assertEquals(List.of(A), r.replicasOf(Position.MAX, 3));
        assertEquals(1.0, r.ownership(A));
    }

    @Test
    void replicasAreTheCoordinatorThenTheNextServersClockwise() {
        assertEquals(List.of(C, A), ABC.replicasOf(at(250), 2));
        assertEquals(List.of(A, B, C), ABC.replicasOf(at(300 + 1), 3));
        assertEquals(List.of(B), ABC.replicasOf(at(200), 1));
    }

    @Test
    void replicasStopAtRingSizeWhenRfIsLarger() {
        assertEquals(List.of(C, A, B), ABC.replicasOf(at(250), 5));
        assertEquals(List.of(C, A, B), ABC.replicasOf(at(250), Integer.MAX_VALUE));
    }

    @Test
    void replicaRangeStartsAtTheRfthPredecessor() {
        Ring r = placed(A, 100, B, 200, C, 300, D, 400);
        assertEquals(new Range(at(200), at(400)), r.replicaRangeOf(D, 2));
        assertEquals(new Range(at(300), at(100)), r.replicaRangeOf(A, 2));
        assertEquals(new Range(at(200), at(100)), r.replicaRangeOf(A, 3));
        assertEquals(r.rangeOf(B), r.replicaRangeOf(B, 1));
        assertTrue(r.isResponsible(A, at(250), 3));
        assertTrue(r.isResponsible(A, Position.MAX, 3));
        assertFalse(r.isResponsible(A, at(150), 3));
        assertFalse(r.isResponsible(A, at(200), 3));
    }

    @Test
    void replicaRangeIsTheFullRingWhenTheRingIsNoLargerThanRf() {
        assertEquals(Range.full(at(200)), ABC.replicaRangeOf(B, 3));
        assertEquals(Range.full(at(200)), ABC.replicaRangeOf(B, 4));
        assertTrue(ABC.isResponsible(B, at(150), 3));
    }

    @Test
    void serverOutsideTheRingIsResponsibleForNothing() {
        assertFalse(ABC.isResponsible(D, at(150), 3));
    }

    @Test
    void tiedPositionsAreRejectedNamingBothServers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> placed(B, 100, A, 100, C, 300));
        assertTrue(e.getMessage().contains("a:1 and b:2"), e.getMessage());
        assertTrue(e.getMessage().contains(at(100).hex()), e.getMessage());
    }

    @Test
    void serverPositionIsTheMd5OfHostColonPort() throws Exception {
        byte[] digest = MessageDigest.getInstance("MD5").digest("localhost:5100".getBytes(StandardCharsets.UTF_8));
        String expected = String.format("%032x", new BigInteger(1, digest));
        ServerAddress s = new ServerAddress("localhost", 5100);
        assertEquals("ab2bd578b78979e9d15ce0bfade24987", expected);
        assertEquals(expected, s.position().hex());
        assertEquals(expected, new Ring(0, 0, List.of(s)).positionOf(s).hex());
    }

    @Test
    void coordinatorOfAKeyIsTheCoordinatorOfItsMd5() {
        Ring r = new Ring(0, 0, List.of(A, B, C, D));
        byte[] key = "user:42".getBytes(StandardCharsets.UTF_8);
        assertEquals(r.coordinatorOf(Hashing.position(key)), r.coordinatorOf(key));
        assertEquals(r.replicasOf(Hashing.position(key), 3), r.replicasOf(key, 3));
    }

    @Test
    void emptyRingHasNoCoordinator() {
        Ring empty = new Ring(0, 0, List.of());
        assertTrue(empty.isEmpty());
        assertEquals(0, empty.size());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> empty.coordinatorOf(at(1)));
        assertEquals("empty ring", e.getMessage());
        assertThrows(IllegalStateException.class, () -> empty.replicasOf(at(1), 3));
    }

    @Test
    void badInputIsRejectedWithAClearMessage() {
        assertMessage("d:4 is not a member of ring v7", () -> ABC.positionOf(D));
        assertMessage("d:4 is not a member of ring v7", () -> ABC.rangeOf(D));
        assertMessage("d:4 is not a member of ring v7", () -> ABC.withoutMember(D));
        assertMessage("a:1 is already a member of ring v7", () -> ABC.withMember(A));
        assertMessage("replication factor must be >= 1, got 0", () -> ABC.replicasOf(at(1), 0));
        assertMessage("replication factor must be >= 1, got 0", () -> ABC.replicaRangeOf(A, 0));
        assertMessage("duplicate member a:1", () -> new Ring(0, 0, List.of(A, B, A)));
        assertMessage("version and term must be >= 0, got version -1, term 0", () -> new Ring(-1, 0, List.of()));
        assertMessage("term cannot go back from 2 to 1", () -> ABC.withTerm(1));
    }

    private static void assertMessage(String message, Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void addingOrRemovingAMemberBumpsTheVersionAndKeepsTheTerm() {
        Ring r = new Ring(4, 9, List.of(A, B));
        Ring grown = r.withMember(C);
        assertEquals(5, grown.version());
        assertEquals(9, grown.term());
        assertTrue(grown.contains(C));
        assertFalse(r.contains(C)); // the original is untouched
        Ring shrunk = grown.withoutMember(A);
        assertEquals(6, shrunk.version());
        assertEquals(new Ring(6, 9, List.of(B, C)), shrunk);
    }

    @Test
    void newTermBumpsTheVersionAndNeverGoesBack() {
        Ring r = new Ring(4, 9, List.of(A, B)).withTerm(10);
        assertEquals(5, r.version());
        assertEquals(10, r.term());
        assertEquals(List.of(A, B), r.members().stream().sorted().toList());
        assertEquals(6, r.withTerm(10).version());
        assertThrows(IllegalArgumentException.class, () -> r.withTerm(9));
    }

    @Test
    void ringsDifferingInVersionOrTermAreNotEqual() {
        Ring r = new Ring(4, 9, List.of(A, B));
        assertEquals(new Ring(4, 9, List.of(B, A)), r);
        assertNotEquals(new Ring(5, 9, List.of(A, B)), r);
        assertNotEquals(new Ring(4, 8, List.of(A, B)), r);
        assertNotEquals(new Ring(4, 9, List.of(A)), r);
        assertTrue(ABC.toString().startsWith("Ring{v7 term 2: a:1@00000000"), ABC.toString());
    }

    @Test
    void ownershipIsTheCoordinatedFractionAndSumsToOne() {
        Ring quarters = placed(A, Position.of(BigInteger.ONE.shiftLeft(126)), B, Position.of(BigInteger.ONE.shiftLeft(127)),
                C, Position.MAX);
        assertEquals(0.25, quarters.ownership(A), 1e-15); // 2^126 + 1 positions: zero is in the wrapping arc
        assertEquals(0.25, quarters.ownership(B), 0.0);
        assertEquals(0.5, quarters.ownership(C), 1e-15);
        Ring real = new Ring(0, 0, List.of(A, B, C, D, new ServerAddress("localhost", 5100)));
        double sum = real.members().stream().mapToDouble(real::ownership).sum();
        assertEquals(1.0, sum, 1e-12);
    }
}
