package dev.ringkv.ring;

import static dev.ringkv.ring.RingTest.A;
import static dev.ringkv.ring.RingTest.B;
import static dev.ringkv.ring.RingTest.C;
import static dev.ringkv.ring.RingTest.D;
import static dev.ringkv.ring.RingTest.at;
import static dev.ringkv.ring.RingTest.placed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {

    static final ServerAddress E = new ServerAddress("e", 5);
    static final ServerAddress X = new ServerAddress("x", 9);

    /** A..E at 100..500. */
    static final Ring FIVE = placed(A, 100, B, 200, C, 300, D, 400, E, 500);

    static Ring fiveWithXAt250() {
        return placed(A, 100, B, 200, X, 250, C, 300, D, 400, E, 500);
    }

    static Transfer move(long from, long to, ServerAddress source, ServerAddress target) {
        return new Transfer(new Range(at(from), at(to)), source, target);
    }

    @Test
    void joinWithRf1MovesTheJoinersArcFromItsSuccessor() {
        assertEquals(List.of(move(200, 250, C, X)), Placement.diff(FIVE, fiveWithXAt250(), 1));
        assertEquals(Map.of(C, List.of(new Range(at(200), at(250)))), Placement.dropped(FIVE, fiveWithXAt250(), 1));
    }

    @Test
    void leaveWithRf1HandsTheLeaversArcToItsSuccessor() {
        assertEquals(List.of(move(200, 250, X, C)), Placement.diff(fiveWithXAt250(), FIVE, 1));
        assertEquals(Map.of(X, List.of(new Range(at(200), at(250)))), Placement.dropped(fiveWithXAt250(), FIVE, 1));
    }

    @Test
    void joinWithRf3FillsTheJoinersReplicaRangeFromEachArcsOldCoordinator() {
        // X now holds (D, X] = (400, 250]: three arcs, each from the server that coordinated it before
        assertEquals(List.of(move(100, 200, B, X), move(200, 250, C, X), move(500, 100, A, X)),
                Placement.diff(FIVE, fiveWithXAt250(), 3));
        // and the server that was third in line for each arc lets it go
        assertEquals(Map.of(
                        C, List.of(new Range(at(500), at(100))),
                        D, List.of(new Range(at(100), at(200))),
                        E, List.of(new Range(at(200), at(250)))),
                Placement.dropped(FIVE, fiveWithXAt250(), 3));
    }

    @Test
    void crashWithRf3RestoresReplicasFromSurvivorsOnly() {
        Ring after = FIVE.withoutMember(C); // C crashed: it cannot be a source
        // (100, 200]: B,C,D -> B,D,E;  (200, 300]: C,D,E -> D,E,A;  (500, 100]: A,B,C -> A,B,D
        assertEquals(List.of(move(100, 200, B, E), move(200, 300, D, A), move(500, 100, A, D)),
                Placement.diff(FIVE, after, 3));
        assertEquals(List.of(C), List.copyOf(Placement.dropped(FIVE, after, 3).keySet()));
        assertEquals(List.of(new Range(at(500), at(300))), Placement.dropped(FIVE, after, 3).get(C));
    }

    @Test
    void withNoSurvivingHolderTheOldCoordinatorIsStillNamed() {
        Ring before = placed(A, 100);
        Ring after = placed(B, 200);
        assertEquals(List.of(new Transfer(new Range(at(200), at(200)), A, B)), Placement.diff(before, after, 1));
        assertEquals(Map.of(A, List.of(Range.full(at(200)))), Placement.dropped(before, after, 1));
    }

    @Test
    void secondServerReceivesTheFullRingWhenRfCoversBoth() {
        List<Transfer> t = Placement.diff(placed(A, 100), placed(A, 100, B, 200), 2);
        assertEquals(1, t.size());
        assertEquals(A, t.get(0).from());
        assertEquals(B, t.get(0).to());
        assertTrue(t.get(0).range().isFull());
        assertEquals(Map.of(), Placement.dropped(placed(A, 100), placed(A, 100, B, 200), 2));
    }

    @Test
    void arcsOfTheSameMoveMergeAcrossZero() {
        // rf 2; X joins at 50 and D at 400 around zero. The cut at 400 (D's) separates two arcs that
        // both go A -> X: they must come out as one transfer (300, 50].
        Ring before = placed(A, 100, B, 200, C, 300);
        Ring after = placed(X, 50, A, 100, B, 200, C, 300, D, 400);
        assertEquals(List.of(move(200, 300, C, D), move(300, 400, A, D), move(300, 50, A, X)),
                Placement.diff(before, after, 2));
        assertEquals(Map.of(A, List.of(new Range(at(200), at(400))), B, List.of(new Range(at(300), at(50)))),
                Placement.dropped(before, after, 2));
    }

    @Test
    void joinAtTheBottomOfTheRingTakesTheArcAcrossZero() {
        // D joins at 50 with rf 1: it takes (C, D] = (300, 50] from A, one arc across zero
        Ring before = placed(A, 100, B, 200, C, 300);
        Ring after = placed(D, 50, A, 100, B, 200, C, 300);
        assertEquals(List.of(move(300, 50, A, D)), Placement.diff(before, after, 1));
        // and back: the leaver's arc goes to its successor, still one transfer
        assertEquals(List.of(move(300, 50, D, A)), Placement.diff(after, before, 1));
    }

    @Test
    void nothingMovesBetweenIdenticalRingsOrOutOfAnEmptyOne() {
        assertEquals(List.of(), Placement.diff(FIVE, FIVE.withTerm(3), 3));
        assertEquals(Map.of(), Placement.dropped(FIVE, FIVE, 3));
        Ring empty = new Ring(0, 0, List.of());
        assertEquals(List.of(), Placement.diff(empty, FIVE, 3));
        assertEquals(List.of(), Placement.diff(empty, empty, 3));
        assertEquals(List.of(), Placement.diff(FIVE, empty, 3));
        assertEquals(List.of(A, B, C, D, E), List.copyOf(Placement.dropped(FIVE, empty, 1).keySet()));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Placement.diff(FIVE, FIVE, 0));
        assertThrows(IllegalArgumentException.class, () -> Placement.dropped(FIVE, FIVE, 0));
        assertThrows(NullPointerException.class, () -> Placement.diff(null, FIVE, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Transfer(Range.full(at(1)), A, A));
        assertEquals("a transfer needs two servers, got a:1 twice", e.getMessage());
    }
}
