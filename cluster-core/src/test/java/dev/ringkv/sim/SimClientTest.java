package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Simulated client connections: latency both ways, pipelining, reply order, closing. */
class SimClientTest {

    static final ServerAddress A = new ServerAddress("a", 1);

    final Simulation sim = new Simulation(5);

    @AfterEach
    void close() {
        sim.close();
    }

    @Test
    void aReplyTakesOneLatencyEachWay() {
        sim.network().latency(3, 3);
        sim.addNode(A, Scripted::new);
        sim.runFor(10);
        Outcome o = sim.client(A).call("FAST", "x");
        sim.runFor(100);
        assertEquals(RespValue.bulk("x"), o.reply());
        assertEquals(o.issuedAt() + 6, o.completedAt());
    }

    @Test
    void pipelinedRepliesComeBackInCommandOrderEvenWhenADeferredOneCompletesLater() {
        sim.network().latency(1, 5);
        sim.addNode(A, Scripted::new);
        SimClient client = sim.client(A);
        List<String> arrivals = new ArrayList<>();
        List<Outcome> outcomes = List.of(
                client.call("FAST", "1"),
                client.call("SLOW", "30", "2"),
                client.call("FAST", "3"),
                client.call("SLOW", "5", "4"),
                client.call("FAST", "5"));
        outcomes.forEach(o -> o.whenDone(done -> arrivals.add(((RespValue.Bulk) done.reply()).utf8())));
        sim.runFor(200);

        assertEquals(List.of("1", "2", "3", "4", "5"), arrivals);
        assertTrue(outcomes.get(2).completedAt() >= outcomes.get(1).completedAt(),
                "FAST 3 waited for SLOW 2: " + outcomes);
        assertTrue(outcomes.get(1).completedAt() >= 30, "SLOW 2 took its 30 ms: " + outcomes);
    }

    @Test
    void quitClosesTheConnectionAfterItsReply() {
        sim.addNode(A, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
        SimClient client = sim.client(A);
        Outcome ping = client.call("PING");
        Outcome quit = client.call("QUIT");
        Outcome after = client.call("PING");
        sim.runFor(50);

        assertEquals(RespValue.PONG, ping.reply());
        assertEquals(RespValue.OK, quit.reply());
        assertTrue(after.isFailed(), after.toString());
        assertFalse(client.isConnected());
        assertTrue(client.isClosed());
    }

    @Test
    void closingTheClientFailsItsPendingCommandsAtOnce() {
        sim.addNode(A, Scripted::new);
        SimClient client = sim.client(A);
        Outcome held = client.call("HOLD");
        sim.runFor(10);
        client.close();
        assertEquals("closed by the client", held.failure());
        assertTrue(client.call("FAST", "x").isFailed());
        sim.runFor(10);
        assertTrue(client.isClosed(), "the node saw the close");
    }

    @Test
    void kvNodeServesTheRedisCommandsInTheSimulation() {
        sim.addNode(A, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
        SimClient client = sim.client(A);
        Outcome set = client.call("SET", "k", "v");
        Outcome get = client.call("GET", "k");
        Outcome del = client.call("DEL", "k");
        Outcome gone = client.call("GET", "k");
        assertTrue(sim.runUntil(() -> !gone.isPending(), 100));
        assertEquals(RespValue.OK, set.reply());
        assertEquals(RespValue.bulk("v"), get.reply());
        assertEquals(RespValue.ONE, del.reply());
        assertEquals(RespValue.NULL, gone.reply());
    }
}
