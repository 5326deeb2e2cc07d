package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.ring.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose heap fills up halts (exit code 70) with one line saying why, instead of lingering
 * with open ports and a dead event loop: the cluster then sees a crash and moves its ranges.
 */
class OutOfMemoryProcessTest {

    @TempDir
    Path dir;

    @Test
    void aServerOutOfMemoryHaltsAndSaysSo() throws Exception {
        int port = ProcessCluster.freePort();
        Path log = dir.resolve("server.log");
        List<String> cmd = ProcessCluster.ringkvCommand(List.of("-Xmx24m", "-XX:+UseSerialGC"), "server", "--standalone",
                "-p", String.valueOf(port), "-a", "127.0.0.1", "-d", dir.resolve("d").toString(), "--memory-values", "65536",
                "--log-level", "WARN");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(ProcessCluster.awaitPing(new ServerAddress("127.0.0.1", port), Duration.ofSeconds(30)),
                    "the server never answered");
            byte[] value = new byte[32 * 1024]; // kept in memory (--memory-values 65536): 24 MiB fills in < 1,000 writes
            try (RingKvClient c = RingKvClient.connect(new ServerAddress("127.0.0.1", port), Duration.ofSeconds(10))) {
                for (int i = 0; i < 5_000 && p.isAlive(); i++) {
                    c.set(("k" + i).getBytes(StandardCharsets.US_ASCII), value);
                }
            } catch (RuntimeException e) {
                // the connection dies with the process
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
            assertEquals(70, p.exitValue());
            String out = Files.readString(log);
            assertTrue(out.contains("out of memory; halting the process"), out);
        } finally {
            p.destroyForcibly();
        }
    }
}
