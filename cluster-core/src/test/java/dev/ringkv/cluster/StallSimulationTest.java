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
        boolean left = false;
        long end = c.sim.now() + millis;
        while (c.sim.now() < end) {
            for (long t = 200 + r.nextInt(700); t > 0; t -= 10) {
                c.sim.runFor(10);
                left |= !c.ecs().ring().contains(victim);
            }
            c.sim.pause(victim);
            for (long t = 100 + r.nextInt(550); t > 0; t -= 10) {
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
}
