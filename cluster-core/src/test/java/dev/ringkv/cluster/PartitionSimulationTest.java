package dev.ringkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ecs.ClusterMember;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Seeds;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Partitions that fake the evidence of death (issue 17, item 1): a partition that <em>refuses</em>
 * connections (a firewall's {@code REJECT --reject-with tcp-reset}) makes a live peer look exactly like a
 * killed one. Nothing may act on that alone: no side without a majority elects an ECS, no server is taken
 * out of the ring while it may still hold its lease, and no acknowledged write is lost. Every schedule
 * runs a write load and checks, every simulated millisecond, that no two ECSs could act at once and no two
 * servers answered for one key at once ({@link SimCluster#assertSafe}).
 */
class PartitionSimulationTest {

    /** Everyone on one side, including the dedicated ECS if it is there, cut from everyone on the other. */
    static void split(SimCluster c, List<ServerAddress> side, boolean refusing) {
        for (ServerAddress a : side) {
            for (ServerAddress b : everyone(c)) {
                if (!side.contains(b)) {
                    if (refusing) {
                        c.sim.network().refuse(a, b);
                    } else {
                        c.sim.network().cut(a, b);
                    }
                }
            }
        }
    }

    /** Every link between two of {@code nodes} delivers {@code extraMillis} late (0: on time again). */
    static void slowBetween(SimCluster c, List<ServerAddress> nodes, long extraMillis) {
        for (ServerAddress a : nodes) {
            for (ServerAddress b : nodes) {
                if (!a.equals(b)) {
                    c.sim.network().slow(a, b, extraMillis);
                }
            }
        }
    }

    static List<ServerAddress> everyone(SimCluster c) {
        List<ServerAddress> all = new ArrayList<>(c.members);
        all.add(SimCluster.ECS);
        return all;
    }

    /** Load, the fault (which heals itself), settle, stop, check the whole history and safety. */
    private static void underLoad(SimCluster c, long seed, Runnable fault) {
        ClusterSimulationTest.underLoad(c, seed, 60_000, 0, fault);
    }

    @Test
    void twoServersBehindARefusingPartitionElectNoEcsAndLoseNoWrite() {
        Seeds.run(10, 41_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
                List<ServerAddress> pair = new ArrayList<>(c.members).subList(0, 2);
                underLoad(c, seed, () -> {
                    split(c, pair, true);
                    c.sim.runFor(3_000);
                    for (ServerAddress a : pair) {
                        assertEquals(null, ((ClusterMember) c.sim.node(a).logic()).ecs(),
                                a + " took the ECS role with 2 of 5 servers");
                        assertFalse(c.server(a).hasLease(), a + " still has a lease behind the partition");
                    }
                    assertEquals(1, c.ecsTerm(), "the majority's ECS was deposed");
                    c.sim.network().healAll();
                });
                assertEquals(5, c.ecs().ring().size());
            }
        });
    }

    @Test
    void theEcsDyingDuringARefusingTwoThreeSplitLeavesOneEcsPerTerm() {
        Seeds.run(10, 42_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
                List<ServerAddress> pair = new ArrayList<>(c.members).subList(0, 2);
                underLoad(c, seed, () -> {
                    split(c, pair, true);
                    c.sim.runFor(50 + new Random(seed).nextInt(500));
                    c.sim.crash(SimCluster.ECS);
                    assertTrue(c.sim.runUntil(() -> c.ecsTerm() > 1, 5_000), "the majority elected nobody");
                    c.sim.runFor(2_000);
                    assertFalse(pair.contains(c.ecs().self()), "the minority elected " + c.ecs().self());
                    c.sim.network().healAll();
                    c.sim.restart(SimCluster.ECS);
                });
            }
        });
    }

    @Test
    void refusalsOnTheEcsLinkAloneTakeNoServerOutWhileItMayHoldItsLease() {
        Seeds.run(10, 43_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
                ServerAddress x = new ArrayList<>(c.members).get((int) (seed % 5));
                underLoad(c, seed, () -> {
                    c.sim.network().refuse(SimCluster.ECS, x);
                    c.sim.runFor(2_000);
                    c.sim.network().healAll();
                });
            }
        });
    }

    @Test
    void aServerIsolatedByRefusalsStopsServingBeforeItsSuccessorTakesOver() {
        Seeds.run(10, 44_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 3)) {
                ServerAddress x = new ArrayList<>(c.members).get((int) (seed % 3));
                underLoad(c, seed, () -> {
                    c.sim.network().isolateRefusing(x);
                    assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(x), 5_000), x + " never left the ring");
                    c.sim.runFor(1_000);
                    c.sim.network().healAll();
                });
                assertEquals(3, c.ecs().ring().size(), x + " did not rejoin");
            }
        });
    }

    /**
     * Found by {@code ringkv chaos --network} (seed 608): a partition that forms port by port. The ECS loses
     * the majority's servers one at a time, 150 ms apart, and still has a majority of its ring each time it
     * declares the next one DOWN — shrinking its ring to its own side, one uncommitted change after another,
     * while the majority, still holding the full ring, elects a new ECS. Two ECSs then act at once. Fixed by
     * two rules that each fail this test alone: a ring change must reach a majority of its ring before the
     * next one is made (as Raft commits a membership change before the next), and a lease is for one ring,
     * granted only once that ring reached a majority — so no server serves a range it gained under a ring
     * the next ECS may never hear of.
     */
    @Test
    void aPartitionFormingOneServerAtATimeLeavesOneActingEcs() {
        Seeds.run(10, 45_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
                List<ServerAddress> servers = new ArrayList<>(c.members);
                List<ServerAddress> minority = List.of(SimCluster.ECS, servers.get(0), servers.get(1));
                underLoad(c, seed, () -> {
                    for (ServerAddress far : servers.subList(2, 5)) {
                        for (ServerAddress near : minority) {
                            c.sim.network().cut(near, far);
                        }
                        c.sim.runFor(150);
                    }
                    c.sim.runFor(5_000);
                    c.sim.network().healAll();
                });
            }
        });
    }

    /**
     * Issue 17, item 10: the ECS bridges two halves of the servers — it reaches everyone, the halves cannot
     * reach each other. Every server answers its heartbeats, so nobody is declared DOWN, and every write
     * whose copies straddle the cut fails for as long as the partition lasts. The servers that a majority
     * of the ring reports as not confirming their copies leave the ring (once their lease has run out), and
     * writes go through on the other half until the heal; then they join again.
     */
    @Test
    void anEcsBridgingTwoHalvesTakesTheSmallerHalfOutAndWritesGoOn() {
        Seeds.run(5, 46_000, PartitionSimulationTest::bridge);
    }

    /**
     * Seed 46,193 of the bridge scenario, found by a 300-seed slice: a repair across the cut stalled, and each
     * stalled transfer asked for a reachability round every second, while a round is judged only after 1.25 s;
     * every round was replaced by the next before its judgement, so nobody was ever taken out. A round under
     * way is now judged before another starts.
     */
    @Test
    void bridgeSeed46193JudgesItsRoundsThoughStalledTransfersKeepAskingForNewOnes() {
        bridge(46_193);
    }

    private static void bridge(long seed) {
        try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
            List<ServerAddress> servers = new ArrayList<>(c.members);
            List<ServerAddress> small = servers.subList(0, 2);
            List<ServerAddress> large = servers.subList(2, 5);
            underLoad(c, seed, () -> {
                for (ServerAddress a : small) {
                    for (ServerAddress b : large) {
                        c.sim.network().cut(a, b);
                    }
                }
                // a write whose copies straddle the cut (whatever the load happens to touch)
                for (int i = 0; ; i++) {
                    byte[] k = ("straddle" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    List<ServerAddress> holders = c.ecs().ring().replicasOf(k, 3);
                    if (large.contains(holders.get(0)) && holders.stream().anyMatch(small::contains)) {
                        c.clientOn(holders.get(0)).call("SET", "straddle" + i, "x");
                        break;
                    }
                }
                assertTrue(c.sim.runUntil(() -> small.stream().noneMatch(a -> c.ecs().ring().contains(a)), 20_000),
                        "the halves stay in one ring: " + ClusterSimulationTest.describe(c));
                // at the key's coordinator itself (a forward to a server of the other half would wait for its
                // cancel to be confirmed, which a cut link never delivers)
                String key = null;
                for (int i = 0; key == null; i++) {
                    if (large.contains(c.ecs().ring().coordinatorOf(("bridged-" + i).getBytes(
                            java.nio.charset.StandardCharsets.UTF_8)))) {
                        key = "bridged-" + i;
                    }
                }
                ServerAddress at = c.ecs().ring().coordinatorOf(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                RespValue reply = null;
                for (int i = 0; i < 20 && !RespValue.OK.equals(reply); i++) {
                    reply = c.call(at, "SET", key, "v");
                    if (!RespValue.OK.equals(reply)) {
                        c.sim.runFor(500);
                    }
                }
                assertEquals(RespValue.OK, reply, "no write goes through on the larger half");
                c.sim.runFor(2_000);
                c.sim.network().healAll();
            });
            assertEquals(5, c.ecs().ring().size());
        }
    }

    /**
     * Found by review of the bridge rule: with every link between servers slow (each round trip longer than the
     * reachability round's wait), every server looked unreachable to every other, all were fenced and three of
     * five taken out of the ring. Slow is not cut: nobody hears anybody in time, which makes no majority, and
     * nobody leaves the ring.
     */
    @Test
    void slowLinksBetweenAllServersTakeNobodyOut() {
        Seeds.run(3, 47_000, seed -> {
            for (long extra : new long[] {350, 600}) {
                try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
                    List<ServerAddress> servers = new ArrayList<>(c.members);
                    int[] smallest = {5};
                    underLoad(c, seed, () -> {
                        slowBetween(c, servers, extra);
                        for (int t = 0; t < 6_000; t += 10) {
                            c.sim.runFor(10);
                            smallest[0] = Math.min(smallest[0], c.ecs().ring().size());
                        }
                        slowBetween(c, servers, 0);
                    });
                    assertEquals(5, smallest[0], "servers were taken out of the ring with links " + extra + " ms slow");
                }
            }
        });
    }
}
