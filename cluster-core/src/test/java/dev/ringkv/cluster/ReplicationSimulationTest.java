package dev.ringkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Outcome;
import dev.ringkv.sim.SimClient;
import dev.ringkv.storage.Version;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Replication factor 3 (DESIGN §6) in the deterministic simulation: copies, re-replication, anti-entropy. */
class ReplicationSimulationTest {

    private static String text(RespValue v) {
        assertTrue(v instanceof RespValue.Bulk, String.valueOf(v));
        return new String(((RespValue.Bulk) v).bytes(), StandardCharsets.UTF_8);
    }

    private static void load(SimCluster c, int keys, String prefix) {
        List<ServerAddress> up = c.upMembers();
        for (int i = 0; i < keys; i++) {
            assertEquals(RespValue.OK, c.call(up.get(i % up.size()), "SET", "k" + i, prefix + i));
        }
    }

    private static void assertAllReadable(SimCluster c, int keys, String prefix) {
        for (ServerAddress a : c.upMembers()) {
            for (int i = 0; i < keys; i += 7) {
                assertEquals(RespValue.bulk(prefix + i), c.call(a, "GET", "k" + i), "k" + i + " through " + a);
            }
        }
    }

    private static long keysOn(SimCluster c, ServerAddress a) {
        return ((RespValue.Int) c.call(a, "DBSIZE")).value();
    }

    @Test
    void everyAcknowledgedWriteIsOnItsThreeHolders() {
        try (SimCluster c = ClusterSimulationTest.start(1, 5)) {
            load(c, 200, "v");
            long total = 0;
            for (ServerAddress a : c.members) {
                total += keysOn(c, a);
            }
            assertEquals(3 * 200, total, "three copies of each key, no more");
            assertEquals(List.of(), c.disagreeingReplicas());
            assertEquals(3, c.ecs().replicationFactor());
        }
    }

    @Test
    void aCrashedServersCopiesAreRebuiltAndTheMonitorShowsTheProgress() {
        try (SimCluster c = ClusterSimulationTest.start(2, 5)) {
            load(c, 400, "v");
            ServerAddress victim = c.members.iterator().next();
            long versionBefore = c.ecs().ring().version();
            c.sim.crash(victim);
            c.members.remove(victim);
            long[] most = {0};
            boolean[] repairSeen = {false};
            assertTrue(c.sim.runUntil(() -> {
                ClusterStatus s = c.ecs().status();
                most[0] = Math.max(most[0], s.underReplicatedKeys());
                repairSeen[0] |= s.repair() != null && "REPAIR".equals(s.repair().kind());
                return s.ringVersion() > versionBefore && c.settled();
            }, 60_000), "never healed: " + ClusterSimulationTest.describe(c));
            assertTrue(repairSeen[0], "a re-replication ran");
            assertTrue(most[0] > 0, "the monitor counted the missing copies");
            assertEquals(0, c.ecs().status().underReplicatedKeys());
            assertTrue(c.ecs().recentEvents().stream().anyMatch(e -> e.text().startsWith("replication restored")));
            long total = 0;
            for (ServerAddress a : c.members) {
                total += keysOn(c, a);
            }
            assertEquals(3 * 400, total, "three copies of each key again, on four servers");
            assertEquals(List.of(), c.disagreeingReplicas());
            assertAllReadable(c, 400, "v");
        }
    }

    @Test
    void twoOfARangesThreeHoldersKilledTogetherLoseNothingTheThirdHolds() {
        try (SimCluster c = ClusterSimulationTest.start(3, 5)) {
            load(c, 300, "v");
            Ring ring = c.ecs().ring();
            ServerAddress first = ring.members().get(0);
            ServerAddress second = ring.successorOf(first);
            c.sim.crash(first);
            c.sim.crash(second);
            c.members.remove(first);
            c.members.remove(second);
            assertTrue(c.awaitSettled(60_000), "never healed: " + ClusterSimulationTest.describe(c));
            assertEquals(List.of(), c.disagreeingReplicas());
            assertAllReadable(c, 300, "v");
        }
    }

