package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client CLI on a terminal, driven with the bytes a user's keys send on an xterm, against a real
 * standalone node.
 */
class InteractiveConsoleTest {

    /** The up arrow, as an xterm sends it once the line editor switched on application cursor keys ({@code ESC [?1h}). */
    private static final String UP = "\033OA";

    @TempDir
    Path dir;
    private NioNode node;

    @BeforeEach
    void start() {
        node = Servers.standalone(ServerOptions.loopback(0), dir.resolve("node"));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /**
     * Types each of {@code lines} into a fresh console (history in {@code history}) once it shows its prompt, as
     * a user does (the terminal's probes at start read the input too), and returns what it printed.
     */
    private String type(Path history, String... lines) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 64 * 1024);
        Thread console;
        try (Terminal t = TerminalBuilder.builder().system(false).type("xterm").size(new Size(120, 40))
                .streams(in, out).build();
                ClientShell shell = InteractiveConsole.shellOn(t)) {
            console = new Thread(() -> InteractiveConsole.run(shell, t, history), "console");
            console.start();
            for (int i = 0; i < lines.length; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (count(printed(out), ClientShell.PROMPT) <= i && console.isAlive()) {
                    assertTrue(System.nanoTime() < deadline, "no prompt for line " + i + ": " + printed(out));
                    Thread.sleep(5);
                }
                keys.write(lines[i].getBytes(StandardCharsets.UTF_8));
                keys.flush();
            }
            console.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(console.isAlive(), "the console did not end: " + printed(out));
        }
        return printed(out);
    }

    private static String printed(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void theUpArrowRecallsTheLastCommandInsteadOfPrintingItsEscapeSequence() throws Exception {
        Path history = dir.resolve("history");
        String printed = type(history, "connect 127.0.0.1 " + node.address().port() + "\r",
                "put greeting hello\r",
                "get greeting\r",
                "put greeting again\r",
                UP + UP + "\r", // get greeting, once more
                "quit\r");
        assertEquals(2, count(printed, "get_success greeting"), printed);
        assertTrue(printed.contains("get_success greeting again"), printed);
        assertFalse(printed.contains("^[[A"), printed);
        assertTrue(Files.readString(history).contains("put greeting again"), "history not kept");
    }

    /** The same with the arrow's normal-mode sequence, which a real pty showed unbound at first. */
    @Test
    void theUpArrowInNormalCursorModeRecallsToo() throws Exception {
        String printed = type(null, "connect 127.0.0.1 " + node.address().port() + "\r",
                "put greeting hello\r",
                "get greeting\r",
                "\033[A\r",
                "quit\r");
        assertEquals(2, count(printed, "get_success greeting hello"), printed);
    }

    @Test
    void historyOutlivesTheSessionAndTabCompletesCommandNames() throws Exception {
        Path history = dir.resolve("history");
        type(history, "connect 127.0.0.1 " + node.address().port() + "\r", "quit\r");
        String printed = type(history, UP + UP + "\r", // the connect of the last session
                "disc\t\r", // disconnect
                "\004"); // Ctrl-D leaves
        assertTrue(printed.contains("Connected to RingKV at 127.0.0.1:" + node.address().port()), printed);
        assertTrue(printed.contains("Disconnected from"), printed);
    }

    @Test
    void aLineReachesTheShellExactlyAsTypedWithQuotesBackslashesAndBangs() throws Exception {
        String value = "it's \"quoted\" \\n wow!! !$";
        String printed = type(null, "connect 127.0.0.1 " + node.address().port() + "\r",
                "put k " + value + "\r",
                "get k\r",
                "quit\r");
        assertTrue(printed.contains("get_success k " + value), printed);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
