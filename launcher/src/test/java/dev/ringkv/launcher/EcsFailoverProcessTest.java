package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvCluster;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 with real processes on loopback, following the original system's demo: an ECS and three
 * servers, 1 000 keys, SIGKILL of the ECS; a server takes the ECS role (as {@code ringkv status} shows),
 * every key stays readable, and new servers join through the new ECS and through the dead ECS's address
 * (given with a member to fall back on). Then the dead ECS restarts and, deposed, exits naming the new one.
 */
class EcsFailoverProcessTest {

    private static final int KEYS = 1_000;

    @TempDir
    Path dir;

    @Test
    void aServerBecomesTheEcsWhenItIsKilledAndTheClusterCarriesOn() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, "127.0.0.1", List.of("-XX:+UseSerialGC", "-Xmx256m"))) {
            ProcessCluster.Node oldEcs = cluster.startEcs();
            for (int i = 0; i < 3; i++) {
                cluster.startServer();
            }
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(120)), "never formed");
            ServerAddress[] seeds = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
            try (RingKvCluster client = RingKvCluster.connect(seeds)) {
                for (int i = 0; i < KEYS; i++) {
                    client.set("key-" + i, "value-" + i);
                }
            }

            // a watch started through a server follows the ECS role when it moves
            Path watchLog = dir.resolve("watch.log");
            Process watch = cluster.background(watchLog, "watch", "-b", seeds[0].toString(), "--for", "20", "--quiet-status");
            assertTrue(ProcessCluster.await(() -> read(watchLog).contains("watching the ECS " + oldEcs.address),
                    Duration.ofSeconds(120)), read(watchLog));

            cluster.kill(oldEcs);
            assertTrue(cluster.awaitStatus(s -> s.term() > 1 && ProcessCluster.healed(3).test(s), Duration.ofSeconds(120)),
                    "no server took over: " + cluster.status());
            ClusterStatus s = cluster.status();
            ServerAddress newEcs = ServerAddress.parse(s.ecs());
            assertTrue(List.of(seeds).contains(newEcs), "the ECS is one of the servers: " + newEcs);
            // ringkv status, asked through a server that does not hold the role, names the new ECS and its term
            ServerAddress other = List.of(seeds).stream().filter(a -> !a.equals(newEcs)).findFirst().orElseThrow();
            String status = cluster.run("status", "-b", other.toString());
            assertTrue(status.contains("ECS " + newEcs + ", term " + s.term()), status);
            // given the dead ECS's address first, it moves on to the next one
            String viaDead = cluster.run("status", "-b", oldEcs.address + "," + other);
            assertTrue(viaDead.contains("ECS " + newEcs + ", term " + s.term()), viaDead);
            assertReadable(seeds);
            assertTrue(ProcessCluster.await(() -> read(watchLog).contains("watching the ECS " + newEcs + " now")
                    && read(watchLog).contains("elected ECS in term " + s.term()), Duration.ofSeconds(120)), read(watchLog));
            watch.destroyForcibly();

            // joins: one through the new ECS, one through the dead ECS's address with a member to fall back on
            ProcessCluster.Node viaNew = cluster.startServerVia(newEcs.toString());
            ProcessCluster.Node viaOld = cluster.startServerVia(oldEcs.address + "," + other);
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(5), Duration.ofSeconds(120)),
                    "the new servers did not join: " + cluster.status());
            String log = Files.readString(viaOld.log);
            assertTrue(log.contains("cannot reach " + oldEcs.address + "; trying " + other), log);
            ServerAddress[] all = cluster.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
            assertTrue(cluster.status().members().stream().filter(m -> m.inRing()).allMatch(m -> m.keys() > 0),
                    "the joiners got no keys: " + cluster.status());
            assertReadable(all);
            assertNotNull(viaNew);

            // the old ECS comes back: the servers answer its stale term, and it exits naming the new ECS
            cluster.restart(oldEcs);
            assertTrue(oldEcs.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the deposed ECS kept running");
            assertEquals(3, oldEcs.process().exitValue());
            String ecsLog = Files.readString(oldEcs.log);
            assertTrue(ecsLog.contains("deposed: the servers follow term " + s.term() + " (ECS " + newEcs + ")"), ecsLog);
            assertEquals(newEcs, cluster.currentEcs());
            assertNotEquals(oldEcs.address, cluster.currentEcs());
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static void assertReadable(ServerAddress[] seeds) {
        try (RingKvCluster client = RingKvCluster.connect(seeds)) {
            for (int i = 0; i < KEYS; i++) {
                assertEquals("value-" + i, client.get("key-" + i), "key-" + i);
            }
        }
    }
}
