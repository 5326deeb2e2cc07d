package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Crash (SIGKILL) and restart: what peers and clients see, and what the store keeps. */
class CrashRestartTest {

    static final ServerAddress A = new ServerAddress("a", 1);
    static final ServerAddress B = new ServerAddress("b", 2);
    static final ServerAddress C = new ServerAddress("c", 3);
    static final ServerAddress KV = new ServerAddress("kv", 6379);
    static final long LATENCY = 2;

    final Simulation sim = new Simulation(11);

    CrashRestartTest() {
        sim.network().latency((int) LATENCY, (int) LATENCY);
    }

    @AfterEach
    void close() {
        sim.close();
    }

    private void probes(ServerAddress... nodes) {
        for (ServerAddress n : nodes) {
            sim.addNode(n, Probe::new);
        }
        sim.runFor(0);
    }

    private void kvNode() {
        sim.addNode(KV, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
    }

    private boolean allDone(List<Outcome> outcomes) {
        return outcomes.stream().noneMatch(Outcome::isPending);
    }

    @Test
    void aPeerConnectedToACrashedNodeIsToldAfterOneLatency() {
        probes(A, B);
        Probe.send(sim, A, B, "hello");
        sim.runFor(10);

        sim.crash(B);
        long crashedAt = sim.now();
        sim.runFor(20);

        assertEquals(List.of(new Probe.Heard(crashedAt + LATENCY, B, "unreachable")), Probe.of(sim, A).unreachable);
    }

    @Test
    void aPeerThatOnlyReceivedFromTheCrashedNodeIsNotTold() {
        // as in the NIO runtime: only an outbound PeerLink sees the reset; inbound peer connections just close
        probes(A, B);
        Probe.send(sim, B, A, "hello");
        sim.runFor(10);
        sim.crash(B);
        sim.runFor(20);
        assertEquals(List.of(), Probe.of(sim, A).unreachable);
    }

    @Test
    void sendsToACrashedNodeAreRefusedOneLatencyLater() {
        probes(A, B);
        sim.crash(B);
        sim.runFor(5);
        long sentAt = sim.now();
        Probe.send(sim, A, B, "one", "two");
        sim.runFor(20);
        assertEquals(List.of(new Probe.Heard(sentAt + LATENCY, B, "unreachable"),
                new Probe.Heard(sentAt + LATENCY, B, "unreachable")), Probe.of(sim, A).unreachable);
    }

    @Test
    void messagesInFlightToACrashedNodeNeverReachItsNextLife() {
        sim.network().latency(10, 10);
        probes(A, B);
        Probe.send(sim, A, B, "to the old b");
        sim.runFor(3);
        sim.crash(B);
        sim.restart(B);
        sim.runFor(50);
        assertTrue(Probe.of(sim, B).started);
        assertEquals(List.of(), Probe.of(sim, B).messages);
    }

    @Test
    void messagesACrashedNodeSentBeforeDyingStillArrive() {
        sim.network().latency(10, 10);
        probes(A, B);
        Probe.send(sim, B, A, "last words");
        sim.runFor(3);
        sim.crash(B);
        sim.runFor(50);
        assertEquals(List.of("last words"), Probe.of(sim, A).texts());
    }

    @Test
    void timersOfACrashedNodeNeverFire() {
        probes(A);
        Probe first = Probe.of(sim, A);
        sim.node(A).execute(() -> first.timerIn(50));
        sim.runFor(10);
        sim.crash(A);
        sim.restart(A);
        sim.runFor(100);
        assertEquals(List.of(), first.timerFirings);
        assertEquals(3, sim.node(A).incarnation());
        assertTrue(Probe.of(sim, A).started);
    }

    @Test
    void acknowledgedWritesSurviveACrashAndRestart() {
        kvNode();
        SimClient client = sim.client(KV);
        List<Outcome> sets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sets.add(client.call("SET", "key" + i, "value" + i));
        }
        assertTrue(sim.runUntil(() -> allDone(sets), 1000));
        sets.forEach(o -> assertEquals(RespValue.OK, o.reply(), o.toString()));

        sim.crash(KV);
        sim.runFor(10);
        sim.restart(KV);
        SimClient again = sim.client(KV);
        List<Outcome> gets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            gets.add(again.call("GET", "key" + i));
        }
        assertTrue(sim.runUntil(() -> allDone(gets), 1000));
        for (int i = 0; i < 20; i++) {
            assertEquals(RespValue.bulk("value" + i), gets.get(i).reply());
        }
    }

    @Test
    void aWriteIsAcknowledgedOnlyAfterTheFlush() {
        List<String> trace = new ArrayList<>();
        sim.trace(trace::add);
        kvNode();
        Outcome set = sim.client(KV).call("SET", "k", "v");
        sim.runUntil(() -> !set.isPending(), 100);

        int command = indexOf(trace, "command c1 [SET k v]");
        int flush = indexOf(trace, "flush " + KV);
        int reply = indexOf(trace, "reply " + KV + " -> c1 +OK");
        assertTrue(command < flush && flush < reply, String.join("\n", trace));
    }

    @Test
    void evenAnImmediateReplyLeavesOnlyAfterTheTurnsFlush() {
        List<String> trace = new ArrayList<>();
        sim.trace(trace::add);
        sim.addNode(A, Scripted::new);
        Outcome apply = sim.client(A).call("APPLY", "k", "v");
        sim.runUntil(() -> !apply.isPending(), 100);
        assertTrue(indexOf(trace, "flush " + A) < indexOf(trace, "reply " + A + " -> c1 +OK"), String.join("\n", trace));
    }

    @Test
    void commandsPendingWhenTheNodeCrashesFailOneLatencyLater() {
        sim.addNode(A, Scripted::new);
        SimClient client = sim.client(A);
        Outcome held = client.call("HOLD");
        sim.runFor(10);
        Outcome inFlight = client.call("FAST", "x");
        sim.runFor(1);

        sim.crash(A);
        long crashedAt = sim.now();
        sim.runFor(20);

        for (Outcome o : List.of(held, inFlight)) {
            assertTrue(o.isFailed(), o.toString());
            assertEquals("connection reset by " + A, o.failure());
            assertEquals(crashedAt + LATENCY, o.completedAt());
        }
        assertFalse(client.isConnected());
        assertTrue(client.call("FAST", "y").isFailed(), "a reset connection stays closed");
    }

    @Test
    void aClientOfACrashedNodeIsRefused() {
        sim.addNode(A, Scripted::new);
        sim.runFor(1);
        sim.crash(A);
        Outcome o = sim.client(A).call("FAST", "x");
        sim.runFor(10);
        assertEquals("connection refused by " + A, o.failure());
        assertNull(sim.node(A).logic());
        assertFalse(sim.node(A).isUp());
    }

    @Test
    void aCrashedNodesPeersAreToldEvenWhenItWasPaused() {
        probes(A, B, C);
        Probe.send(sim, A, B, "hi");
        Probe.send(sim, C, B, "hi");
        sim.runFor(10);
        sim.pause(B);
        sim.runFor(100);
        assertEquals(List.of(), Probe.of(sim, A).unreachable, "a pause is silent");
        sim.crash(B);
        sim.runFor(10);
        assertEquals(1, Probe.of(sim, A).unreachable.size());
        assertEquals(1, Probe.of(sim, C).unreachable.size());
    }

    private static int indexOf(List<String> trace, String fragment) {
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError("no trace line contains '" + fragment + "' in\n" + String.join("\n", trace));
    }
}
