package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small bounded bench run against a real node prints its figures and exits 0. */
class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void aShortRunPrintsThroughputAndPercentiles() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NioNode node = Servers.standalone(ServerOptions.loopback(0), dir)) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = Main.run("bench", "-b", node.address().toString(), "--clients", "4", "--ops", "2000",
                    "--pipeline", "8", "--keys", "500", "--timeout", "60");
            assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("ops: 2000 in "), printed);
        assertTrue(printed.contains("errors: 0"), printed);
        assertTrue(printed.matches("(?s).*latency ms: p50 [0-9.]+  p99 [0-9.]+  p99\\.9 [0-9.]+  max [0-9.]+.*"), printed);
    }
}
