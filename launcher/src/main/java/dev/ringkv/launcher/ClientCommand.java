package dev.ringkv.launcher;

import dev.ringkv.ring.ServerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringkv client}: the interactive CLI with the original system's commands. It reads standard
 * input with one reader, so piped input works line by line, and it waits only for replies it prints.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Interactive client with the original system's commands (connect, put, get, keyrange, ...).",
                "Reads commands from standard input, one per line; works with piped input too."})
final class ClientCommand implements Callable<Integer> {

    @Option(names = {"-c", "--connect"}, paramLabel = "HOST:PORT", description = "Connect at start to the cluster through this node (a member, a standalone server or the ECS).")
    String connect;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "WARN",
            description = "Log level (ALL, TRACE, DEBUG, INFO, WARN, ERROR, OFF). Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Override
    public Integer call() throws IOException {
        Logging.level(logLevel);
        boolean interactive = System.console() != null;
        ClientShell shell = new ClientShell(System.out);
        if (connect != null) {
            ServerAddress a;
            try {
                a = ServerAddress.parse(connect);
            } catch (IllegalArgumentException e) {
                System.err.println("ringkv client: " + e.getMessage());
                return 2;
            }
            shell.execute("connect " + a.host() + " " + a.port());
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            while (true) {
                if (interactive) {
                    System.out.print(ClientShell.PROMPT);
                    System.out.flush();
                }
                String line = in.readLine();
                if (line == null || !shell.execute(line)) {
                    break;
                }
            }
        } finally {
            shell.close();
        }
        return shell.failures() > 0 && !interactive ? 1 : 0;
    }
}
