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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client CLI's commands against a real node, one line at a time. */
class ClientShellTest {

    @TempDir
    Path dir;
    private NioNode node;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private ClientShell shell;

    @BeforeEach
    void start() {
        node = Servers.standalone(ServerOptions.loopback(0), dir);
        shell = new ClientShell(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        shell.close();
        node.close();
    }

    private List<String> run(String... lines) {
        bytes.reset();
        for (String l : lines) {
            shell.execute(l);
        }
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
    }

    @Test
    void originalSystemSessionWorks() {
        List<String> out = run(
                "connect 127.0.0.1 " + node.address().port(),
                "put greeting hello  spaced   world",
                "get greeting",
                "put greeting again",
                "put greeting null",
                "get greeting",
                "keyrange");
        assertEquals("Connected to RingKV at 127.0.0.1:" + node.address().port(), out.get(0));
        assertEquals("put_success greeting", out.get(1));
        assertEquals("get_success greeting hello  spaced   world", out.get(2));
        assertEquals("put_update greeting", out.get(3));
        assertEquals("delete_success greeting", out.get(4));
        assertEquals("get_error greeting (no such key)", out.get(5));
        assertTrue(out.get(6).matches("keyrange_success [0-9a-f]{32},[0-9a-f]{32},127\\.0\\.0\\.1:\\d+;"), out.get(6));
    }

    @Test
    void mistakesGetClearMessages() {
        List<String> out = run("get k", "frobnicate", "connect localhost", "connect localhost notaport",
                "connect 127.0.0.1 " + node.address().port(), "put onlykey", "get", "logLevel LOUD");
        assertEquals("Not connected: use 'connect <host> <port>' first.", out.get(0));
        assertEquals("Unknown command 'frobnicate'. Type 'help' for the list of commands.", out.get(1));
        assertEquals("usage: connect <host> <port>", out.get(2));
        assertEquals("port must be a number, got 'notaport'", out.get(3));
        assertEquals("usage: put <key> <value...>  ('put <key> null' deletes)", out.get(5));
        assertEquals("usage: get <key>", out.get(6));
        assertTrue(out.get(7).startsWith("unknown log level 'LOUD'"), out.get(7));
        assertEquals(7, shell.failures());
    }

    @Test
    void aDeadServerIsReportedNotHung() {
        run("connect 127.0.0.1 " + node.address().port());
        node.close();
        List<String> out = run("get k", "get k");
        assertTrue(out.get(0).startsWith("Connection to 127.0.0.1:" + node.address().port() + " lost"), out.get(0));
        assertEquals("Not connected: use 'connect <host> <port>' first.", out.get(1));
    }

    @Test
    void quitEndsTheSession() {
        assertTrue(shell.execute("help"));
        assertTrue(!shell.execute("quit"));
    }
}
