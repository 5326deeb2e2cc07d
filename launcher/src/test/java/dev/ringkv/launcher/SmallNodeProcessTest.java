package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ringkv.client.RingKvClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ringkv server --memory-values 0} keeps only keys in memory: every value is read back from the
 * log, after overwrites, deletes and a SIGKILL with a restart, exactly as a default server answers.
 */
class SmallNodeProcessTest {

    @TempDir
    Path dir;

    @Test
    void valuesReadFromTheLogAreTheValuesWritten() throws Exception {
        byte[] big = new byte[20_000];
        Arrays.fill(big, (byte) 'b');
        try (ServerProcess server = ServerProcess.start(dir, "--memory-values", "0");
             RingKvClient c = RingKvClient.connect(server.address(), Duration.ofSeconds(10))) {
            for (int i = 0; i < 500; i++) {
                c.set("k" + i, "first-" + i);
            }
            for (int i = 0; i < 500; i += 2) {
                c.set("k" + i, "second-" + i); // the newest record wins, wherever it is in the log
            }
            c.del("k7");
            c.set("big".getBytes(StandardCharsets.US_ASCII), big);
            check(c, big);
            server.kill();
        }
        try (ServerProcess again = ServerProcess.start(dir, "--memory-values", "0");
             RingKvClient c = RingKvClient.connect(again.address(), Duration.ofSeconds(10))) {
            check(c, big);
        }
    }

    private static void check(RingKvClient c, byte[] big) {
        for (int i = 0; i < 500; i++) {
            String want = i == 7 ? null : (i % 2 == 0 ? "second-" : "first-") + i;
            assertEquals(want, c.get("k" + i), "k" + i);
        }
        assertArrayEquals(big, c.get("big".getBytes(StandardCharsets.US_ASCII)));
        assertNull(c.get("never-written"));
    }
}
