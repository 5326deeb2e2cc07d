package dev.ringkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Seeds;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Slow is not dead (issue 18): on a busy machine a healthy server is stalled again and again — the CPU
 * given to others, a GC — and answers late. It must not be declared DOWN for it (taken out, its keys
 * re-replicated, then let back in), while a crash is still found as fast as before and a server that
 * goes silent for good is still found in the end.
 */
class StallSimulationTest {

    /** Stalls {@code victim} for 100–650 ms every 200–900 ms, for {@code millis}; returns whether it ever left the ring. */
    private static boolean stallRepeatedly(SimCluster c, ServerAddress victim, Random r, long millis) {
        return stallRepeatedly(c, victim, r, millis, 200, 900, 100, 650);
    }

    /** Stalls {@code victim} for {@code stallMin}–{@code stallMax} ms every {@code gapMin}–{@code gapMax} ms. */
    private static boolean stallRepeatedly(SimCluster c, ServerAddress victim, Random r, long millis, int gapMin,
            int gapMax, int stallMin, int stallMax) {
        boolean left = false;
        long end = c.sim.now() + millis;
        while (c.sim.now() < end) {
            for (long t = gapMin + r.nextInt(gapMax - gapMin); t > 0; t -= 10) {
                c.sim.runFor(10);
                left |= !c.ecs().ring().contains(victim);
            }
            c.sim.pause(victim);
            for (long t = stallMin + r.nextInt(stallMax - stallMin); t > 0; t -= 10) {
                c.sim.runFor(10);
                left |= !c.ecs().ring().contains(victim);
            }
            c.sim.resume(victim);
        }
        return left;
    }

    @Test
    void aServerStalledOftenButBrieflyStaysInTheRingAndItsCrashIsStillFoundAtOnce() {
        Seeds.run(5, 48_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 3)) {
                ServerAddress victim = c.upMembers().get(1);
                Random r = new Random(seed);
                ClusterSimulationTest.underLoad(c, seed, 30_000, 20, () ->
                        assertTrue(!stallRepeatedly(c, victim, r, 20_000),
                                "a server stalled for at most 650 ms at a time was taken out of the ring: "
                                        + ClusterSimulationTest.describe(c)));
                assertEquals(3, c.ecs().ring().size());
                c.sim.crash(victim);
                long crashedAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 5_000), "the crash was never noticed");
                long detected = c.sim.now() - crashedAt;
                // refused connections: DOWN once its lease has run out, whatever its history of stalls
                assertTrue(detected <= 600, "a crash found after " + detected + " ms");
            }
        });
    }

    @Test
    void aServerThatGoesSilentForGoodAfterAHistoryOfStallsIsStillTakenOut() {
        Seeds.run(5, 49_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 3)) {
                ServerAddress victim = c.upMembers().get(2);
                stallRepeatedly(c, victim, new Random(seed), 10_000);
                c.sim.pause(victim); // silent, no refusal: a machine gone, or a silent partition
                long pausedAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 10_000), "never taken out");
                long detected = c.sim.now() - pausedAt;
                assertTrue(detected <= 4_200, "taken out after " + detected + " ms (ten timeouts at most)");
            }
        });
    }

    /** Stalls {@code victim} once for {@code millis}; returns whether it left the ring meanwhile or just after. */
    private static boolean stallOnce(SimCluster c, ServerAddress victim, long millis) {
        c.sim.pause(victim);
        boolean left = c.sim.runUntil(() -> !c.ecs().ring().contains(victim), millis);
        c.sim.resume(victim);
        return left || c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 500);
    }

    /**
     * The same stall of 850 ms — longer than two timeouts, so only its history decides — takes out a server
     * that was always prompt, and leaves in one that has been answering late all along.
     */
    @Test
    void aStallLongerThanTwoTimeoutsConvictsACalmServerButNotOneThatHasBeenLateAllAlong() {
        Seeds.run(5, 50_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 4)) {
                ServerAddress jittery = c.upMembers().get(1);
                ServerAddress calm = c.upMembers().get(2);
                // a busy machine: stalls of 300-700 ms every 200-500 ms
                assertTrue(!stallRepeatedly(c, jittery, new Random(seed), 20_000, 200, 500, 300, 700),
                        "taken out while merely late");
                c.sim.runFor(500); // it answers what waited for it
                assertTrue(!stallOnce(c, jittery, 850), "a late server taken out for a stall like those before: "
                        + ClusterSimulationTest.describe(c));
                assertTrue(stallOnce(c, calm, 850), "a server always prompt, silent for 850 ms, stayed in");
            }
        });
    }

    /**
     * Found by review: heartbeats lost one way only (the server's answers and its requests still arrive). It
     * has no lease and asks to join again every 2 s, which used to count as an answer, so a server whose
     * history gave it more than 2 s of grace stayed in the ring, without a lease, for as long as the fault
     * lasted. Only answers to heartbeats count: it is out within ten timeouts at most.
     */
    @Test
    void aServerWhoseHeartbeatsAreLostOneWayIsTakenOutThoughItKeepsAskingToJoin() {
        Seeds.run(5, 51_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 3)) {
                ServerAddress victim = c.upMembers().get(1);
                stallRepeatedly(c, victim, new Random(seed), 20_000);
                c.sim.network().dropOneWay(SimCluster.ECS, victim);
                long cutAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 10_000), "never taken out");
                long detected = c.sim.now() - cutAt;
                assertTrue(detected <= 4_500, "taken out after " + detected + " ms");
                c.sim.network().healAll();
                assertTrue(c.awaitSettled(30_000), ClusterSimulationTest.describe(c));
            }
        });
    }

    /**
     * A server that was itself stalled does not blame the ECS for the silence: when it runs again it reads the
     * heartbeats waiting for it rather than standing for election (which its peers, hearing the ECS, refuse).
     */
    @Test
    void aServerResumingFromAStallLongerThanItsElectionTimeoutDoesNotStandForElection() {
        Seeds.run(5, 52_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 3)) {
                ServerAddress victim = c.upMembers().get(1);
                java.util.List<String> stood = new java.util.ArrayList<>();
                String from = "send " + victim + " -> ";
                c.sim.trace(line -> {
                    if (line.contains(from) && line.contains("[VOTE_REQ ")) {
                        stood.add(line);
                    }
                });
                c.sim.pause(victim);
                c.sim.runFor(1_000); // longer than its 400-800 ms election timeout, shorter than two of the ECS's
                c.sim.resume(victim);
                c.sim.runFor(1_000);
                c.sim.trace(null);
                assertEquals(java.util.List.of(), stood, "it stood for election after its own stall");
                assertEquals(1, c.ecsTerm());
            }
        });
    }
}
