package dev.ringkv.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.completer.ArgumentCompleter;
import org.jline.reader.impl.completer.NullCompleter;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Terminal;

/**
 * The client CLI on a terminal (JLine): line editing, history kept across sessions (the up arrow recalls,
 * Ctrl-R searches), Tab completes command names, Ctrl-C clears the line, Ctrl-D leaves. Lines reach
 * {@link ClientShell} exactly as typed: no quoting, escapes or {@code !} history expansion, since a value
 * is the rest of the line.
 */
final class InteractiveConsole {

    private InteractiveConsole() {
    }

    /** Where history is kept: {@code $RINGKV_HISTFILE}, else {@code ~/.ringkv_history}; null keeps none. */
    static Path historyFile() {
        String env = System.getenv("RINGKV_HISTFILE");
        if (env != null) {
            return env.isBlank() ? null : Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".ringkv_history");
    }

    /** A shell that prints to {@code terminal}. */
    static ClientShell shellOn(Terminal terminal) {
        return new ClientShell(new PrintStream(terminal.output(), true, StandardCharsets.UTF_8));
    }

    /** Reads lines from {@code terminal} into {@code shell} until {@code quit} or end of input. */
    static void run(ClientShell shell, Terminal terminal, Path history) {
        DefaultParser parser = new DefaultParser();
        parser.setQuoteChars(new char[0]);
        parser.setEscapeChars(new char[0]);
        LineReaderBuilder b = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("ringkv")
                .parser(parser)
                .completer(new ArgumentCompleter(new StringsCompleter(ClientShell.COMMANDS), NullCompleter.INSTANCE))
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.HISTORY_IGNORE_SPACE, true);
        if (history != null) {
            b.variable(LineReader.HISTORY_FILE, history);
        }
        LineReader reader = b.build();
        // the arrows in both cursor-key modes: a terminal that ignores the switch to application mode (or a
        // multiplexer in between) still sends ESC [ A, which the xterm keymap alone leaves unbound
        org.jline.keymap.KeyMap<org.jline.reader.Binding> keys = reader.getKeyMaps().get(LineReader.MAIN);
        keys.bind(new org.jline.reader.Reference(LineReader.UP_LINE_OR_HISTORY), "\033[A");
        keys.bind(new org.jline.reader.Reference(LineReader.DOWN_LINE_OR_HISTORY), "\033[B");
        keys.bind(new org.jline.reader.Reference(LineReader.FORWARD_CHAR), "\033[C");
        keys.bind(new org.jline.reader.Reference(LineReader.BACKWARD_CHAR), "\033[D");
        try {
            while (true) {
                String line;
                try {
                    line = reader.readLine(ClientShell.PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C: a fresh line, as in a shell
                } catch (EndOfFileException e) {
                    break; // Ctrl-D
                }
                if (!shell.execute(line)) {
                    break;
                }
            }
        } finally {
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                terminal.writer().println("(history not saved: " + e.getMessage() + ")");
            }
        }
    }
}
