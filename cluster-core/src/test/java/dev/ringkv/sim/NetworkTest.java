package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulated network: latency, per-link FIFO, partitions, loss and duplication (see {@link Network}). */
class NetworkTest {

    static final ServerAddress A = new ServerAddress("a", 1);
    static final ServerAddress B = new ServerAddress("b", 2);
    static final ServerAddress C = new ServerAddress("c", 3);

    final Simulation sim = new Simulation(7);

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

    private static String[] numbered(int n) {
        return IntStream.range(0, n).mapToObj(String::valueOf).toArray(String[]::new);
    }

    @Test
    void messagesOnOneLinkArriveInOrderUnderRandomLatency() {
        sim.network().latency(1, 50);
        probes(A, B);
        for (int burst = 0; burst < 20; burst++) {
            String[] texts = IntStream.range(burst * 10, burst * 10 + 10).mapToObj(String::valueOf).toArray(String[]::new);
            Probe.send(sim, A, B, texts);
            sim.runFor(sim.random().nextInt(5));
        }
        sim.runFor(100);

        assertEquals(List.of(numbered(200)), Probe.of(sim, B).texts());
        List<Long> arrivals = Probe.of(sim, B).messages.stream().map(Probe.Heard::at).toList();
        assertEquals(arrivals.stream().sorted().toList(), arrivals);
        assertTrue(arrivals.stream().distinct().count() > 20, "latency varies: " + arrivals);
    }

    @Test
    void latencyIsDrawnFromTheConfiguredRange() {
        sim.network().latency(4, 9);
        probes(A, B);
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long sent = sim.now();
            Probe.send(sim, A, B, "m" + i);
            sim.runFor(20);
            latencies.add(Probe.of(sim, B).messages.get(i).at() - sent);
        }
        assertTrue(latencies.stream().allMatch(l -> l >= 4 && l <= 9), latencies.toString());
        assertEquals(6, latencies.stream().distinct().count(), "every value of the range occurs: " + latencies);
    }

    @Test
    void aCutDropsMessagesSilentlyAndHealRestoresDelivery() {
        probes(A, B);
        sim.network().cut(A, B);
        Probe.send(sim, A, B, "lost");
        Probe.send(sim, B, A, "lost too");
        sim.runFor(50);
        assertEquals(List.of(), Probe.of(sim, B).messages);
        assertEquals(List.of(), Probe.of(sim, A).messages);
        assertEquals(List.of(), Probe.of(sim, A).unreachable, "a partition is silent");

        sim.network().heal(A, B);
        Probe.send(sim, A, B, "after heal");
        sim.runFor(50);
        assertEquals(List.of("after heal"), Probe.of(sim, B).texts());
    }

    @Test
    void aCutLosesMessagesAlreadyInFlight() {
        sim.network().latency(10, 10);
        probes(A, B);
        Probe.send(sim, A, B, "in flight");
        sim.runFor(5);
        sim.network().cut(A, B);
        sim.network().heal(A, B);
        sim.runFor(50);
        assertEquals(List.of(), Probe.of(sim, B).messages);
    }

    @Test
    void isolatingANodeCutsEveryLinkUntilHealAll() {
        probes(A, B, C);
        sim.network().isolate(C);
        Probe.send(sim, A, C, "to c");
        Probe.send(sim, C, B, "from c");
        Probe.send(sim, A, B, "a to b");
        sim.runFor(50);
        assertEquals(List.of(), Probe.of(sim, C).messages);
        assertEquals(List.of("a to b"), Probe.of(sim, B).texts());

        sim.network().healAll();
        Probe.send(sim, C, B, "from c again");
        sim.runFor(50);
        assertEquals(List.of("a to b", "from c again"), Probe.of(sim, B).texts());
    }

    @Test
    void certainLossDropsEveryMessageWithoutTellingTheSender() {
        probes(A, B);
        sim.network().dropProbability(1.0);
        Probe.send(sim, A, B, numbered(10));
        sim.runFor(50);
        assertEquals(List.of(), Probe.of(sim, B).messages);
        assertEquals(List.of(), Probe.of(sim, A).unreachable);
    }

    @Test
    void randomLossLeavesAnInOrderSubsequenceOfWhatWasSent() {
        sim.network().latency(1, 20).dropProbability(0.2);
        probes(A, B);
        for (int i = 0; i < 500; i++) {
            Probe.send(sim, A, B, String.valueOf(i));
            sim.runFor(sim.random().nextInt(3));
        }
        sim.runFor(100);
        List<Integer> got = Probe.of(sim, B).texts().stream().map(Integer::parseInt).toList();
        assertTrue(got.size() > 350 && got.size() < 450, "some lost, some delivered: " + got.size());
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.get(i - 1) < got.get(i), "in order, no repeats: " + got);
        }
    }

    @Test
    void certainDuplicationDeliversEveryMessageTwice() {
        probes(A, B);
        sim.network().duplicateProbability(1.0);
        Probe.send(sim, A, B, "x", "y");
        sim.runFor(50);
        List<String> got = Probe.of(sim, B).texts();
        assertEquals(4, got.size(), got.toString());
        assertEquals(List.of("x", "x", "y", "y"), got.stream().sorted().toList());
        assertEquals(List.of("x", "y"), got.subList(0, 2), "the originals keep their order");
    }

    @Test
    void aSenderCannotChangeAMessageAfterSendingIt() {
        probes(A, B);
        byte[] payload = "original".getBytes(StandardCharsets.UTF_8);
        sim.node(A).execute(() -> {
            Probe.of(sim, A).ctx.send(B, new byte[][] {payload});
            payload[0] = 'X';
        });
        sim.runFor(50);
        assertEquals(List.of("original"), Probe.of(sim, B).texts());
    }
}
