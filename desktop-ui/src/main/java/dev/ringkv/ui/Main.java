package dev.ringkv.ui;

import dev.ringkv.launcher.Say;
import java.util.List;
import javafx.application.Application;

/**
 * Entry point of the desktop monitor. Deliberately not an {@link Application}: a fat jar whose main
 * class extends Application fails with "JavaFX runtime components are missing" (TOOLCHAIN.md).
 *
 * <p>The command line is checked before JavaFX starts, so {@code --help} and a bad flag work without a
 * display: usage on standard output and exit 0 for help, the error and usage on standard error and exit 2
 * for a bad flag; no display at all is one clear line and exit 1, not a stack trace. (What it prints goes
 * through the launcher's {@link Say}: only the launcher writes to the standard streams.)
 */
public final class Main {
    private Main() {
    }

    /** What the command line asks for before any window: an exit code and what to print, or start (-1). */
    record Preflight(int exit, String out, String err) {
        static final Preflight START = new Preflight(-1, null, null);
    }

    public static void main(String[] args) {
        Preflight p = preflight(List.of(args));
        if (p.out() != null) {
            Say.out(p.out());
        }
        if (p.err() != null) {
            Say.err(p.err());
        }
        if (p.exit() >= 0) {
            System.exit(p.exit());
        }
        try {
            Application.launch(MonitorApp.class, args);
        } catch (RuntimeException e) {
            Say.err("ringkv-monitor: cannot open a window: " + e.getMessage()
                    + (noDisplay() ? " (DISPLAY is not set: run it on a desktop, or headless with --screenshot as"
                            + " the README shows)" : ""));
            System.exit(1);
        }
    }

    /** Checks the command line: help, a bad flag, or start the monitor. */
    static Preflight preflight(List<String> args) {
        if (args.contains("-h") || args.contains("--help")) {
            return new Preflight(0, MonitorOptions.usage(), null);
        }
        try {
            MonitorOptions.parse(args);
            return Preflight.START;
        } catch (IllegalArgumentException e) {
            return new Preflight(2, null, "ringkv-monitor: " + e.getMessage());
        }
    }

    private static boolean noDisplay() {
        return blank(System.getenv("DISPLAY")) && blank(System.getenv("WAYLAND_DISPLAY"))
                && System.getProperty("glass.platform") == null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
