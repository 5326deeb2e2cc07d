package dev.ringkv.cluster;

import dev.ringkv.ecs.ClusterMember;
import dev.ringkv.ecs.Ecs;
import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Outcome;
import dev.ringkv.sim.SimClient;
import dev.ringkv.wire.RespValue;
import dev.ringkv.sim.Simulation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** An ECS and KV servers in the deterministic simulation, with the questions tests ask of them. */
final class SimCluster implements AutoCloseable {
    static final ServerAddress ECS = new ServerAddress("127.0.0.1", 5100);
    /** Anti-entropy every 2 s of simulated time: a quiet cluster repairs what failed writes left behind. */
    static final long ANTI_ENTROPY_MILLIS = 2_000;

    final Simulation sim;
    /** Servers started and not gone for good (a crashed one is here until it is restarted). */
    final Set<ServerAddress> members = new LinkedHashSet<>();
    private int nextPort = 5101;

    /** Every ECS seen, by term (DESIGN §8: one per term, ever). */
    final java.util.Map<Long, java.util.Set<ServerAddress>> ecsByTerm = new java.util.TreeMap<>();
    private static final EcsConfig ECS_CONFIG = EcsConfig.DEFAULT.withAntiEntropyMillis(ANTI_ENTROPY_MILLIS);

    SimCluster(long seed) {
        sim = new Simulation(seed);
        sim.addNode(ECS, ctx -> new Ecs(ctx, ECS_CONFIG));
        watchInvariants();
    }

    /** The address the next {@link #addServer} will start. */
    ServerAddress nextAddress() {
        return new ServerAddress("127.0.0.1", nextPort);
    }

    ServerAddress addServer() {
        ServerAddress a = new ServerAddress("127.0.0.1", nextPort++);
        // tiny transfer chunks: a transfer spans many round trips, so faults and writes land in the middle of it
        // joins through the ECS it was started with, or any member it knows (the ECS may have moved)
        List<ServerAddress> bootstrap = new ArrayList<>(List.of(ECS));
        bootstrap.addAll(members);
        sim.addNode(a, ctx -> new ClusterMember(ctx, NodeConfig.DEFAULT.withBootstrap(bootstrap).withTransferChunking(2, 2),
                ECS_CONFIG));
        members.add(a);
        return a;
    }

    /** Every ECS acting now (dedicated or a server holding the role, not deposed), paused ones included. */
    List<Ecs> actingEcss() {
        List<Ecs> out = new ArrayList<>();
        for (dev.ringkv.sim.SimNode n : sim.nodes()) {
            if (!n.isUp()) {
                continue;
            }
            Ecs e = n.logic() instanceof Ecs d ? d : ((ClusterMember) n.logic()).ecs();
            if (e != null && !e.deposed() && e.ring() != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** The ECS of the newest term acting now (the dedicated one until an election). */
    Ecs ecs() {
        Ecs best = null;
        for (Ecs e : actingEcss()) {
            if (best == null || e.term() > best.term()) {
                best = e;
            }
        }
        return best != null ? best : (Ecs) sim.node(ECS).logic(); // null while the dedicated one is down
    }

    /** The newest term any acting ECS is in; 0 if none acts. */
    long ecsTerm() {
        Ecs e = ecs();
        return e == null || e.deposed() ? 0 : e.term();
    }

    ServerAddress ecsAddress() {
        return ecs().self();
    }

    /** Moments at which two ECSs could act at once, or two servers answered for one key (must stay empty). */
    final List<String> safetyViolations = new ArrayList<>();

    /**
     * Samples the cluster every simulated millisecond for what DESIGN §1 forbids: a term with two ECSs
     * (recorded in {@link #ecsByTerm}); two ECSs able to act at once (not deposed, running, each with a
     * majority answering it, whatever their terms); two servers answering for the same key at once (each
     * serving with a lease and coordinating it in its ring, neither switching it away).
     */
    private void watchInvariants() {
        sim.schedule(1, () -> {
            List<Ecs> acting = actingEcss();
            int withQuorum = 0;
            for (Ecs e : acting) {
                ecsByTerm.computeIfAbsent(e.term(), t -> new java.util.TreeSet<>())
                        .add(e.self());
                if (!sim.node(e.self()).isPaused() && e.hasQuorum()) {
                    withQuorum++;
                }
            }
            if (withQuorum > 1) {
                violation("two ECSs with a majority at once: " + acting.stream().map(e -> e.self() + "@" + e.term()).toList());
            }
            checkOneCoordinatorPerKey();
            watchInvariants();
        });
    }

    private void checkOneCoordinatorPerKey() {
        List<KvNode> serving = new ArrayList<>();
        for (dev.ringkv.sim.SimNode n : sim.nodes()) {
            if (n.isUp() && !n.isPaused() && !n.address().equals(ECS)) {
                KvNode k = ClusterMember.serverOf(n.logic());
                if (k.isServing() && k.hasLease()) {
                    serving.add(k);
                }
            }
        }
        for (int i = 0; i < serving.size(); i++) {
            for (int j = i + 1; j < serving.size(); j++) {
                KvNode a = serving.get(i);
                KvNode b = serving.get(j);
                // two arcs that overlap share the clockwise end of one of them
                for (dev.ringkv.ring.Position p : List.of(a.ring().rangeOf(a.self()).to(), b.ring().rangeOf(b.self()).to())) {
                    if (a.answersFor(p) && b.answersFor(p)) {
                        violation("two coordinators answer for " + p.hex() + ": " + a.self() + " (ring " + a.ring().version()
                                + ") and " + b.self() + " (ring " + b.ring().version() + ")");
                    }
                }
            }
        }
    }

    private void violation(String what) {
        if (safetyViolations.size() < 20) {
            safetyViolations.add("t=" + sim.now() + " " + what);
        }
    }

    /** Fails if any term had two ECSs, two ECSs could act at once, or two servers answered for one key. */
    void assertSafe() {
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Map.of(), termsWithTwoEcss(), "two ECSs in one term");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), safetyViolations, "safety violated");
    }

