package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.runtime.NioNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the commands find the cluster without {@code -b}: the remembered members, after the ECS moved too. */
class BootstrapTest {

    @TempDir
    Path dir;
    private String before;

    @BeforeEach
    void stateHere() {
        before = System.getProperty("ringkv.state");
        System.setProperty("ringkv.state", dir.resolve("state/cluster").toString());
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("ringkv.state");
        } else {
            System.setProperty("ringkv.state", before);
        }
    }

    @Test
    void rememberedNodesComeFirstThenTheDefaultAndADamagedLineIsSkipped() throws Exception {
        assertEquals(List.of(ServerAddress.parse(Bootstrap.DEFAULT)), Bootstrap.nodes(null), "nothing remembered yet");
        Bootstrap.remember(List.of(ServerAddress.parse("127.0.0.1:7001"), ServerAddress.parse("127.0.0.1:7002"),
                ServerAddress.parse("127.0.0.1:7001")));
        assertEquals(List.of(ServerAddress.parse("127.0.0.1:7001"), ServerAddress.parse("127.0.0.1:7002"),
                ServerAddress.parse(Bootstrap.DEFAULT)), Bootstrap.nodes(null));
        Files.writeString(Bootstrap.file(), "garbage\n127.0.0.1:7003\n:::\n", StandardCharsets.UTF_8);
        assertEquals(List.of(ServerAddress.parse("127.0.0.1:7003"), ServerAddress.parse(Bootstrap.DEFAULT)),
                Bootstrap.nodes(null));
        assertEquals(List.of(ServerAddress.parse("127.0.0.1:9")), Bootstrap.nodes("127.0.0.1:9"), "-b wins");
    }

    /**
     * The case: after an ECS failover every default aimed at {@code localhost:5100}, where nobody
     * answers. Now {@code ringkv status} with no {@code -b} asks the members the last status named.
     */
    @Test
    void afterTheEcsDiesStatusWithoutBootstrapFindsTheNewEcsThroughARememberedMember() throws Exception {
        try (LoopbackCluster cluster = new LoopbackCluster(dir.resolve("cluster"));
                ConsoleCapture console = new ConsoleCapture()) {
            for (String name : List.of("a", "b", "c")) {
                cluster.addMember(name);
            }
            cluster.awaitRing(3);
            ServerAddress oldEcs = cluster.ecs().address();
            assertEquals(0, Main.run("status", "-b", oldEcs.toString()), console.err());
            assertTrue(Bootstrap.remembered().containsAll(cluster.members().stream().map(NioNode::address).toList()),
                    Bootstrap.remembered().toString());
            cluster.ecs().close();
            ServerAddress newEcs = awaitNewEcs(cluster.members().get(0).address(), oldEcs);
            console.reset();
            assertEquals(0, Main.run("status"), console.err());
            assertTrue(console.out().startsWith("ECS " + newEcs + ", term "), console.out());
            assertEquals(newEcs, Bootstrap.remembered().get(0), "the new ECS is remembered first");
        }
    }

    /** {@code ringkv bench} with no {@code -b} used to load the ECS (which forwards everything) at localhost:5100. */
    @Test
    void benchWithoutANodeLoadsAServerOfTheRememberedClusterAndSaysHowItsPreloadGoes() throws Exception {
        try (LoopbackCluster cluster = new LoopbackCluster(dir.resolve("cluster"));
                ConsoleCapture console = new ConsoleCapture()) {
            cluster.addMember("a");
            cluster.addMember("b");
            cluster.awaitRing(2);
            Bootstrap.remember(List.of(cluster.ecs().address()));
            assertEquals(0, Main.run("bench", "--clients", "2", "--ops", "200", "--keys", "300", "--timeout", "60"),
                    console.out() + console.err());
            String out = console.out();
            assertTrue(cluster.members().stream().anyMatch(m -> out.contains("loading the server " + m.address() + " ")), out);
            assertTrue(out.contains("preloading 300 keys of 100 bytes"), out);
            assertTrue(out.contains("preloaded 300 keys in "), out);
        }
    }

    private static ServerAddress awaitNewEcs(ServerAddress member, ServerAddress oldEcs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String last = "";
        while (System.nanoTime() < deadline) {
            try (EcsLink link = EcsLink.ask(member, "STATUS", 5_000)) {
                if (!link.address().equals(oldEcs)) {
                    return link.address();
                }
            } catch (EcsLink.Failure e) {
                last = e.getMessage(); // no ECS yet
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("no server took over the ECS role: " + last);
    }
}
