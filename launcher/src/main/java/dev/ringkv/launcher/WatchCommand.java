package dev.ringkv.launcher;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringkv watch}: follows the ECS's {@code RINGKV WATCH} stream (DESIGN §10) and prints each push
 * as it arrives: the recent events first, then every new one, and a one-line summary of the status the
 * ECS pushes each half second and after events. Runs until Ctrl-C, or for {@code --for} seconds.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print the cluster's events as they happen (joins, leaves, suspicions, plans, transfers,",
            "ring versions) and a summary of the status the ECS pushes twice a second. Until Ctrl-C, or --for.",
            "Ask the ECS or any server: a server names its ECS and the command follows."})
final class WatchCommand implements Callable<Integer> {
    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "The ECS, or any server (it names the ECS); several, comma-separated, are tried in turn. "
                    + Bootstrap.DEFAULT_HELP)
    String bootstrap;

    @Option(names = "--for", paramLabel = "SECONDS", description = "Stop after this many seconds (exit 0). Default: until Ctrl-C.")
    Integer seconds;

    @Option(names = "--quiet-status", description = "Do not print the status summaries, only the events.")
    boolean quietStatus;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        java.util.List<ServerAddress> nodes;
        try {
            nodes = Bootstrap.nodes(bootstrap);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--bootstrap: " + e.getMessage());
        }
        if (seconds != null && seconds < 1) {
            throw new ParameterException(spec.commandLine(), "--for must be at least 1 second");
        }
        boolean forever = seconds == null;
        Printer printer = new Printer(forever ? "Ctrl-C to stop)" : "for " + seconds + " s)");
        try (ClusterWatch watch = new ClusterWatch(nodes, StatusCommand.TIMEOUT_MILLIS, printer)) {
            printer.watch = watch;
            watch.connect();
            watch.follow(forever ? null : java.time.Duration.ofSeconds(seconds));
            return 0;
        } catch (ClusterWatch.Failure e) {
            System.out.flush();
            System.err.println("ringkv watch: " + e.getMessage());
            return 1;
        }
    }

    /** Prints what the watch delivers: events as they come, a one-line summary per status. */
    private final class Printer implements ClusterWatch.Listener {
        private final String first;
        private boolean connectedBefore;
        ClusterWatch watch;

        Printer(String first) {
            this.first = first;
        }

        @Override
        public void connected(ServerAddress ecs) {
            System.out.println(connectedBefore ? "watching the ECS " + ecs + " now"
                    : "watching the ECS " + ecs + " (event times are since the ECS started; " + first);
            connectedBefore = true;
        }

        @Override
        public void status(ClusterStatus st) {
            if (!quietStatus) {
                System.out.println(StatusFormat.summary(st));
            }
        }

        @Override
        public void event(ClusterEvent e) {
            System.out.println(StatusFormat.event(e));
        }

        @Override
        public void lost(ServerAddress ecs, String why) {
            System.out.flush();
            System.err.println("ringkv watch: connection to the ECS " + ecs + " lost (" + why
                    + "); looking for the ECS through " + watch.knownNodes() + " known nodes");
        }
    }
}
