package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code ringkv server} process started before its ECS: it says what it waits for and is not "ready"
 * until the ECS has admitted it (it used to print "ready" at once and retry in silence).
 */
class ServerJoinProcessTest {

    @TempDir
    Path dir;

    @Test
    void aServerWaitingForItsEcsSaysSoAndIsReadyOnlyOnceAdmitted() throws Exception {
        int ecsPort = ProcessCluster.freePort();
        String ecsAt = "127.0.0.1:" + ecsPort;
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.ringkv.launcher.Main", "server", "-p", "0",
                "-a", "127.0.0.1", "-d", dir.resolve("s").toString(), "-b", ecsAt, "--log-level", "WARN"))
                .redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (java.io.IOException ignored) {
                // the process is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        NioNode ecs = null;
        try {
            StringBuilder seen = new StringBuilder();
            String waiting = awaitLine(lines, seen, "waiting for the ECS at " + ecsAt);
            assertFalse(seen.toString().contains(" ready"), "ready before any ECS answered: " + seen);
            assertTrue(waiting.startsWith("RingKV server 127.0.0.1:") && waiting.contains("listening"), waiting);
            ecs = Servers.ecs(ServerOptions.loopback(ecsPort), dir.resolve("ecs"), EcsConfig.DEFAULT);
            String ready = awaitLine(lines, seen, " ready: serving in ring version ");
            assertTrue(ready.endsWith("ECS " + ecsAt), ready);
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            if (ecs != null) {
                ecs.close();
            }
        }
    }

    private static String awaitLine(BlockingQueue<String> lines, StringBuilder seen, String containing)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(100, TimeUnit.MILLISECONDS);
            if (l != null) {
                seen.append(l).append('\n');
                if (l.contains(containing)) {
                    return l;
                }
            }
        }
        throw new AssertionError("no line with '" + containing + "' in:\n" + seen);
    }
}
