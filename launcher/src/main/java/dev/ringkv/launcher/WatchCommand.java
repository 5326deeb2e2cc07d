package dev.ringkv.launcher;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringkv watch}: follows the ECS's {@code RINGKV WATCH} stream (DESIGN §10) and prints each push
 * as it arrives: the recent events first, then every new one, and a one-line summary of the status the
 * ECS pushes each second. Runs until Ctrl-C, or for {@code --for} seconds.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print the cluster's events as they happen (joins, leaves, suspicions, plans, transfers,",
            "ring versions) and a summary of the status the ECS pushes each second. Until Ctrl-C, or --for.",
            "Ask the ECS or any server: a server names its ECS and the command follows."})
final class WatchCommand implements Callable<Integer> {
    /** The ECS pushes a status each second; this long without a push means the connection is gone. */
    static final int SILENCE_LIMIT_MILLIS = 10_000;

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT", defaultValue = "localhost:5100",
            description = "The ECS, or any server (it names the ECS). Default: ${DEFAULT-VALUE}.")
    String bootstrap;

    @Option(names = "--for", paramLabel = "SECONDS", description = "Stop after this many seconds (exit 0). Default: until Ctrl-C.")
    Integer seconds;

    @Option(names = "--quiet-status", description = "Do not print the status summaries, only the events.")
    boolean quietStatus;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ServerAddress node;
        try {
            node = ServerAddress.parse(bootstrap);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--bootstrap: " + e.getMessage());
        }
        if (seconds != null && seconds < 1) {
            throw new ParameterException(spec.commandLine(), "--for must be at least 1 second");
        }
        boolean forever = seconds == null;
        long deadline = forever ? 0 : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (EcsLink link = EcsLink.ask(node, "WATCH", StatusCommand.TIMEOUT_MILLIS)) {
            System.out.println("watching the ECS " + link.address() + " (event times are since the ECS started; "
                    + (forever ? "Ctrl-C to stop)" : "for " + seconds + " s)"));
            RespValue push = link.firstReply();
            while (true) {
                String bad = print(push);
                System.out.flush();
                if (bad != null) {
                    System.err.println("ringkv watch: " + link.address() + " sent " + bad);
                    return 1;
                }
                int wait = SILENCE_LIMIT_MILLIS;
                if (!forever) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return 0;
                    }
                    wait = (int) Math.min(wait, TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
                try {
                    push = link.read(wait);
                } catch (SocketTimeoutException e) {
                    if (wait < SILENCE_LIMIT_MILLIS || (!forever && System.nanoTime() - deadline >= 0)) {
                        return 0; // --for is over (the wait was cut to it), not a silent ECS
                    }
                    return lost(link, "silent for " + SILENCE_LIMIT_MILLIS / 1000 + " s");
                } catch (IOException e) {
                    return lost(link, EcsLink.why(e));
                }
            }
        } catch (EcsLink.Failure e) {
            System.err.println("ringkv watch: " + e.getMessage());
            return 1;
        }
    }

    private static int lost(EcsLink link, String why) {
        System.out.flush();
        System.err.println("ringkv watch: connection to " + link.address() + " lost (" + why + ")");
        return 1;
    }

    /** Prints one push; returns null, or what was wrong with it. */
    private String print(RespValue push) {
        if (!(push instanceof RespValue.Array a) || a.items().size() != 2
                || !(a.items().get(0) instanceof RespValue.Bulk kind)
                || !(a.items().get(1) instanceof RespValue.Bulk payload)) {
            return "something that is not a watch push: " + push;
        }
        try {
            switch (kind.utf8()) {
                case "status" -> {
                    if (!quietStatus) {
                        System.out.println(StatusFormat.summary(ClusterStatus.fromJson(payload.utf8())));
                    }
                }
                case "event" -> System.out.println(StatusFormat.event(ClusterEvent.fromJson(payload.utf8())));
                default -> {
                    // a kind of push this version does not know: skip it, the stream goes on
                }
            }
        } catch (IllegalArgumentException e) {
            return "a " + kind.utf8() + " push that cannot be read: " + e.getMessage();
        }
        return null;
    }
}