    /** Terms in which more than one node acted as the ECS (must stay empty). */
    java.util.Map<Long, java.util.Set<ServerAddress>> termsWithTwoEcss() {
        java.util.Map<Long, java.util.Set<ServerAddress>> out = new java.util.TreeMap<>();
        ecsByTerm.forEach((t, s) -> {
            if (s.size() > 1) {
                out.put(t, s);
            }
        });
        return out;
    }

    KvNode server(ServerAddress a) {
        return ClusterMember.serverOf(sim.node(a).logic());
    }

    boolean up(ServerAddress a) {
        return sim.node(a).isUp() && !sim.node(a).isPaused();
    }

    /**
     * Every member up, in the ring, UP, serving the published ring with a lease; no plan running and no
     * hand-off still streaming (with one copy per key, a key handed back after a crash is readable only
     * once its hand-off lands).
     */
    boolean settled() {
        Ecs current = ecs();
        if (current == null || !sim.node(current.self()).isUp() || sim.node(current.self()).isPaused() || current.deposed()) {
            return false;
        }
        if (current.ring() == null) {
            return false; // not started yet
        }
        for (ServerAddress a : members) { // the cheap checks first: this runs after every event
            KvNode k = up(a) ? server(a) : null;
            if (k == null || k.ring() == null || k.ring().version() != current.ring().version() || !k.isServing()
                    || !k.hasLease() || k.transfersInFlight() > 0 || k.replicationInFlight() > 0) {
                return false;
            }
        }
        ClusterStatus s = ecs().status();
        if (s.plan() != null || s.repair() != null || s.underReplicatedKeys() > 0) {
            return false;
        }
        long inRing = s.members().stream().filter(ClusterStatus.MemberStatus::inRing).count();
        if (inRing != members.size()) {
            return false;
        }
        for (ServerAddress a : members) {
            if (!up(a)) {
                return false;
            }
            ClusterStatus.MemberStatus m = s.members().stream().filter(x -> x.address().equals(a.toString()))
                    .findFirst().orElse(null);
            KvNode k = server(a);
            if (m == null || !m.inRing() || !m.state().equals("UP") || k.ring() == null
                    || k.ring().version() != s.ringVersion() || !k.isServing() || !k.hasLease()
                    || k.transfersInFlight() > 0 || k.replicationInFlight() > 0) {
                return false;
            }
        }
        return true;
    }

    boolean awaitSettled(long maxMs) {
        return sim.runUntil(this::settled, maxMs);
    }

    List<ServerAddress> upMembers() {
        List<ServerAddress> out = new ArrayList<>();
        for (ServerAddress a : members) {
            if (up(a)) {
                out.add(a);
            }
        }
        return out;
    }

    SimClient clientOn(ServerAddress a) {
        return sim.client(a);
    }

    /** One command on a fresh connection to {@code at}: its reply, or {@code -FAILED ...} if the connection failed. */
    RespValue call(ServerAddress at, String... args) {
        SimClient cl = clientOn(at);
        Outcome o = cl.call(args);
        org.junit.jupiter.api.Assertions.assertTrue(sim.runUntil(() -> !o.isPending(), 10_000),
                "no answer to " + String.join(" ", args));
        cl.close();
        return o.isReplied() ? o.reply() : RespValue.error("FAILED " + o.failure());
    }

    /**
     * Every range's holders, asked directly ({@code RINGKV DIGEST}), hold exactly the same entries: the
     * descriptions of the ranges that differ (empty when all replicas are identical).
     */
    List<String> disagreeingReplicas() {
        dev.ringkv.ring.Ring ring = ecs().ring();
        int rf = ecs().replicationFactor();
        List<String> out = new ArrayList<>();
        for (ServerAddress m : ring.members()) {
            dev.ringkv.ring.Range r = ring.rangeOf(m);
            java.util.Map<ServerAddress, String> digests = new java.util.LinkedHashMap<>();
            for (ServerAddress h : ring.replicasOf(ring.positionOf(m), rf)) {
                digests.put(h, String.valueOf(call(h, "RINGKV", "DIGEST", r.from().hex(), r.to().hex())));
            }
            if (new java.util.HashSet<>(digests.values()).size() != 1) {
                out.add(r + " " + digests);
            }
        }
        return out;
    }

    @Override
    public void close() {
        sim.close();
    }
}
