package dev.ringkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ecs.Ecs;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Outcome;
import dev.ringkv.sim.SimClient;
import dev.ringkv.sim.Seeds;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The cluster under seeded fault schedules in the deterministic simulation (issues 3-5): joins, graceful
 * leaves, crashes (also of a transfer's source or target mid-stream), pauses longer and shorter than
 * the timeout, cut links, and faults of whoever holds the ECS role (crash and restart, pause, cut off in
 * a minority) — one at a time, under a steady load of writes and reads from clients on random nodes.
 * After every fault the cluster must settle (everyone back in one ring under one ECS); at the end every
 * operation the clients did must form a linearizable history per key ({@link History}, checked with
 * {@link dev.ringkv.check.Checker}), every key's final read a value no acknowledged write supersedes,
 * every range's holders must agree, and no term may ever have had two ECSs. A failure names its seed,
 * shows the part of the key's history that is wrong, and replays exactly.
 */
class ClusterSimulationTest {

    private static final int SEEDS = 200;
    private static final int FAULTS_PER_SCHEDULE = 4;

    @Test
    void faultsUnderLoadLoseNoAcknowledgedWrite() {
        Seeds.run(SEEDS, 7_000, seed -> schedule(seed, 0, 0));
    }

    /**
     * The schedules above inject their first fault within about a second of the cluster forming, when every
     * member still has the longest lease (fewer than 20 answers): these first run 3 s calm, so every fault meets
     * leases fitted to a calm history (issue 18: ≈ 125 ms), and loss and duplication too.
     */
    @Test
    void faultsAfterACalmSpellMeetFittedLeasesAndLoseNoAcknowledgedWrite() {
        Seeds.run(30, 60_000, seed -> schedule(seed, 0, 0, 3_000));
        Seeds.run(20, 61_000, seed -> schedule(seed, 0.005, 0.005, 3_000));
    }

    @Test
    void faultsOnALossyNetworkThatDuplicatesLoseNoAcknowledgedWrite() {
        // lost messages are normal and handlers must be idempotent (STYLE.md): 1 in 200 lost, 1 in 200 twice
        Seeds.run(50, 20_000, seed -> schedule(seed, 0.005, 0.005));
    }

    /**
     * Seed 3,870 of the lossy schedule, found by the 5,000-seed run (-Psim-long): a lost heartbeat left the
     * ECS host of a 3-server ring counting one server's recent answers but not the other's; a refusing
     * partition then cut it off. It declared the quiet server DOWN and, in the shrunk ring of two, had a
     * majority (itself and the other server), while that other server — its ECS connection refused, so
     * standing early — counted its own vote at once and won term 3 with the quiet one's: two ECSs with a
     * majority for 20 ms. A candidate's own vote now counts by the voters' rule (see Election.tally). A
     * replay of the schedule, exact on this code: it failed on the code before that fix.
     */
    @Test
    void lossySeed23870HasOneEcsWithAMajorityAtATime() {
        schedule(23_870, 0.005, 0.005);
    }

    /**
     * Review of the fitted leases (issue 18): with leases fitted to a calm link, one lost renewal left a server
     * without a lease for about a heartbeat, and these schedules' final reads met TRYAGAIN five times in a row
     * (both passed on the code before). Commands now wait for the renewal while the ECS is heard.
     */
    @Test
    void lossySeeds20484And20574ReadEveryKeyThoughShortLeasesLapse() {
        schedule(20_484, 0.005, 0.005);
        schedule(20_574, 0.005, 0.005);
    }

    /**
     * Review of the fitted leases: a lease covering the longest gap between answers but not the round trip left
     * a server on a 25 ms link without a lease 28% of the time (69% of writes TRYAGAIN); it covers the round trip.
     */
    @Test
    void aSteadyLinkWithA25MillisecondRoundTripKeepsItsLeases() {
        Seeds.run(3, 300_000, seed -> {
            try (SimCluster c = start(seed, 3)) {
                c.sim.network().latency(12, 14);
                c.sim.runFor(12_000);
                long without = 0;
                for (int t = 0; t < 5_000; t++) {
                    c.sim.runFor(1);
                    for (ServerAddress a : c.upMembers()) {
                        if (c.server(a).isServing() && !c.server(a).hasLease()) {
                            without++;
                        }
                    }
                }
                assertTrue(without < 150, "server-milliseconds without a lease in 5 s: " + without);
            }
        });
    }

    /**
     * Review of the fitted leases: a refusal on the ECS's link that had healed (60 ms, one heartbeat lost) took a
     * healthy server with a calm history out once its short lease ran out (12 of 20 seeds). Only a refusal after
     * the lease ran out convicts now.
     */
    @Test
    void aSixtyMillisecondRefusalOnTheEcsLinkTakesNoCalmServerOut() {
        Seeds.run(20, 303_000, seed -> {
            try (SimCluster c = start(seed, 3)) {
                c.sim.runFor(12_000 + new Random(seed).nextInt(100));
                ServerAddress v = c.upMembers().get(1);
                c.sim.network().refuse(SimCluster.ECS, v);
                c.sim.runFor(60);
                c.sim.network().heal(SimCluster.ECS, v);
                assertFalse(c.sim.runUntil(() -> !c.ecs().ring().contains(v), 1_000), "a healthy server was taken out");
                c.assertSafe();
            }
        });
    }

    @Test
    void aPausedServerIsDetectedAndRejoinsAfterItResumes() {
        Seeds.run(20, 9_000, seed -> {
            try (SimCluster c = start(seed, 3)) {
                ServerAddress victim = c.upMembers().get(1);
                c.sim.pause(victim);
                long pausedAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 2_000), "the pause was never noticed");
                long detected = c.sim.now() - pausedAt;
                // a stall is not a death (issue 18): a silent member with no refused connection goes DOWN after
                // two timeouts (its last answer came up to a heartbeat before the pause), not after one lease
                assertTrue(detected >= 650 && detected <= 950, "detected after " + detected + " ms");
                c.sim.resume(victim);
                assertTrue(c.awaitSettled(10_000), "it did not rejoin");
            }
        });
    }

    @Test
    void aCrashedServerIsOutOfTheRingOnceItsLeaseRanOut() {
        Seeds.run(20, 11_000, seed -> {
            try (SimCluster c = start(seed, 3)) {
                ServerAddress victim = c.upMembers().get(2);
                c.sim.crash(victim);
                long crashedAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 2_000), "the crash was never noticed");
                long detected = c.sim.now() - crashedAt;
                // the reset reaches the ECS at once, but a refusal is no proof of death (DESIGN §1): the server
                // goes DOWN once silent for the timeout, when the lease it may still hold has run out
                assertTrue(detected >= 300 && detected <= 450, "detected after " + detected + " ms");
            }
        });
    }

    /**
     * Issue 18: a server that has answered every heartbeat promptly for a while is leased for little more than a
     * heartbeat's gap (its lease fits its history), so once it crashes it is out of the ring within ~0.2 s, not
     * the timeout's 0.4 s — still never before the lease it may hold has run out.
     */
    @Test
    void aCrashedServerWithACalmHistoryIsOutOfTheRingSoon() {
        Seeds.run(20, 11_500, seed -> {
            try (SimCluster c = start(seed, 3)) {
                c.sim.runFor(3_000); // a history of prompt answers
                ServerAddress victim = c.upMembers().get(2);
                long lease = c.ecs().leaseOf(victim);
                assertTrue(lease < 200, "a calm member's lease: " + lease + " ms");
                c.sim.crash(victim);
                long crashedAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> !c.ecs().ring().contains(victim), 2_000), "the crash was never noticed");
                long detected = c.sim.now() - crashedAt;
                assertTrue(detected <= 200, "detected after " + detected + " ms (lease " + lease + " ms)");
                assertTrue(c.safetyViolations.isEmpty(), "safety: " + c.safetyViolations);
            }
        });
    }

    @Test
    void aPausedEcsIsReplacedByAnElectedServerAndStepsDownWhenItResumes() {
        Seeds.run(20, 13_000, seed -> {
            try (SimCluster c = start(seed, 3)) {
                List<ServerAddress> ring = c.ecs().ring().members();
                c.sim.pause(SimCluster.ECS);
                long pausedAt = c.sim.now();
                assertTrue(c.sim.runUntil(() -> c.ecsTerm() > 1, 3_000), "no server took over");
                long tookOver = c.sim.now() - pausedAt;
                // silent for a random 400-800 ms since the last heartbeat (up to 100 ms before the pause), then
                // a pre-vote and a vote: a few network latencies more
                assertTrue(tookOver >= 300 && tookOver <= 1_000, "took over after " + tookOver + " ms");
                assertTrue(ring.contains(c.ecsAddress()), "the new ECS is one of the servers: " + c.ecsAddress());
                assertTrue(c.awaitSettled(5_000), "did not settle under the new ECS: " + describe(c));
                assertEquals(ring, c.ecs().ring().members(), "a server was lost to the election");
                c.sim.resume(SimCluster.ECS);
                assertTrue(c.sim.runUntil(() -> ((Ecs) c.sim.node(SimCluster.ECS).logic()).deposed(), 2_000),
                        "the old ECS did not step down");
                assertTrue(c.upMembers().stream().anyMatch(a -> c.server(a).election().staleRejected() > 0),
                        "no server rejected the old ECS's stale term");
                assertTrue(c.awaitSettled(2_000), "did not settle: " + describe(c));
                assertEquals(ring, c.ecs().ring().members());
                c.assertSafe();
            }
        });
    }

    static SimCluster start(long seed, int servers) {
        SimCluster c = new SimCluster(seed);
        for (int i = 0; i < servers; i++) {
            c.addServer();
        }
        assertTrue(c.awaitSettled(10_000), "the cluster never formed");
        return c;
    }

    private static void schedule(long seed, double loss, double duplication) {
        schedule(seed, loss, duplication, 0);
    }

    /** A schedule whose cluster first runs {@code calmMillis} without faults or load (see the fitted-lease test). */
    private static void schedule(long seed, double loss, double duplication, long calmMillis) {
        try (SimCluster c = start(seed, 3)) {
            c.sim.runFor(calmMillis);
            c.sim.network().dropProbability(loss).duplicateProbability(duplication);
            Random r = new Random(seed);
            Load load = new Load(c, r, 3);
            load.start();
            for (int f = 0; f < FAULTS_PER_SCHEDULE; f++) {
                c.sim.runFor(200 + r.nextInt(600));
                String fault = fault(c, r);
                if (!c.awaitSettled(90_000)) {
                    throw new AssertionError("did not settle after " + fault + ": " + describe(c));
                }
            }
            c.sim.runFor(300);
            load.stop();
            c.sim.runFor(12_000); // every outstanding operation answers or times out
            c.sim.network().dropProbability(0).duplicateProbability(0);
            assertTrue(c.awaitSettled(60_000), "did not settle at the end: " + describe(c));
            // a lossy network times forwards out (5 s each), so far fewer writes get through there
            int least = loss > 0 ? 5 : 50;
            assertTrue(load.history.acknowledged > least, "too little load got through: " + load.history.acknowledged);
            checkHistory(c, load.history, r);
            // writes that failed midway (a coordinator crashed after one replica had the copy, a copy lost
            // on a lossy network) leave replicas apart until anti-entropy has compared them twice and
            // repaired the range; every acknowledged write was checked above, before any repair
            for (int round = 0; round < 8 && !c.disagreeingReplicas().isEmpty(); round++) {
                c.sim.runFor(3 * SimCluster.ANTI_ENTROPY_MILLIS);
                assertTrue(c.awaitSettled(60_000), "did not settle after a repair: " + describe(c));
            }
            assertEquals(List.of(), c.disagreeingReplicas(), "replicas differ after quiescing; " + describe(c));
            c.assertSafe();
        }
    }

    /** Injects one fault and heals it; returns its name. */
    private static String fault(SimCluster c, Random r) {
        List<ServerAddress> up = c.upMembers();
        ServerAddress victim = up.get(r.nextInt(up.size()));
        int kind = r.nextInt(16);
        ServerAddress ecs = c.ecsAddress();
        if (kind >= 10) {
            return networkFault(c, r, kind, victim, ecs);
        }
        if (kind == 7) {
            // the ECS dies (SIGKILL): the servers elect one of themselves; the dead one comes back later
            c.sim.crash(ecs);
            c.sim.runFor(100 + r.nextInt(1900));
            c.sim.restart(ecs);
            return "crash and restart of the ECS " + ecs;
        }
        if (kind == 8) {
            c.sim.pause(ecs); // SIGSTOP: shorter or longer than an election takes
            c.sim.runFor(100 + r.nextInt(1900));
            c.sim.resume(ecs);
            return "pause of the ECS " + ecs;
        }
        if (kind == 9) {
            // the ECS cut off in a minority (alone, or with one server): the majority elects a new one and
            // the old one must not act meanwhile
            List<ServerAddress> minority = new ArrayList<>(List.of(ecs));
            if (r.nextBoolean() && up.size() >= 3) {
                ServerAddress with = up.get(r.nextInt(up.size()));
                if (!with.equals(ecs)) {
                    minority.add(with);
                }
            }
            List<ServerAddress> everyone = new ArrayList<>(c.members);
            everyone.add(SimCluster.ECS);
            List<ServerAddress> majority = everyone.stream().filter(a -> !minority.contains(a)).toList();
            for (ServerAddress a : minority) {
                for (ServerAddress b : majority) {
                    c.sim.network().cut(a, b);
                }
            }
            c.sim.runFor(300 + r.nextInt(1700));
            for (ServerAddress a : minority) {
                for (ServerAddress b : majority) {
                    c.sim.network().heal(a, b);
                }
            }
            return "partition " + minority + " | " + majority;
        }
        if (kind == 6 && c.members.size() > 3) {
            // a crash for good: the ring loses it at once and the ranges it held get their third copy back
            c.sim.crash(victim);
            c.members.remove(victim);
            return "crash for good of " + victim;
        }
        if (kind == 6) {
            kind = 2;
        }
        if (kind == 0 && c.members.size() < 5) {
            c.addServer();
            return "join";
        }
        if (kind == 1 && c.members.size() > 2) {
            boolean[] left = {false};
            c.sim.node(victim).execute(() -> c.server(victim).leave(() -> left[0] = true));
            if (!c.sim.runUntil(() -> left[0], 120_000)) {
                throw new AssertionError("leave of " + victim + " never finished: " + describe(c));
            }
            c.sim.crash(victim); // the process exits after LEFT
            c.members.remove(victim);
            return "leave of " + victim;
        }
        if (kind == 2) {
            c.sim.crash(victim);
            c.sim.runFor(100 + r.nextInt(1400));
            c.sim.restart(victim);
            return "crash and restart of " + victim;
        }
        if (kind == 3) {
            c.sim.pause(victim);
            c.sim.runFor(100 + r.nextInt(1100));
            c.sim.resume(victim);
            return "pause of " + victim;
        }
        if (kind == 4) {
            ServerAddress other = r.nextBoolean() ? ecs : up.get(r.nextInt(up.size()));
            if (other.equals(victim)) {
                other = ecs.equals(victim) ? SimCluster.ECS : ecs;
            }
            c.sim.network().cut(victim, other);
            c.sim.runFor(100 + r.nextInt(900));
            c.sim.network().heal(victim, other);
            return "cut " + victim + " <-> " + other;
        }
        // a crash in the middle of a transfer: of its source or of its target
        if (c.members.size() >= 5) {
            c.sim.crash(victim);
            c.sim.runFor(300);
            c.sim.restart(victim);
            return "crash and restart of " + victim;
        }
        c.addServer();
        if (!c.sim.runUntil(() -> c.ecs().status().plan() != null && !c.ecs().status().plan().transfers().isEmpty(), 3_000)) {
            return "join (no transfer to interrupt)";
        }
        ClusterStatus.TransferStatus t = c.ecs().status().plan().transfers().get(0);
        ServerAddress hit = ServerAddress.parse(r.nextBoolean() ? t.from() : t.to());
        c.sim.runFor(r.nextInt(5));
        c.sim.crash(hit);
        c.sim.runFor(100 + r.nextInt(700));
        c.sim.restart(hit);
        return "crash of transfer " + (hit.toString().equals(t.from()) ? "source " : "target ") + hit;
    }

    /**
     * The faults that once faked the evidence of death or delivered late (issue 17): a refusing partition
     * of a minority, a refusing ECS link, a one-way loss, a slow link delivering seconds late, a bridge
     * node that sees both halves, and a long partition. Each heals itself before returning.
     */
    private static String networkFault(SimCluster c, Random r, int kind, ServerAddress victim, ServerAddress ecs) {
        List<ServerAddress> everyone = PartitionSimulationTest.everyone(c);
        switch (kind) {
            case 10 -> {
                List<ServerAddress> minority = new ArrayList<>(List.of(victim));
                if (r.nextBoolean()) {
                    minority.add(r.nextBoolean() ? ecs : everyone.get(r.nextInt(everyone.size())));
                }
                List<ServerAddress> side = minority.stream().distinct().toList();
                PartitionSimulationTest.split(c, side, true);
                c.sim.runFor(300 + r.nextInt(2700));
                c.sim.network().healAll();
                return "refusing partition " + side;
            }
            case 11 -> {
                ServerAddress other = other(everyone, victim, r);
                boolean toVictim = r.nextBoolean();
                c.sim.network().dropOneWay(toVictim ? other : victim, toVictim ? victim : other);
                c.sim.runFor(100 + r.nextInt(1400));
                c.sim.network().heal(victim, other);
                return "one-way loss " + (toVictim ? other + " -> " + victim : victim + " -> " + other);
            }
            case 12 -> {
                ServerAddress other = other(everyone, victim, r);
                long delay = 1_000 + r.nextInt(5_000);
                c.sim.network().slow(victim, other, delay);
                if (r.nextBoolean()) {
                    c.sim.network().slow(other, victim, delay);
                }
                c.sim.runFor(2_000 + r.nextInt(6_000));
                c.sim.network().heal(victim, other);
                return "slow link " + victim + " <-> " + other + " (" + delay + " ms late)";
            }
            case 13 -> {
                // a bridge: two halves of the servers cut from each other, the ECS (or a server) seeing both
                List<ServerAddress> servers = new ArrayList<>(c.members);
                java.util.Collections.shuffle(servers, r);
                ServerAddress bridge = r.nextBoolean() ? ecs : servers.remove(0);
                List<ServerAddress> half = servers.subList(0, servers.size() / 2);
                boolean refusing = r.nextBoolean();
                for (ServerAddress a : half) {
                    for (ServerAddress b : everyone) {
                        if (!half.contains(b) && !b.equals(bridge) && !b.equals(a)) {
                            if (refusing) {
                                c.sim.network().refuse(a, b);
                            } else {
                                c.sim.network().cut(a, b);
                            }
                        }
                    }
                }
                c.sim.runFor(500 + r.nextInt(2_500));
                c.sim.network().healAll();
                return (refusing ? "refusing " : "") + "bridge " + bridge + " between " + half + " and the rest";
            }
            case 14 -> {
                List<ServerAddress> side = new ArrayList<>(List.of(victim));
                if (r.nextBoolean() && !victim.equals(ecs)) {
                    side.add(ecs);
                }
                PartitionSimulationTest.split(c, side, r.nextBoolean());
                c.sim.runFor(30_000 + r.nextInt(60_000));
                c.sim.network().healAll();
                return "long partition " + side;
            }
            default -> {
                ServerAddress other = victim.equals(ecs) ? other(everyone, victim, r) : ecs;
                c.sim.network().refuse(victim, other);
                c.sim.runFor(300 + r.nextInt(2_000));
                c.sim.network().heal(victim, other);
                return "refusing link " + victim + " <-> " + other;
            }
        }
    }

    private static ServerAddress other(List<ServerAddress> everyone, ServerAddress not, Random r) {
        List<ServerAddress> others = everyone.stream().filter(a -> !a.equals(not)).toList();
        return others.get(r.nextInt(others.size()));
    }

    /**
     * Reads every key once more after the load stopped (the final reads, part of the history), then checks
     * the whole history with the linearizability checker: every key's reads and writes as one register, and
     * every final value one that no acknowledged write superseded (no acknowledged write lost).
     */
    /**
     * Runs the load, applies the fault (which heals itself), waits up to {@code settleMillis} for the cluster
     * to settle, stops the load, and checks that more than {@code leastAcknowledged} writes got through, the
     * whole history per key, and safety ({@link SimCluster#assertSafe}).
     */
    static void underLoad(SimCluster c, long seed, long settleMillis, int leastAcknowledged, Runnable fault) {
        Random r = new Random(seed);
        Load load = new Load(c, r, 3);
        load.start();
        c.sim.runFor(300);
        fault.run();
        assertTrue(c.awaitSettled(settleMillis), "did not settle after the fault: " + describe(c));
        c.sim.runFor(300);
        load.stop();
        c.sim.runFor(12_000);
        assertTrue(c.awaitSettled(30_000), "did not settle at the end: " + describe(c));
        assertTrue(load.history.acknowledged > leastAcknowledged, "too little got through: " + load.history.acknowledged);
        checkHistory(c, load.history, r);
        c.assertSafe();
    }

    static void checkHistory(SimCluster c, History history, Random r) {
        List<ServerAddress> up = c.upMembers();
        Map<String, String> finals = new HashMap<>();
        List<String> unreadable = new ArrayList<>();
        for (String key : history.keys()) {
            RespValue read = null;
            for (int attempt = 0; attempt < 5 && !(read instanceof RespValue.Bulk || read instanceof RespValue.NullBulk);
                    attempt++) {
                SimClient cl = c.clientOn(up.get(r.nextInt(up.size())));
                History.Call call = history.invoke(-1, key, false, null, c.sim.now(), cl.server().toString());
                Outcome o = cl.call("GET", key);
                c.sim.runUntil(() -> !o.isPending(), 10_000);
                if (!o.isPending()) {
                    history.complete(call, o, c.sim.now());
                }
                read = o.isReplied() ? o.reply() : RespValue.error("FAILED " + o.failure());
                cl.close();
            }
            if (read instanceof RespValue.Bulk b) {
                finals.put(key, b.utf8());
            } else if (read instanceof RespValue.NullBulk) {
                finals.put(key, null);
            } else if (history.acknowledgedAWriteOf(key)) {
                unreadable.add(key + " reads " + read + " after 5 attempts, yet a write of it was acknowledged");
            }
        }
        assertEquals(List.of(), unreadable, "final reads failed; " + describe(c));
        String violations = history.check(finals);
        assertTrue(violations == null, () -> violations + "\n" + describe(c));
    }

    static String describe(SimCluster c) {
        return "t=" + c.sim.now() + " ms, members " + c.members + ", status "
                + (c.ecs() == null ? "(no ECS)" : c.ecs().status().toJson());
    }

    /**
     * Clients writing unique values (and reading now and then), one operation at a time each, through any
     * node (the ECS too: it forwards like every node); every operation goes into the {@link History}.
     */
    static final class Load {
        static final int KEYS = 96;
        final SimCluster c;
        final Random r;
        final int clients;
        final History history = new History();
        private final SimClient[] conns;
        private boolean stopped;
        private long n;

        Load(SimCluster c, Random r, int clients) {
            this.c = c;
            this.r = r;
            this.clients = clients;
            this.conns = new SimClient[clients];
        }

        void start() {
            for (int i = 0; i < clients; i++) {
                next(i);
            }
        }

        void stop() {
            stopped = true;
        }

        private SimClient conn(int i) {
            if (conns[i] == null || !conns[i].isConnected()) {
                List<ServerAddress> targets = new ArrayList<>(c.upMembers());
                targets.add(SimCluster.ECS); // the ECS forwards too
                conns[i] = c.sim.client(targets.get(r.nextInt(targets.size())));
            }
            return conns[i];
        }

        private void next(int i) {
            if (stopped) {
                return;
            }
            SimClient cl = conn(i);
            String key = "k" + r.nextInt(KEYS);
            boolean read = r.nextInt(5) == 0;
            String value = read ? null : "c" + i + "-" + (++n);
            History.Call call = history.invoke(i, key, !read, value, c.sim.now(), cl.server().toString());
            Outcome o = read ? cl.call("GET", key) : cl.call("SET", key, value);
            o.whenDone(done -> {
                history.complete(call, done, c.sim.now());
                after(i, done);
            });
        }

        private void after(int i, Outcome o) {
            if (o.isFailed() || (o.reply() instanceof RespValue.Error && r.nextInt(3) == 0)) {
                conns[i] = null; // reconnect somewhere else
            }
            c.sim.schedule(1 + r.nextInt(5), () -> next(i));
        }
    }
}
