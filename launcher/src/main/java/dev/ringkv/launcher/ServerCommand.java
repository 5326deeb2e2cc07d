package dev.ringkv.launcher;

import dev.ringkv.node.KvNode;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.Servers;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.storage.FsyncPolicy;
import dev.ringkv.storage.StorageException;
import dev.ringkv.wire.WireLimits;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringkv server}: a KV server. It joins the cluster through the ECS ({@code -b}, retrying while
 * the ECS is unreachable), or with {@code --standalone} serves a one-node ring of its own. Ctrl-C or
 * SIGTERM leaves gracefully: its ranges move to the other servers first, then it exits.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Start a RingKV server (Redis protocol on its port).")
final class ServerCommand implements Callable<Integer> {

    @Option(names = {"-p", "--port"}, required = true, description = "Port to listen on (0: any free port).")
    int port;

    @Option(names = {"-a", "--address"}, defaultValue = "localhost",
            description = "Address to bind and advertise. Default: ${DEFAULT-VALUE}.")
    String address;

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT", defaultValue = "localhost:5100",
            description = "The ECS, or any member (it redirects). Default: ${DEFAULT-VALUE}.")
    String bootstrap;

    @Option(names = "--standalone", description = "Serve a one-node ring of its own, with no ECS.")
    boolean standalone;

    @Option(names = {"-d", "--dir"}, description = "Data directory. Default: data/<address>-<port>.")
    Path dir;

    @Option(names = "--fsync", defaultValue = "everysec",
            description = "always (group commit before each acknowledgement), everysec, or no. Default: ${DEFAULT-VALUE}.")
    String fsync;

    @Option(names = "--max-key", defaultValue = "65536", description = "Largest key in bytes. Default: ${DEFAULT-VALUE}.")
    int maxKey;

    @Option(names = "--max-value", defaultValue = "16777216", description = "Largest value in bytes. Default: ${DEFAULT-VALUE}.")
    int maxValue;

    @Option(names = "--leave-timeout", defaultValue = "60",
            description = "Seconds a graceful leave may take before the server exits anyway. Default: ${DEFAULT-VALUE}.")
    int leaveTimeout;

    @Option(names = "--log-level", defaultValue = "INFO", description = "Log level. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        FsyncPolicy policy;
        ServerAddress ecs;
        try {
            policy = FsyncPolicy.parse(fsync);
            Logging.level(logLevel);
            ecs = standalone ? null : ServerAddress.parse(bootstrap);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (port < 0 || port > 65535 || maxKey < 1 || maxValue < 1 || leaveTimeout < 0) {
            throw new ParameterException(spec.commandLine(),
                    "--port must be 0..65535; --max-key, --max-value positive; --leave-timeout not negative");
        }
        Path data = dir != null ? dir : Path.of("data", address + "-" + port);
        ServerOptions options = new ServerOptions(address, port, address,
                new WireLimits(Math.max(maxKey, maxValue), WireLimits.DEFAULT.maxArrayLength(),
                        WireLimits.DEFAULT.maxInlineBytes()), 1024, 4 * 1024 * 1024);
        NioNode node;
        try {
            node = Servers.kvServer(options, data, policy, maxKey, maxValue, ecs);
        } catch (UncheckedIOException | StorageException | IllegalStateException e) {
            // a port in use, a directory in use or unwritable: one clear line, no stack trace
            System.err.println("ringkv server: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> leaveThenStop(node), "ringkv-shutdown"));
        System.out.println("RingKV server " + node.address() + " ready (data in " + data.toAbsolutePath()
                + ", fsync " + policy.name().toLowerCase(Locale.ROOT)
                + (ecs == null ? ", standalone)" : ", joining through " + ecs + ")"));
        System.out.flush();
        node.awaitTermination();
        return 0;
    }

    /** Ctrl-C / SIGTERM: hand the ranges over (DESIGN §7), then stop; a crash (SIGKILL) skips all this. */
    private void leaveThenStop(NioNode node) {
        CountDownLatch left = new CountDownLatch(1);
        node.execute(() -> ((KvNode) node.logic()).leave(left::countDown));
        try {
            if (!left.await(leaveTimeout, TimeUnit.SECONDS)) {
                System.err.println("ringkv server: the graceful leave did not finish within " + leaveTimeout
                        + " s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        node.close();
    }
}
