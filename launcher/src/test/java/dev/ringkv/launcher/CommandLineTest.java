package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad flags get a clear message and exit code 2; -h works on every command. */
class CommandLineTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"ecs", "server", "client", "status", "watch", "dump", "bench"}) {
            assertEquals(0, Main.run(cmd, "-h"), cmd);
        }
        assertEquals(0, Main.run("-h"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("Usage: ringkv server") && help.contains("--fsync"), help);
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertEquals(2, Main.run("frobnicate"));
        assertTrue(err().contains("Unmatched argument"), err());
    }

    @Test
    void badPortIsAUsageError() {
        assertEquals(2, Main.run("server", "-p", "notaport"));
        assertTrue(err().contains("Invalid value for option '--port'"), err());
    }

    @Test
    void missingPortIsAUsageError() {
        assertEquals(2, Main.run("server"));
        assertTrue(err().contains("Missing required option: '--port=<port>'"), err());
    }

    @Test
    void badFsyncPolicyIsAUsageError() {
        assertEquals(2, Main.run("server", "-p", "0", "--fsync", "sometimes", "-d", dir.toString()));
        assertTrue(err().contains("unknown fsync policy 'sometimes'"), err());
    }

    @Test
    void aPortInUseIsOneClearLineAndExitCodeOne() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertEquals(1, Main.run("server", "-p", String.valueOf(taken.getLocalPort()), "-a", "127.0.0.1",
                    "--standalone", "-d", dir.resolve("p").toString()));
            assertTrue(err().contains("ringkv server: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use"), err());
            assertTrue(!err().contains("\tat "), "no stack trace: " + err());
        }
    }

    @Test
    void aDataDirectoryInUseIsRefusedClearly() {
        try (dev.ringkv.runtime.NioNode node = dev.ringkv.runtime.Servers.standalone(
                dev.ringkv.runtime.ServerOptions.loopback(0), dir.resolve("busy"))) {
            assertEquals(1, Main.run("server", "-p", "0", "-a", "127.0.0.1", "--standalone", "-d", dir.resolve("busy").toString()));
            assertTrue(err().contains("ringkv server: data directory"), err());
            assertTrue(node.connectionCount() >= 0, "the first server still runs");
        }
    }

    @Test
    void negativeMemoryValuesIsAUsageError() {
        assertEquals(2, Main.run("server", "-p", "0", "--standalone", "--memory-values", "-1", "-d", dir.toString()));
        assertTrue(err().contains("--memory-values not negative"), err());
    }

    @Test
    void benchRejectsNonsenseNumbers() {
        assertEquals(2, Main.run("bench", "--clients", "0"));
        assertTrue(err().contains("--clients"), err());
    }

    @Test
    void theClientReadsPipedCommandsLineByLine() {
        java.io.InputStream oldIn = System.in;
        try (dev.ringkv.runtime.NioNode node = dev.ringkv.runtime.Servers.standalone(
                dev.ringkv.runtime.ServerOptions.loopback(0), dir.resolve("n"))) {
            String script = "connect 127.0.0.1 " + node.address().port() + "\nput k v with spaces\nget k\nget missing\nquit\nget k\n";
            System.setIn(new java.io.ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, Main.run("client"));
            String printed = out.toString(StandardCharsets.UTF_8);
            assertEquals(String.join(System.lineSeparator(), "Connected to RingKV at 127.0.0.1:" + node.address().port(),
                    "put_success k", "get_success k v with spaces", "get_error missing (no such key)", "Bye.", ""), printed);
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void aPipedScriptWithAFailingLineExitsOne() {
        java.io.InputStream oldIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("get k\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(1, Main.run("client"));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("Not connected"));
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void dumpPrintsTheEntriesOfADataDirectory() throws Exception {
        try (dev.ringkv.runtime.NioNode node = dev.ringkv.runtime.Servers.standalone(
                dev.ringkv.runtime.ServerOptions.loopback(0), dir.resolve("d"));
             dev.ringkv.client.RingKvClient c = dev.ringkv.client.RingKvClient.connect(node.address(), java.time.Duration.ofSeconds(5))) {
            c.set("alpha", "one");
            c.set("beta", "two\u0001");
            c.del("beta");
        }
        assertEquals(0, Main.run("dump", "-d", dir.resolve("d").toString()));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("alpha") && printed.contains("one"), printed);
        assertTrue(printed.contains("beta") && printed.contains("(deleted)"), printed);
    }

    @Test
    void dumpOfAMissingDirectoryIsAUsageError() {
        assertEquals(2, Main.run("dump", "-d", dir.resolve("nope").toString()));
        assertTrue(err().contains("no such data directory"), err());
    }
}
