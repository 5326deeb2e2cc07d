package dev.ringkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Outcome;
import dev.ringkv.sim.Seeds;
import dev.ringkv.sim.SimClient;
import dev.ringkv.storage.StoredEntry;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Write versions across coordinators and terms (issue 17, item 2; DESIGN §1: versions are explicit
 * (term, ring version, sequence), compared field by field, never packed). A write made under a newer ring
 * must beat one made under an older ring whatever the term count: takeover ring versions are
 * {@code term × 1,000,000}, and the packed floor ({@code ringVersion << 40}) the sequence used to carry
 * overflowed from term 9 on, so a write that had failed at a cut-off coordinator came back over a later
 * acknowledged one.
 */
class VersionSimulationTest {

    /** Pauses whoever holds the ECS role until another server takes over, resumes it, lets the ring settle. */
    static void electUntilTerm(SimCluster c, long term) {
        while (c.ecsTerm() < term) {
            long before = c.ecsTerm();
            ServerAddress host = c.ecsAddress();
            c.sim.pause(host);
            assertTrue(c.sim.runUntil(() -> c.ecsTerm() > before, 5_000),
                    "nobody took over from " + host + " in term " + before + ": " + ClusterSimulationTest.describe(c));
            c.sim.resume(host);
            assertTrue(c.awaitSettled(30_000), "did not settle in term " + c.ecsTerm() + ": "
                    + ClusterSimulationTest.describe(c));
        }
    }

    /** A key the given ring has some server other than {@code not} coordinate. */
    private static String keyNotCoordinatedBy(Ring ring, ServerAddress not, long seed) {
        for (int i = 0; ; i++) {
            String key = "k" + seed + "-" + i;
            if (!ring.coordinatorOf(key.getBytes(StandardCharsets.UTF_8)).equals(not)) {
                return key;
            }
        }
    }

    /** SET, retried while the answer is TRYAGAIN (the new coordinator may be a moment without its lease). */
    private static RespValue setRetrying(SimCluster c, ServerAddress at, String key, String value) {
        RespValue v = c.call(at, "SET", key, value);
        for (int retry = 0; retry < 20 && v instanceof RespValue.Error e && e.code().equals("TRYAGAIN"); retry++) {
            c.sim.runFor(50);
            v = c.call(at, "SET", key, value);
        }
        return v;
    }

    @Test
    void aWriteThatFailedAtACutOffCoordinatorNeverBeatsALaterAcknowledgedOneFromTermTenOn() {
        Seeds.run(3, 45_000, seed -> {
            try (SimCluster c = ClusterSimulationTest.start(seed, 5)) {
                electUntilTerm(c, 10);
                assertTrue(c.ecs().ring().version() >= 10_000_000L, "ring version " + c.ecs().ring().version());

                // the coordinator to cut off must not hold the ECS role: the write that replaces its value has
                // to come in the same term, where only the ring version can order the two
                String key = keyNotCoordinatedBy(c.ecs().ring(), c.ecsAddress(), seed);
                ServerAddress cutOff = c.ecs().ring().coordinatorOf(key.getBytes(StandardCharsets.UTF_8));
                assertEquals(RespValue.OK, c.call(cutOff, "SET", key, "before"), "every holder has seen its clock");
                long ringBefore = c.ecs().ring().version();

                c.sim.network().isolate(cutOff);
                SimClient client = c.clientOn(cutOff);
                List<Outcome> old = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    old.add(client.call("SET", key, "old")); // its lease still holds: applied there, never copied
                }
                assertTrue(c.sim.runUntil(() -> old.stream().noneMatch(Outcome::isPending), 10_000), "no answer");
                for (Outcome o : old) {
                    assertTrue(o.reply() instanceof RespValue.Error e && e.code().equals("TRYAGAIN"),
                            "a write at the cut-off coordinator answered " + o.reply());
                }
                StoredEntry there = c.sim.node(cutOff).store().get(key.getBytes(StandardCharsets.UTF_8));
                assertEquals("old", new String(there.value(), StandardCharsets.UTF_8), "the failed write is kept there");
                client.close();

                // every failed write has answered; the ECS took the server out and its successor coordinates
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(cutOff), 5_000), cutOff + " never left the ring");
                assertTrue(c.ecs().ring().version() > ringBefore);
                ServerAddress next = c.ecs().ring().coordinatorOf(key.getBytes(StandardCharsets.UTF_8));
                assertEquals(RespValue.OK, setRetrying(c, next, key, "new"), "the later write through " + next);

                c.sim.network().rejoin(cutOff);
                assertTrue(c.awaitSettled(30_000), cutOff + " did not rejoin: " + ClusterSimulationTest.describe(c));
                assertTrue(c.ecs().ring().contains(cutOff));
                for (ServerAddress a : c.members) {
                    assertEquals(RespValue.bulk("new"), ElectionSimulationTest.getRetrying(c, a, key),
                            "read through " + a + " after " + cutOff + " rejoined");
                }
                // its stale copy must not win when the replicas are compared and repaired either
                for (int round = 0; round < 8 && !c.disagreeingReplicas().isEmpty(); round++) {
                    c.sim.runFor(3 * SimCluster.ANTI_ENTROPY_MILLIS);
                    assertTrue(c.awaitSettled(60_000), "did not settle after a repair: " + ClusterSimulationTest.describe(c));
                }
                assertEquals(List.of(), c.disagreeingReplicas(), "replicas differ; " + ClusterSimulationTest.describe(c));
                for (ServerAddress a : c.members) {
                    assertEquals(RespValue.bulk("new"), ElectionSimulationTest.getRetrying(c, a, key),
                            "read through " + a + " after anti-entropy");
                    SimClient replica = c.clientOn(a);
                    replica.call("READONLY");
                    Outcome o = replica.call("GET", key);
                    c.sim.runUntil(() -> !o.isPending(), 10_000);
                    replica.close();
                    assertTrue(o.reply().equals(RespValue.bulk("new")) || o.reply() instanceof RespValue.Error,
                            "a replica read on " + a + " answered " + o.reply());
                }
                c.assertSafe();
            }
        });
    }
}
