package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.launcher.bench.Writers;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 with real processes on loopback: ECS and four servers with three copies per key; eight client
 * threads write while a server is SIGKILLed; once the cluster has healed, every acknowledged write reads
 * back and every range's holders agree.
 */
class ReplicationProcessTest {

    @TempDir
    Path dir;

    @Test
    void noAcknowledgedWriteIsLostWhenAServerIsKilledUnderLoad() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, "127.0.0.1", List.of("-XX:+UseSerialGC", "-Xmx256m"))) {
            cluster.startEcs();
            for (int i = 0; i < 4; i++) {
                cluster.startServer();
            }
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(4), Duration.ofSeconds(60)), "never formed");
            ServerAddress[] seeds = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
            Writers writers = new Writers(8, "w", 100, 50_000, seeds).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (writers.acked.size() < 2_000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            ProcessCluster.Node victim = cluster.servers().get(1);
            cluster.kill(victim);
            int before = writers.acked.size();
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (writers.acked.size() < before + 2_000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            writers.stop();
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(3).and(ProcessCluster.outOfRing(victim.address)),
                    Duration.ofSeconds(60)), "never healed: " + cluster.status());
            assertTrue(writers.acked.size() >= before + 2_000, "writes stopped after the kill: " + writers.lastError());
            ServerAddress[] alive = cluster.servers().stream().filter(ProcessCluster.Node::isAlive)
                    .map(n -> n.address).toArray(ServerAddress[]::new);
            assertEquals(0, Writers.lost(writers.acked, alive), "acknowledged writes lost, of " + writers.acked.size());
            try (RingKvClient ecs = RingKvClient.connect(cluster.ecs().address, Duration.ofSeconds(10))) {
                String check = ((RespValue.Bulk) ecs.execute("RINGKV", "CHECK")).utf8();
                if (!check.contains(" 0 disagreeing")) {
                    Thread.sleep(500); // a write still on its way to a replica shows as one disagreement
                    check = ((RespValue.Bulk) ecs.execute("RINGKV", "CHECK")).utf8();
                }
                assertTrue(check.contains(" 0 disagreeing, 0 unanswered"), check);
            }
        }
    }
}
