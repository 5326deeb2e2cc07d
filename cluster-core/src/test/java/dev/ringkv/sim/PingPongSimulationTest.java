package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Many seeded schedules of a tiny ping-pong protocol: the network neither loses nor reorders without faults. */
class PingPongSimulationTest {

    /** Pings a random peer every 1–10 ms until {@link #STOP_AT}, answers every ping, and counts everything. */
    static final class PingPong implements NodeLogic {
        static final long STOP_AT = 300;

        final NodeContext ctx;
        final List<ServerAddress> peers;
        final Map<ServerAddress, Long> pingsSent = new LinkedHashMap<>();
        final Map<ServerAddress, List<Long>> pingsReceived = new LinkedHashMap<>();
        final Map<ServerAddress, List<Long>> pongsReceived = new LinkedHashMap<>();

        PingPong(NodeContext ctx, List<ServerAddress> all) {
            this.ctx = ctx;
            this.peers = all.stream().filter(a -> !a.equals(ctx.self())).toList();
        }

        @Override
        public void onStart() {
            tick();
        }

        private void tick() {
            if (ctx.now() >= STOP_AT) {
                return;
            }
            ServerAddress peer = peers.get(ctx.random().nextInt(peers.size()));
            long seq = pingsSent.merge(peer, 1L, Long::sum);
            ctx.send(peer, message("PING", seq));
            ctx.schedule(1 + ctx.random().nextInt(10), this::tick);
        }

        @Override
        public void onPeerMessage(ServerAddress from, byte[][] message) {
            String kind = new String(message[0], StandardCharsets.US_ASCII);
            long seq = Long.parseLong(new String(message[1], StandardCharsets.US_ASCII));
            if (kind.equals("PING")) {
                pingsReceived.computeIfAbsent(from, k -> new ArrayList<>()).add(seq);
                ctx.send(from, message("PONG", seq));
            } else {
                pongsReceived.computeIfAbsent(from, k -> new ArrayList<>()).add(seq);
            }
        }

        @Override
        public void onCommand(Session session, byte[][] args) {
        }

        private static byte[][] message(String kind, long seq) {
            return new byte[][] {kind.getBytes(StandardCharsets.US_ASCII),
                    String.valueOf(seq).getBytes(StandardCharsets.US_ASCII)};
        }
    }

    private static List<ServerAddress> cluster(Simulation sim) {
        int n = 2 + sim.random().nextInt(4);
        List<ServerAddress> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(new ServerAddress("n" + i, 7000 + i));
        }
        for (ServerAddress a : all) {
            sim.addNode(a, ctx -> new PingPong(ctx, all));
        }
        return all;
    }

    private static PingPong node(Simulation sim, ServerAddress a) {
        return (PingPong) sim.node(a).logic();
    }

    @Test
    void withoutFaultsEveryPingAndPongArrivesOnceInOrder() {
        Seeds.run(50, 20_000, seed -> {
            try (Simulation sim = new Simulation(seed)) {
                int min = sim.random().nextInt(4);
                sim.network().latency(min, min + sim.random().nextInt(30));
                List<ServerAddress> all = cluster(sim);
                sim.runFor(PingPong.STOP_AT + 200);

                long total = 0;
                for (ServerAddress from : all) {
                    for (ServerAddress to : all) {
                        long sent = node(sim, from).pingsSent.getOrDefault(to, 0L);
                        List<Long> expected = LongStream.rangeClosed(1, sent).boxed().toList();
                        assertEquals(expected, node(sim, to).pingsReceived.getOrDefault(from, List.of()),
                                "pings " + from + " -> " + to);
                        assertEquals(expected, node(sim, from).pongsReceived.getOrDefault(to, List.of()),
                                "pongs " + to + " -> " + from);
                        total += sent;
                    }
                }
                assertTrue(total >= all.size() * 25L, "every node pinged: " + total);
            }
        });
    }

    @Test
    void underLossPartitionsAndPausesWhatArrivesIsAnInOrderSubsequence() {
        long[] delivered = {0};
        Seeds.run(30, 30_000, seed -> {
            try (Simulation sim = new Simulation(seed)) {
                sim.network().latency(1, 1 + sim.random().nextInt(20)).dropProbability(0.1);
                List<ServerAddress> all = cluster(sim);
                for (int t = 0; t < PingPong.STOP_AT; t += 20) {
                    ServerAddress x = all.get(sim.random().nextInt(all.size()));
                    ServerAddress y = all.get(sim.random().nextInt(all.size()));
                    switch (sim.random().nextInt(4)) {
                        case 0 -> sim.network().cut(x, y);
                        case 1 -> sim.network().healAll();
                        case 2 -> sim.pause(x);
                        default -> all.forEach(sim::resume);
                    }
                    sim.runFor(20);
                }
                all.forEach(sim::resume);
                sim.network().healAll();
                sim.runFor(200);

                for (ServerAddress from : all) {
                    for (ServerAddress to : all) {
                        long sent = node(sim, from).pingsSent.getOrDefault(to, 0L);
                        List<Long> pings = node(sim, to).pingsReceived.getOrDefault(from, List.of());
                        assertIncreasingWithin(pings, sent);
                        assertIncreasingWithin(node(sim, from).pongsReceived.getOrDefault(to, List.of()), sent);
                        delivered[0] += pings.size();
                    }
                }
            }
        });
        // one seed may lose everything (both nodes paused, say); the whole run may not
        assertTrue(delivered[0] > 0, "some pings got through");
    }

    private static void assertIncreasingWithin(List<Long> got, long sent) {
        for (int i = 0; i < got.size(); i++) {
            assertTrue(got.get(i) >= 1 && got.get(i) <= sent, "only what was sent: " + got);
            assertTrue(i == 0 || got.get(i - 1) < got.get(i), "in order, once: " + got);
        }
    }
}
