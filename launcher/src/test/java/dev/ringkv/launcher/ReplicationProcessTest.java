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
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(4), Duration.ofSeconds(120)), "never formed");
            ServerAddress[] seeds = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
            Writers writers = new Writers(8, "w", 100, 50_000, seeds).start();
            assertTrue(ProcessCluster.await(() -> writers.acked.size() >= 2_000, Duration.ofSeconds(120)),
                    "writers never got going: " + writers.lastError());
            ProcessCluster.Node victim = cluster.servers().get(1);
            cluster.kill(victim);
            int before = writers.acked.size();
            boolean kept = ProcessCluster.await(() -> writers.acked.size() >= before + 2_000, Duration.ofSeconds(120));
            writers.stop();
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(3).and(ProcessCluster.outOfRing(victim.address)),
                    Duration.ofSeconds(120)), "never healed: " + cluster.status());
            assertTrue(kept, "writes stopped after the kill: " + writers.lastError());
            ServerAddress[] alive = cluster.servers().stream().filter(ProcessCluster.Node::isAlive)
                    .map(n -> n.address).toArray(ServerAddress[]::new);
            assertEquals(0, Writers.lost(writers.acked, alive), "acknowledged writes lost, of " + writers.acked.size());
            try (RingKvClient ecs = RingKvClient.connect(cluster.ecs().address, Duration.ofSeconds(10))) {
                String[] check = {""};
                // a write still on its way to a replica would show as one disagreement: ask until quiet
                assertTrue(ProcessCluster.await(() -> (check[0] = ((RespValue.Bulk) ecs.execute("RINGKV", "CHECK")).utf8())
                        .contains(" 0 disagreeing, 0 unanswered"), Duration.ofSeconds(120)), check[0]);
            }
        }
    }
}