    @Test
    void aServerBackWithAnOldDirectoryNeverServesItsStaleValues() {
        try (SimCluster c = ClusterSimulationTest.start(4, 4)) {
            load(c, 200, "old");
            ServerAddress victim = c.members.iterator().next();
            c.sim.crash(victim);
            c.members.remove(victim);
            assertTrue(c.awaitSettled(30_000));
            load(c, 200, "new"); // every key overwritten while it is away
            c.sim.restart(victim);
            c.members.add(victim);
            assertTrue(c.awaitSettled(30_000), "it did not rejoin: " + ClusterSimulationTest.describe(c));
            assertAllReadable(c, 200, "new");
            assertEquals(List.of(), c.disagreeingReplicas());
            SimClient replicaReader = c.clientOn(victim);
            replicaReader.call("READONLY");
            for (int i = 0; i < 200; i++) {
                Outcome o = replicaReader.call("GET", "k" + i);
                c.sim.runUntil(() -> !o.isPending(), 10_000);
                assertEquals(RespValue.bulk("new" + i), o.reply(), "a replica read of k" + i + " on the returned server");
            }
        }
    }

    @Test
    void antiEntropyFindsAReplicaThatDisagreesAndRepairsItFromTheNewestVersion() {
        try (SimCluster c = ClusterSimulationTest.start(5, 3)) {
            load(c, 100, "v");
            assertTrue(text(c.call(SimCluster.ECS, "RINGKV", "CHECK")).contains(" 0 disagreeing"));
            // one holder gets a newer version of a key behind everyone's back, another loses a key
            ServerAddress a = c.ecs().ring().members().get(0);
            ServerAddress b = c.ecs().ring().members().get(1);
            byte[] k1 = "k1".getBytes(StandardCharsets.UTF_8);
            c.sim.node(a).execute(() -> c.sim.node(a).store().apply(k1, "newest".getBytes(StandardCharsets.UTF_8),
                    new Version(99, 0, Long.MAX_VALUE / 2)));
            dev.ringkv.ring.Position p2 = dev.ringkv.ring.Hashing.position("k2".getBytes(StandardCharsets.UTF_8));
            dev.ringkv.ring.Range justK2 = new dev.ringkv.ring.Range(
                    dev.ringkv.ring.Position.of(p2.toBigInteger().subtract(java.math.BigInteger.ONE)), p2);
            c.sim.node(b).execute(() -> c.sim.node(b).store().drop(justK2));
            c.sim.runFor(50);
            assertTrue(!c.disagreeingReplicas().isEmpty(), "the tampering shows in the digests");
            String check = text(c.call(SimCluster.ECS, "RINGKV", "CHECK"));
            assertTrue(check.contains("DISAGREE"), check);
            assertTrue(c.sim.runUntil(() -> c.settled() && c.disagreeingReplicas().isEmpty(), 30_000),
                    "anti-entropy never repaired it: " + ClusterSimulationTest.describe(c));
            assertTrue(c.ecs().status().antiEntropy().repairs() >= 1);
            for (ServerAddress s : c.members) {
                SimClient cl = c.clientOn(s);
                cl.call("READONLY");
                Outcome o1 = cl.call("GET", "k1");
                Outcome o2 = cl.call("GET", "k2");
                c.sim.runUntil(() -> !o2.isPending(), 10_000);
                assertEquals(RespValue.bulk("newest"), o1.reply(), "the newest version won on " + s);
                assertEquals(RespValue.bulk("v2"), o2.reply(), "the lost copy came back on " + s);
            }
        }
    }

