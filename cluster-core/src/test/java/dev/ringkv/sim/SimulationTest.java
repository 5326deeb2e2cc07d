package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.node.Cancellable;
import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.ServerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Driving the simulation: the clock, the bounds of a run, and exact replay of a seed. */
class SimulationTest {

    static final ServerAddress A = new ServerAddress("a", 1);
    static final ServerAddress B = new ServerAddress("b", 2);
    static final ServerAddress KV = new ServerAddress("kv", 6379);

    /** What one run of the mixed scenario produced: every trace line and every client outcome. */
    record Run(List<String> trace, List<String> outcomes) {
    }

    /** Probes chattering under loss and duplication, a KV node taking writes, a crash and a restart. */
    static Run scenario(long seed) {
        List<String> trace = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        try (Simulation sim = new Simulation(seed)) {
            sim.trace(trace::add);
            sim.network().latency(1, 5).dropProbability(0.1).duplicateProbability(0.2);
            sim.addNode(A, Probe::new);
            sim.addNode(B, Probe::new);
            sim.addNode(KV, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
            SimClient client = sim.client(KV);
            long crashAt = 20 + sim.random().nextInt(40);
            sim.schedule(crashAt, () -> sim.crash(KV));
            sim.schedule(crashAt + 5, () -> sim.restart(KV));
            for (int i = 0; i < 40; i++) {
                Probe.send(sim, sim.random().nextBoolean() ? A : B, sim.random().nextBoolean() ? A : B, "m" + i);
                outcomes.add(client.call("SET", "k" + i, "v" + i));
                sim.runFor(sim.random().nextInt(4));
            }
            SimClient later = sim.client(KV);
            for (int i = 0; i < 40; i++) {
                outcomes.add(later.call("GET", "k" + i));
            }
            sim.runFor(100);
        }
        return new Run(trace, outcomes.stream().map(Outcome::toString).toList());
    }

    @Test
    void theSameSeedReplaysTheSameTraceAndOutcomes() {
        Run first = scenario(42);
        Run second = scenario(42);
        assertTrue(first.trace().size() > 200, "a busy run: " + first.trace().size() + " lines");
        assertEquals(first.trace(), second.trace());
        assertEquals(first.outcomes(), second.outcomes());
        assertTrue(first.outcomes().stream().anyMatch(o -> o.contains("failed (connection reset")),
                "the crash cut some writes off: " + first.outcomes());
    }

    @Test
    void differentSeedsDrawDifferentLatencies() {
        assertNotEquals(arrivalTimes(1), arrivalTimes(2));
        assertEquals(arrivalTimes(1), arrivalTimes(1));
    }

    private static List<Long> arrivalTimes(long seed) {
        try (Simulation sim = new Simulation(seed)) {
            sim.network().latency(1, 30);
            sim.addNode(A, Probe::new);
            sim.addNode(B, Probe::new);
            for (int i = 0; i < 20; i++) {
                Probe.send(sim, A, B, "m" + i);
                sim.runFor(10);
            }
            sim.runFor(100);
            return Probe.of(sim, B).messages.stream().map(Probe.Heard::at).toList();
        }
    }

    @Test
    void runForHandlesWhatIsDueAndEndsExactlyAtTheDeadline() {
        try (Simulation sim = new Simulation(1)) {
            sim.addNode(A, Probe::new);
            sim.node(A).execute(() -> {
                Probe.of(sim, A).timerIn(10);
                Probe.of(sim, A).timerIn(20);
                Probe.of(sim, A).timerIn(30);
            });
            sim.runFor(25);
            assertEquals(25, sim.now());
            assertEquals(List.of(10L, 20L), Probe.of(sim, A).timerFirings);
        }
    }

    @Test
    void runUntilStopsAtTheEventThatMakesTheConditionTrue() {
        try (Simulation sim = new Simulation(1)) {
            sim.addNode(A, Probe::new);
            sim.node(A).execute(() -> {
                Probe.of(sim, A).timerIn(10);
                Probe.of(sim, A).timerIn(20);
                Probe.of(sim, A).timerIn(30);
            });
            assertTrue(sim.runUntil(() -> Probe.of(sim, A).timerFirings.size() == 2, 1000));
            assertEquals(20, sim.now());
        }
    }

    @Test
    void runUntilGivesUpAtItsDeadline() {
        try (Simulation sim = new Simulation(1)) {
            sim.addNode(KV, ctx -> new KvNode(ctx, NodeConfig.DEFAULT)); // its timers never stop
            assertFalse(sim.runUntil(() -> false, 5_000));
            assertEquals(5_000, sim.now());
            assertFalse(sim.runUntil(() -> false, 0));
            assertEquals(5_000, sim.now());
        }
        try (Simulation idle = new Simulation(1)) {
            assertFalse(idle.runUntil(() -> false, 100), "an empty queue ends the wait too");
            assertEquals(100, idle.now());
            assertFalse(idle.step());
        }
    }

    @Test
    void aCancelledTimerNeverFires() {
        try (Simulation sim = new Simulation(1)) {
            sim.addNode(A, Probe::new);
            List<Long> fired = new ArrayList<>();
            sim.node(A).execute(() -> {
                NodeContext ctx = Probe.of(sim, A).ctx;
                Cancellable c = ctx.schedule(10, () -> fired.add(ctx.now()));
                ctx.schedule(5, c::cancel);
            });
            sim.runFor(50);
            assertEquals(List.of(), fired);
        }
    }

    @Test
    void aZeroDelayTimerLoopIsReportedAsALivelock() {
        try (Simulation sim = new Simulation(9)) {
            sim.maxEventsPerInstant(1_000);
            sim.addNode(A, Spinner::new);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sim.runFor(10));
            assertTrue(e.getMessage().startsWith("livelock"), e.getMessage());
            assertTrue(e.getMessage().contains("seed 9"), e.getMessage());
        }
    }

    @Test
    void anExceptionInNodeLogicStopsTheRunNamingTheNodeAndSeed() {
        try (Simulation sim = new Simulation(4)) {
            sim.addNode(A, ctx -> new Probe(ctx) {
                @Override
                public void onPeerMessage(ServerAddress from, byte[][] message) {
                    throw new IllegalArgumentException("boom");
                }
            });
            sim.addNode(B, Probe::new);
            Probe.send(sim, B, A, "hi");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sim.runFor(10));
            assertTrue(e.getMessage().contains(A.toString()) && e.getMessage().contains("seed 4"), e.getMessage());
            assertEquals("boom", e.getCause().getMessage());
        }
    }

    @Test
    void closingTheSimulationDeletesItsStores() throws Exception {
        Path dir;
        try (Simulation sim = new Simulation(1)) {
            sim.addNode(KV, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
            Outcome set = sim.client(KV).call("SET", "k", "v");
            sim.runUntil(() -> !set.isPending(), 100);
            dir = sim.node(KV).store().directory();
            assertTrue(Files.isDirectory(dir));
        }
        assertFalse(Files.exists(dir));
        assertFalse(Files.exists(dir.getParent()));
    }

    /** Reschedules itself with no delay, forever. */
    static final class Spinner implements NodeLogic {
        private final NodeContext ctx;

        Spinner(NodeContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void onStart() {
            ctx.schedule(0, this::onStart);
        }

        @Override
        public void onCommand(Session session, byte[][] args) {
        }
    }
}
