package dev.ringkv.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** Sets the log level at run time (the original client's {@code logLevel} command, and {@code --log-level}). */
final class Logging {
    private Logging() {
    }

    /** Accepts ALL, TRACE, DEBUG, INFO, WARN, ERROR, OFF (any case). */
    static void level(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (!java.util.List.of("ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(n)) {
            throw new IllegalArgumentException("unknown log level '" + name
                    + "' (expected ALL, TRACE, DEBUG, INFO, WARN, ERROR or OFF)");
        }
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(n));
    }
}
