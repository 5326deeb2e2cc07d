package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes on loopback: an ECS and three servers; SIGKILL, restart, SIGTERM (DESIGN §7, §8). */
class ClusterProcessTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void load(ServerAddress via, int n) {
        try (RingKvClient c = RingKvClient.connect(via, Duration.ofSeconds(10))) {
            List<byte[][]> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(new byte[][] {b("SET"), b("k" + i), b("v" + i)});
            }
            for (CompletableFuture<RespValue> f : c.pipeline(batch)) {
                assertEquals(RespValue.OK, c.await(f));
            }
        }
    }

    private static int unreadable(ServerAddress via, int n) {
        try (RingKvClient c = RingKvClient.connect(via, Duration.ofSeconds(10))) {
            List<byte[][]> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(new byte[][] {b("GET"), b("k" + i)});
            }
            List<CompletableFuture<RespValue>> fs = c.pipeline(batch);
            int bad = 0;
            for (int i = 0; i < n; i++) {
                if (!RespValue.bulk("v" + i).equals(c.await(fs.get(i)))) {
                    bad++;
                }
            }
            return bad;
        }
    }

    @Test
    void aKilledServerLeavesTheRingFastAndServesItsKeysAgainAfterRestart() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, "127.0.0.1", List.of("-XX:+UseSerialGC"))) {
            cluster.startEcs();
            for (int i = 0; i < 3; i++) {
                cluster.startServer();
            }
            assertTrue(cluster.awaitStatus(ProcessCluster.settled(3), Duration.ofSeconds(120)), "no ring of 3");
            ProcessCluster.Node first = cluster.servers().get(0);
            load(first.address, 1000);
            ProcessCluster.Node victim = cluster.servers().get(2);
            cluster.kill(victim);
            assertTrue(cluster.awaitStatus(ProcessCluster.outOfRing(victim.address), Duration.ofSeconds(120)),
                    "the killed server stayed in the ring");
            cluster.restart(victim);
            assertTrue(cluster.awaitStatus(ProcessCluster.settled(3), Duration.ofSeconds(120)), "it did not rejoin");
            for (ProcessCluster.Node n : cluster.servers()) {
                assertEquals(0, unreadable(n.address, 1000), "through " + n.address);
            }
            assertEquals(0, unreadable(cluster.ecs().address, 1000), "through the ECS");

            ProcessCluster.Node leaver = cluster.servers().get(1);
            cluster.terminate(leaver); // SIGTERM: a graceful leave, then exit
            assertFalse(leaver.isAlive());
            assertTrue(cluster.awaitStatus(ProcessCluster.settled(2), Duration.ofSeconds(120)), "no ring of 2");
            assertEquals(0, unreadable(first.address, 1000), "after the graceful leave");
        }
    }
}
