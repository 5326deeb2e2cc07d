package dev.ringkv.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ringkv.client.RingKvClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node stopped and started again on the same directory serves what it acknowledged, newest versions winning. */
class RecoveryTest {

    @TempDir
    Path dir;

    @Test
    void aRestartedNodeServesEveryAcknowledgedWrite() {
        Path data = dir.resolve("n");
        try (NioNode n = Servers.standalone(ServerOptions.loopback(0), data);
             RingKvClient c = RingKvClient.connect(n.address(), Duration.ofSeconds(5))) {
            for (int i = 0; i < 2000; i++) {
                c.set("k" + i, "v" + i);
            }
            for (int i = 0; i < 2000; i += 2) {
                c.set("k" + i, "w" + i);
            }
            c.del("k1");
        }
        try (NioNode n = Servers.standalone(ServerOptions.loopback(0), data);
             RingKvClient c = RingKvClient.connect(n.address(), Duration.ofSeconds(5))) {
            assertNull(c.get("k1"));
            for (int i = 2; i < 2000; i++) {
                assertEquals((i % 2 == 0 ? "w" : "v") + i, c.get("k" + i));
            }
            // versions keep growing after recovery: a new write wins over everything recovered
            c.set("k0", "after-restart");
            assertEquals("after-restart", c.get("k0"));
        }
    }
}
