package dev.ringkv.launcher;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringkv status}: the cluster as the ECS sees it (DESIGN §10), as a {@code nodetool status}-like
 * table. Any node will do: a server names its ECS ({@code -ECS host:port}) and the command asks it.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the cluster as the ECS sees it: each server's state, ownership, keys, bytes, ops/s,",
            "heartbeat age and ring position, and the membership change in progress.",
            "Ask the ECS or any server: a server names its ECS and the command follows."})
final class StatusCommand implements Callable<Integer> {
    static final int TIMEOUT_MILLIS = 5_000;

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "The ECS, or any server (it names the ECS); several, comma-separated, are tried in turn. "
                    + Bootstrap.DEFAULT_HELP)
    String bootstrap;

    @Option(names = "--json", description = "Print the ECS's status as JSON, as it sent it.")
    boolean json;

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
        try (EcsLink link = EcsLink.askAny(nodes, "STATUS", TIMEOUT_MILLIS)) {
            if (!(link.firstReply() instanceof RespValue.Bulk reply)) {
                return fail(link.address() + " answered RINGKV STATUS with " + link.firstReply()
                        + " instead of a status");
            }
            String text = reply.utf8();
            if (json) {
                System.out.println(text);
                try {
                    Bootstrap.remember(ClusterStatus.fromJson(text));
                } catch (IllegalArgumentException e) {
                    // printed as it came; nothing to remember
                }
            } else {
                ClusterStatus status;
                try {
                    status = ClusterStatus.fromJson(text);
                } catch (IllegalArgumentException e) {
                    return fail(link.address() + " sent a status that cannot be read: " + e.getMessage());
                }
                System.out.print(StatusFormat.table(status));
                Bootstrap.remember(status);
            }
            System.out.flush();
            return 0;
        } catch (EcsLink.Failure e) {
            return fail(e.getMessage());
        }
    }

    private static int fail(String why) {
        System.err.println("ringkv status: " + why);
        return 1;
    }
}
