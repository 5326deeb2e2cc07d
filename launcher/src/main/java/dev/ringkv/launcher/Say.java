package dev.ringkv.launcher;

/**
 * Standard output and error for the commands of other modules (the monitor's command line): only the
 * launcher writes to them (DESIGN §2, checked by the modules' ArchUnit rules).
 */
public final class Say {
    private Say() {
    }

    /** A line on standard output. */
    public static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** A line on standard error. */
    public static void err(String line) {
        System.err.println(line);
        System.err.flush();
    }
}
