package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DESIGN §1 on one node: SIGKILL after acknowledged writes, restart on the same directory, nothing lost. */
class KillAndRestartProcessTest {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
        Map<String, String> acked = new ConcurrentHashMap<>();
        try (ServerProcess server = ServerProcess.start(dir)) {
            CountDownLatch enough = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int id = w;
                Thread t = new Thread(() -> write(server, id, acked, enough));
                t.start();
                writers.add(t);
            }
            assertTrue(enough.await(60, TimeUnit.SECONDS), "writers never got going");
            server.kill(); // mid-stream: writes are in flight at this instant
            for (Thread t : writers) {
                t.join(30_000);
            }
        }
        assertTrue(acked.size() >= 2000, "only " + acked.size() + " writes were acknowledged");
        try (ServerProcess again = ServerProcess.start(dir);
             RingKvClient c = RingKvClient.connect(again.address(), Duration.ofSeconds(10))) {
            int lost = 0;
            for (Map.Entry<String, String> e : acked.entrySet()) {
                if (!e.getValue().equals(c.get(e.getKey()))) {
                    lost++;
                }
            }
            assertEquals(0, lost, "acknowledged writes lost after SIGKILL, of " + acked.size());
        }
    }

    /** Pipelined SETs of unique keys until the connection dies; records each acknowledged one. */
    private static void write(ServerProcess server, int id, Map<String, String> acked, CountDownLatch enough) {
        try (RingKvClient c = RingKvClient.connect(server.address(), Duration.ofSeconds(10))) {
            for (int batch = 0; batch < 100_000; batch++) {
                List<byte[][]> cmds = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String k = "w" + id + "-" + batch + "-" + i;
                    keys.add(k);
                    cmds.add(new byte[][] {b("SET"), b(k), b("v-" + k)});
                }
                List<CompletableFuture<RespValue>> fs = c.pipeline(cmds);
                for (int i = 0; i < fs.size(); i++) {
                    if (RespValue.OK.equals(c.await(fs.get(i)))) {
                        acked.put(keys.get(i), "v-" + keys.get(i));
                    }
                }
                if (acked.size() >= 2000) {
                    enough.countDown();
                }
            }
        } catch (RuntimeException expected) {
            // the server was killed under us
        }
    }

    @Test
    void sigtermStopsGracefullyAndKeepsTheData() throws Exception {
        try (ServerProcess server = ServerProcess.start(dir);
             RingKvClient c = RingKvClient.connect(server.address(), Duration.ofSeconds(10))) {
            c.set("kept", "yes");
            server.terminate();
        }
        try (ServerProcess again = ServerProcess.start(dir);
             RingKvClient c = RingKvClient.connect(again.address(), Duration.ofSeconds(10))) {
            assertEquals("yes", c.get("kept"));
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
