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

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT[,HOST:PORT...]", defaultValue = "localhost:5100",
            description = "The ECS, or any server (it names the ECS); several, comma-separated, are tried in turn. "
                    + "Default: ${DEFAULT-VALUE}.")
    String bootstrap;

    @Option(names = "--for", paramLabel = "SECONDS", description = "Stop after this many seconds (exit 0). Default: until Ctrl-C.")
    Integer seconds;

    @Option(names = "--quiet-status", description = "Do not print the status summaries, only the events.")
    boolean quietStatus;

    @Spec
    CommandSpec spec;

    /** Every node heard of (the bootstrap and the members in the ECS's status): where to look for a new ECS. */
    private final java.util.Set<ServerAddress> known = new java.util.LinkedHashSet<>();

    @Override
    public Integer call() {
        java.util.List<ServerAddress> nodes;
        try {
            nodes = EcsLink.addresses(bootstrap);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--bootstrap: " + e.getMessage());
        }
        if (seconds != null && seconds < 1) {
            throw new ParameterException(spec.commandLine(), "--for must be at least 1 second");
        }
        boolean forever = seconds == null;
        long deadline = forever ? 0 : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        known.addAll(nodes);
        EcsLink link;
        try {
            link = EcsLink.askAny(nodes, "WATCH", StatusCommand.TIMEOUT_MILLIS);
        } catch (EcsLink.Failure e) {
            System.err.println("ringkv watch: " + e.getMessage());
            return 1;
        }
        try {
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
                String why;
                try {
                    push = link.read(wait);
                    continue;
                } catch (SocketTimeoutException e) {
                    if (wait < SILENCE_LIMIT_MILLIS || (!forever && System.nanoTime() - deadline >= 0)) {
                        return 0; // --for is over (the wait was cut to it), not a silent ECS
                    }
                    why = "silent for " + SILENCE_LIMIT_MILLIS / 1000 + " s";
                } catch (IOException e) {
                    why = EcsLink.why(e);
                }
                // the ECS may have died: the servers elect another (DESIGN §8); find it through them
                ServerAddress lostAt = link.address();
                link.close();
                System.out.flush();
                System.err.println("ringkv watch: connection to the ECS " + lostAt + " lost (" + why
                        + "); looking for the ECS through " + known.size() + " known nodes");
                link = findEcs(lostAt);
                if (link == null) {
                    System.err.println("ringkv watch: no node named an ECS within " + SILENCE_LIMIT_MILLIS / 1000 + " s");
                    return 1;
                }
                System.out.println("watching the ECS " + link.address() + " now");
                push = link.firstReply();
            }
        } finally {
            if (link != null) {
                link.close();
            }
        }
    }

    /** Asks every known node (the lost ECS last) until one is or names the ECS; null after the silence limit. */
    private EcsLink findEcs(ServerAddress lost) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SILENCE_LIMIT_MILLIS);
        while (System.nanoTime() < until) {
            java.util.List<ServerAddress> ask = new java.util.ArrayList<>(known);
            ask.remove(lost);
            ask.add(lost);
            for (ServerAddress a : ask) {
                try {
                    return EcsLink.ask(a, "WATCH", StatusCommand.TIMEOUT_MILLIS);
                } catch (EcsLink.Failure e) {
                    // not reachable, or no ECS yet (an election under way): the next one
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
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
                    ClusterStatus st = ClusterStatus.fromJson(payload.utf8());
                    st.members().forEach(m -> known.add(ServerAddress.parse(m.address())));
                    if (!quietStatus) {
                        System.out.println(StatusFormat.summary(st));
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
