package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pause and resume (SIGSTOP/SIGCONT): nothing is handled meanwhile, nothing is lost, nobody is told. */
class PauseTest {

    static final ServerAddress A = new ServerAddress("a", 1);
    static final ServerAddress B = new ServerAddress("b", 2);

    final Simulation sim = new Simulation(3);

    @AfterEach
    void close() {
        sim.close();
    }

    private void probes() {
        sim.addNode(A, Probe::new);
        sim.addNode(B, Probe::new);
        sim.runFor(0);
    }

    @Test
    void aPausedNodesTimersWaitAndFireOnResume() {
        probes();
        sim.node(B).execute(() -> Probe.of(sim, B).timerIn(20));
        sim.runFor(10);
        sim.pause(B);
        sim.runFor(40);
        assertEquals(List.of(), Probe.of(sim, B).timerFirings);

        sim.resume(B);
        sim.runFor(0);
        assertEquals(List.of(50L), Probe.of(sim, B).timerFirings);
    }

    @Test
    void messagesToAPausedNodeQueueAndAreHandledInOrderOnResume() {
        sim.network().latency(1, 10);
        probes();
        sim.pause(B);
        for (int i = 0; i < 10; i++) {
            Probe.send(sim, A, B, "early" + i);
            sim.runFor(1);
        }
        sim.runFor(50);
        assertEquals(List.of(), Probe.of(sim, B).messages);

        sim.resume(B);
        Probe.send(sim, A, B, "late0", "late1");
        sim.runFor(50);
        assertEquals(List.of("early0", "early1", "early2", "early3", "early4", "early5", "early6", "early7",
                "early8", "early9", "late0", "late1"), Probe.of(sim, B).texts());
        assertEquals(60, Probe.of(sim, B).messages.get(9).at(), "the backlog is handled at the resume instant");
        assertEquals(List.of(), Probe.of(sim, A).unreachable, "a pause is silent");
    }

    @Test
    void aClientsCommandWaitsForAPausedNode() {
        sim.addNode(A, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
        sim.runFor(1);
        sim.pause(A);
        Outcome set = sim.client(A).call("SET", "k", "v");
        sim.runFor(1000);
        assertTrue(set.isPending());

        sim.resume(A);
        assertTrue(sim.runUntil(() -> !set.isPending(), 100));
        assertEquals(RespValue.OK, set.reply());
    }

    @Test
    void aCrashWhilePausedDiscardsTheBacklog() {
        probes();
        sim.pause(B);
        Probe.send(sim, A, B, "never handled");
        sim.runFor(10);
        sim.crash(B);
        sim.restart(B);
        sim.runFor(10);
        assertEquals(List.of(), Probe.of(sim, B).messages);
        assertTrue(Probe.of(sim, B).started);
    }
}
