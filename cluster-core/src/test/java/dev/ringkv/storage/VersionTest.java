package dev.ringkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Versions are explicit (term, ring version, sequence), compared field by field (DESIGN §1, issue 17 item
 * 2). The values here are where the old packed floor broke: takeover rings are {@code term × 1,000,000},
 * and {@code ringVersion << 40} is negative from ring 8,388,608 on (term 9's 9,000,000 included).
 */
class VersionTest {

    @Test
    void thePackedFloorThisReplacesOverflowedFromTermNine() {
        assertTrue((8_000_000L << 40) > 0, "term 8 still fit");
        assertTrue((9_000_000L << 40) < 0, "term 9 wrapped to a negative floor, which orders nothing");
    }

    @Test
    void aNewerRingWinsInTheSameTermWhateverTheSequences() {
        Version oldRing = new Version(9, 9_000_000, Long.MAX_VALUE - 1);
        Version newRing = new Version(9, 9_000_001, 1);
        assertTrue(newRing.isNewerThan(oldRing));
        assertTrue(oldRing.compareTo(newRing) < 0);
        assertTrue(new Version(12, 12_000_007, 0).isNewerThan(new Version(12, 12_000_006, Long.MAX_VALUE)));
    }

    @Test
    void aNewerTermWinsWhateverTheRingsAndSequences() {
        assertTrue(new Version(10, 10_000_000, 1).isNewerThan(new Version(9, 9_999_999, Long.MAX_VALUE)));
        // the term comes first even against a larger ring version (a node that heard of the new term before
        // its ring arrived stamps the new term with the ring it has)
        assertTrue(new Version(11, 10_000_003, 1).isNewerThan(new Version(10, 10_000_004, 5)));
        assertTrue(new Version(9, 0, 0).isNewerThan(new Version(8, Long.MAX_VALUE, Long.MAX_VALUE)));
    }

    @Test
    void inTheSameTermAndRingTheSequenceDecides() {
        assertTrue(new Version(9, 9_000_000, 6).isNewerThan(new Version(9, 9_000_000, 5)));
        assertEquals(0, new Version(9, 9_000_000, 5).compareTo(new Version(9, 9_000_000, 5)));
        assertEquals(new Version(9, 9_000_000, 5),
                Version.max(new Version(9, 9_000_000, 5), new Version(9, 9_000_000, 4)));
    }

    @Test
    void theOrderIsFieldByFieldOverRandomTriples() {
        Random r = new Random(17);
        List<Version> vs = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            // small ranges so that equal terms and rings are common; large values where the floor overflowed
            vs.add(new Version(9 + r.nextInt(3), 9_000_000L * (1 + r.nextInt(3)) + r.nextInt(3),
                    r.nextBoolean() ? r.nextInt(4) : Long.MAX_VALUE - r.nextInt(4)));
        }
        Collections.shuffle(vs, r);
        vs.sort(null);
        for (int i = 1; i < vs.size(); i++) {
            Version a = vs.get(i - 1);
            Version b = vs.get(i);
            boolean lexicographic = a.term() < b.term() || a.term() == b.term()
                    && (a.ring() < b.ring() || a.ring() == b.ring() && a.seq() <= b.seq());
            assertTrue(lexicographic, a + " sorted before " + b);
            assertEquals(Long.signum(a.compareTo(b)),
                    Long.signum(Version.compare(a.term(), a.ring(), a.seq(), b.term(), b.ring(), b.seq())));
        }
    }

    @Test
    void printsAndHashesTheWholeTriple() {
        assertEquals("10.10000000.42", new Version(10, 10_000_000, 42).toString());
        assertNotEquals(new Version(1, 2, 3), new Version(1, 3, 2));
        Digest a = Digest.EMPTY.plus(1, 2, new Version(9, 9_000_000, 7), false, 5);
        Digest b = Digest.EMPTY.plus(1, 2, new Version(9, 9_000_001, 7), false, 5);
        assertNotEquals(a, b, "replicas that differ only in the ring version disagree");
    }
}
