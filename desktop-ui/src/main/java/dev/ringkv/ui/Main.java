package dev.ringkv.ui;

import java.io.PrintStream;
import java.util.List;
import javafx.application.Application;

/**
 * Entry point of the desktop monitor. Deliberately not an {@link Application}: a fat jar whose main
 * class extends Application fails with "JavaFX runtime components are missing" (TOOLCHAIN.md).
 *
 * <p>The command line is checked before JavaFX starts, so {@code --help} and a bad flag work without a
 * display: usage on standard output and exit 0 for help, the error and usage on standard error and exit 2
 * for a bad flag; no display at all is one clear line and exit 1, not a stack trace.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = preflight(List.of(args), System.out, System.err);
        if (code >= 0) {
            System.exit(code);
        }
        try {
            Application.launch(MonitorApp.class, args);
        } catch (RuntimeException e) {
            System.err.println("ringkv-monitor: cannot open a window: " + e.getMessage()
                    + (noDisplay() ? " (DISPLAY is not set: run it on a desktop, or headless with --screenshot as"
                            + " the README shows)" : ""));
            System.exit(1);
        }
    }

    /** Checks the command line: an exit code to stop with, or -1 to start the monitor. */
    static int preflight(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.println(MonitorOptions.usage());
            return 0;
        }
        try {
            MonitorOptions.parse(args);
            return -1;
        } catch (IllegalArgumentException e) {
            err.println("ringkv-monitor: " + e.getMessage());
            return 2;
        }
    }

    private static boolean noDisplay() {
        return System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null
                && System.getProperty("glass.platform") == null;
    }
}
