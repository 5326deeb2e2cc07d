package dev.ringkv.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The suspicion a silence earns, given the intervals between a member's answers so far. */
class PhiAccrualTest {

    private static PhiAccrual calm() {
        PhiAccrual p = new PhiAccrual(100);
        for (int i = 0; i < PhiAccrual.WINDOW; i++) {
            p.interval(100);
        }
        return p;
    }

    @Test
    void aCalmMemberIsSuspectAfterThreeHeartbeatsOfSilenceButNotAfterTwo() {
        PhiAccrual p = calm();
        assertTrue(p.phi(200) < Ecs.SUSPECT_PHI, "one late answer: " + p.phi(200));
        assertTrue(p.phi(310) >= Ecs.SUSPECT_PHI, "three heartbeats: " + p.phi(310));
        assertTrue(p.phi(400) >= Ecs.CONVICT_PHI, "a lease's length: " + p.phi(400));
        long at = p.silenceFor(Ecs.SUSPECT_PHI);
        assertTrue(p.phi(at - 1) < Ecs.SUSPECT_PHI && p.phi(at) >= Ecs.SUSPECT_PHI, "one millisecond before, one after: " + at);
    }

    @Test
    void theSameSilenceFromAMemberThatHasAnsweredLateAllAlongIsNotSuspicious() {
        PhiAccrual p = new PhiAccrual(100);
        for (int i = 0; i < PhiAccrual.WINDOW / 2; i++) {
            p.interval(100);
            p.interval(450); // a loaded machine: every other answer held up
        }
        assertTrue(p.phi(310) < Ecs.SUSPECT_PHI, "phi " + p.phi(310));
        assertTrue(p.phi(800) < Ecs.CONVICT_PHI, "two timeouts: phi " + p.phi(800));
        assertTrue(p.silenceFor(Ecs.CONVICT_PHI) > 900, "convicted after " + p.silenceFor(Ecs.CONVICT_PHI) + " ms");
    }

    @Test
    void theWindowForgetsAJitteryPastOnceTheLinkIsCalmAgain() {
        PhiAccrual p = new PhiAccrual(100);
        for (int i = 0; i < PhiAccrual.WINDOW; i++) {
            p.interval(i % 2 == 0 ? 100 : 450);
        }
        for (int i = 0; i < PhiAccrual.WINDOW; i++) {
            p.interval(100);
        }
        assertEquals(100, p.mean(), 1e-9);
        assertTrue(p.phi(310) >= Ecs.SUSPECT_PHI);
    }

    @Test
    void noHistoryMeansTheHeartbeatIntervalAndAPartitionsGapIsCapped() {
        PhiAccrual p = new PhiAccrual(100);
        assertEquals(100, p.mean(), 1e-9);
        assertEquals(50, p.stdDev(), 1e-9);
        p.interval(3_600_000);
        p.interval(100);
        assertEquals((PhiAccrual.MAX_INTERVAL_MILLIS + 100) / 2.0, p.mean(), 1e-9);
        assertTrue(p.phi(0) < 1);
    }
}