    /**
     * Item 7 of issue 17: the digests hashed position, version and liveness but not the value, so two holders
     * with different values under one version looked identical to {@code RINGKV CHECK}, to anti-entropy and
     * to the chaos run's "replicas identical". One holder gets a tampered copy of a key under the very
     * version the others hold: the check must see it, and the repair must leave every holder with one value.
     */
    @Test
    void antiEntropySeesDifferentValuesUnderOneVersionAndSettlesOnOne() {
        try (SimCluster c = ClusterSimulationTest.start(8, 3)) {
            load(c, 100, "v");
            assertTrue(text(c.call(SimCluster.ECS, "RINGKV", "CHECK")).contains(" 0 disagreeing"));
            byte[] k1 = "k1".getBytes(StandardCharsets.UTF_8);
            Ring ring = c.ecs().ring();
            List<ServerAddress> holders = ring.replicasOf(k1, 3);
            ServerAddress tampered = holders.get(1);
            Version version = c.sim.node(tampered).store().get(k1).version();
            dev.ringkv.ring.Position p1 = dev.ringkv.ring.Hashing.position(k1);
            dev.ringkv.ring.Range justK1 = new dev.ringkv.ring.Range(
                    dev.ringkv.ring.Position.of(p1.toBigInteger().subtract(java.math.BigInteger.ONE)), p1);
            // a store keeps what it has on a tie, so make room first: the same version, another value
            c.sim.node(tampered).execute(() -> {
                c.sim.node(tampered).store().drop(justK1);
                c.sim.node(tampered).store().apply(k1, "tampered".getBytes(StandardCharsets.UTF_8), version);
            });
            c.sim.runFor(50);
            assertEquals("tampered", new String(c.sim.node(tampered).store().get(k1).value(), StandardCharsets.UTF_8));
            assertEquals(version, c.sim.node(tampered).store().get(k1).version());
            List<String> differing = c.disagreeingReplicas();
            assertEquals(1, differing.size(), "the tampered value shows in the digests of k1's range: " + differing);
            assertTrue(differing.get(0).startsWith(ring.rangeOf(holders.get(0)).toString()), differing.toString());
            String check = text(c.call(SimCluster.ECS, "RINGKV", "CHECK"));
            assertTrue(check.contains(" 1 disagreeing") && check.contains("DISAGREE " + ring.rangeOf(holders.get(0)).from().hex()),
                    check);
            // the repair: the versions tie, so every holder keeps the value with the greater hash
            assertTrue(c.sim.runUntil(() -> c.settled() && c.disagreeingReplicas().isEmpty(), 30_000),
                    "anti-entropy never made the holders agree: " + c.disagreeingReplicas());
            assertTrue(c.ecs().status().antiEntropy().repairs() >= 1);
            java.util.Set<String> values = new java.util.HashSet<>();
            for (ServerAddress h : holders) {
                values.add(new String(c.sim.node(h).store().get(k1).value(), StandardCharsets.UTF_8));
                assertEquals(version, c.sim.node(h).store().get(k1).version(), "on " + h);
            }
            assertEquals(1, values.size(), "every holder of k1 keeps the same value: " + values);
            assertEquals(RespValue.bulk(values.iterator().next()), c.call(holders.get(2), "GET", "k1"));
        }
    }

    @Test
    void replicaReadsDuringAReReplicationNeverMissAKey() {
        try (SimCluster c = ClusterSimulationTest.start(7, 5)) {
            load(c, 300, "v");
            ServerAddress victim = c.members.iterator().next();
            long versionBefore = c.ecs().ring().version();
            c.sim.crash(victim);
            c.members.remove(victim);
            assertTrue(c.sim.runUntil(() -> c.ecs().ring().version() > versionBefore
                    && c.ecs().status().repair() != null, 5_000));
            int checked = 0;
            for (ServerAddress s : c.upMembers()) {
                SimClient cl = c.clientOn(s);
                cl.call("READONLY");
                List<Outcome> reads = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    reads.add(cl.call("GET", "k" + i));
                }
                c.sim.runUntil(() -> reads.stream().noneMatch(Outcome::isPending), 10_000);
                for (int i = 0; i < 300; i++) {
                    RespValue r = reads.get(i).reply();
                    if (!(r instanceof RespValue.Error)) {
                        assertEquals(RespValue.bulk("v" + i), r, "READONLY GET k" + i + " on " + s + " mid-repair");
                        checked++;
                    }
                }
                cl.close();
            }
            assertTrue(c.ecs().status().repair() != null || checked > 0);
            assertTrue(c.awaitSettled(60_000));
        }
    }

    @Test
    void replicaReadsNeedReadonlyAndOnlyServeHeldKeys() {
        try (SimCluster c = ClusterSimulationTest.start(6, 5)) {
            load(c, 50, "v");
            Ring ring = c.ecs().ring();
            List<String> notHeld = new ArrayList<>();
            ServerAddress s = ring.members().get(0);
            for (int i = 0; i < 50; i++) {
                byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
                if (!ring.replicasOf(k, 3).contains(s)) {
                    notHeld.add("k" + i);
                }
            }
            assertTrue(!notHeld.isEmpty());
            SimClient cl = c.clientOn(s);
            cl.call("READONLY");
            cl.call("RINGKV", "ROUTING", "on");
            Outcome o = cl.call("GET", notHeld.get(0));
            c.sim.runUntil(() -> !o.isPending(), 10_000);
            assertTrue(o.reply() instanceof RespValue.Error e && e.text().startsWith("NOT_RESPONSIBLE"), String.valueOf(o.reply()));
        }
    }
}
