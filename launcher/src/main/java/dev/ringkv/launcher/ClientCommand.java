package dev.ringkv.launcher;

import dev.ringkv.ring.ServerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringkv client}: the interactive CLI with the original system's commands. It reads standard
 * input with one reader, so piped input works line by line, and it waits only for replies it prints.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Interactive client with the original system's commands (connect, put, get, keyrange, ...).",
                "On a terminal: line editing, history (~/.ringkv_history, or $RINGKV_HISTFILE; empty keeps none),",
                "Tab completion. Piped input: one command per line, exit 1 if any failed."})
final class ClientCommand implements Callable<Integer> {

    @Option(names = {"-c", "--connect"}, paramLabel = "HOST:PORT", description = "Connect at start to the cluster through this node (a member, a standalone server or the ECS).")
    String connect;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "WARN",
            description = "Log level (ALL, TRACE, DEBUG, INFO, WARN, ERROR, OFF). Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Override
    public Integer call() throws IOException {
        Logging.level(logLevel);
        ServerAddress a = null;
        if (connect != null) {
            try {
                a = ServerAddress.parse(connect);
            } catch (IllegalArgumentException e) {
                System.err.println("ringkv client: " + e.getMessage());
                return 2;
            }
        }
        if (System.console() != null) {
            try (Terminal terminal = TerminalBuilder.builder().system(true).build();
                    ClientShell shell = InteractiveConsole.shellOn(terminal)) {
                connectAtStart(shell, a);
                InteractiveConsole.run(shell, terminal, InteractiveConsole.historyFile());
                return 0;
            }
        }
        try (ClientShell shell = new ClientShell(System.out)) {
            connectAtStart(shell, a);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                String line = in.readLine();
                if (line == null || !shell.execute(line)) {
                    break;
                }
            }
            return shell.failures() > 0 ? 1 : 0;
        }
    }

    private static void connectAtStart(ClientShell shell, ServerAddress a) {
        if (a != null) {
            shell.execute("connect " + a.host() + " " + a.port());
        }
    }
}
