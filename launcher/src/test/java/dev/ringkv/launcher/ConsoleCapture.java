package dev.ringkv.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Captures System.out and System.err while open; err() leaves out the log lines of in-process servers. */
final class ConsoleCapture implements AutoCloseable {
    private static final Pattern LOG_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) ");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream oldOut = System.out;
    private final PrintStream oldErr = System.err;

    ConsoleCapture() {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Forgets what was printed so far. */
    void reset() {
        out.reset();
        err.reset();
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What was printed on stderr, without log lines ({@code HH:mm:ss.SSS LEVEL ...}). */
    String err() {
        StringBuilder b = new StringBuilder();
        for (String line : err.toString(StandardCharsets.UTF_8).split("\\R")) {
            if (!line.isEmpty() && !LOG_LINE.matcher(line).lookingAt()) {
                b.append(line).append(System.lineSeparator());
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }
}
