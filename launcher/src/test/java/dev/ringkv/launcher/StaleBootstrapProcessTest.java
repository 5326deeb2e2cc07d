package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server restarted with a {@code -b} that no longer answers (the ECS it joined through died, the role
 * moved) finds the cluster through the members of the last ring it knew — and does not spin on refusals.
 * Found by {@code ringkv chaos}: such a server retried in a tight loop and never rejoined.
 */
class StaleBootstrapProcessTest {

    @TempDir
    Path dir;

    @Test
    void aRestartedServerFindsTheClusterThroughTheMembersItRemembers() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, "127.0.0.1", List.of("-XX:+UseSerialGC", "-Xmx256m"))) {
            cluster.startEcs();
            ProcessCluster.Node first = cluster.startServer(); // -b: the dedicated ECS only
            cluster.startServer();
            cluster.startServer();
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(120)), "never formed");
            cluster.kill(first);
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(2), Duration.ofSeconds(120)), "did not heal without it");
            cluster.kill(cluster.ecs());
            assertTrue(cluster.awaitStatus(s -> s.term() >= 2 && ProcessCluster.healed(2).test(s), Duration.ofSeconds(120)),
                    "no server took the ECS role");
            cluster.restart(first); // still -b <the dead ECS>
            assertTrue(cluster.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(120)),
                    "the restarted server did not rejoin: " + cluster.status() + "\n" + Files.readString(dir.resolve("server-1.log")));
            long refusals = Files.readAllLines(dir.resolve("server-1.log")).stream()
                    .filter(l -> l.contains("cannot reach") || l.contains("none of")).count();
            assertTrue(refusals < 20, refusals + " refusal lines: a loop spinning on refused connections");
        }
    }
}
