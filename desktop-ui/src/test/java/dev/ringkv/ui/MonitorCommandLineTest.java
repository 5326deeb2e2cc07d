package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's command line as a user meets it: a process of its own with no display, as on a server
 * over ssh. Help and bad flags need no window; no window is one clear line, never a stack trace.
 */
class MonitorCommandLineTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run monitor(String... args) throws Exception {
        return withDisplay(null, args);
    }

    /** With {@code display} as DISPLAY (null: unset). */
    private Run withDisplay(String display, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DISPLAY");
        if (display != null) {
            pb.environment().put("DISPLAY", display);
        }
        pb.environment().remove("WAYLAND_DISPLAY");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the monitor did not exit");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageAndExitsZeroWithoutADisplay() throws Exception {
        Run r = monitor("--help");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("usage: ringkv-monitor"), r.out());
        assertTrue(r.out().contains("--attach"), r.out());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void aBadFlagIsAnErrorWithTheUsageAndExitTwo() throws Exception {
        for (String[] bad : List.of(new String[] {"--bogus"}, new String[] {"--servers", "99"})) {
            Run r = monitor(bad);
            assertEquals(2, r.exit(), String.join(" ", bad) + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("ringkv-monitor: "), r.err());
            assertTrue(r.err().contains("usage: ringkv-monitor"), r.err());
            assertFalse(r.err().contains("\tat "), "a stack trace: " + r.err());
        }
    }

    @Test
    void noDisplayIsOneClearLineAndExitOne() throws Exception {
        Run r = monitor("--data", dir.resolve("data").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("ringkv-monitor: cannot open a window"), r.err());
        assertTrue(r.err().contains("DISPLAY is not set"), r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace: " + r.err());
        assertFalse(Files.exists(dir.resolve("data")), "a sandbox was started with no window to show it");
    }

    @Test
    void anEmptyDisplayIsNoDisplay() throws Exception {
        Run r = withDisplay("", "--data", dir.resolve("data").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("DISPLAY is not set"), r.err());
    }
}
