package dev.ringkv.launcher;

import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.StandaloneServer;
import dev.ringkv.storage.FsyncPolicy;
import dev.ringkv.wire.WireLimits;
import dev.ringkv.storage.StorageException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ringkv server}: a KV server. For now it serves a one-node ring of its own; Ctrl-C or SIGTERM
 * stops it gracefully (last batch written, store closed).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Start a RingKV server (Redis protocol on its port).")
final class ServerCommand implements Callable<Integer> {

    @Option(names = {"-p", "--port"}, required = true, description = "Port to listen on (0: any free port).")
    int port;

    @Option(names = {"-a", "--address"}, defaultValue = "localhost",
            description = "Address to bind and advertise. Default: ${DEFAULT-VALUE}.")
    String address;

    @Option(names = {"-d", "--dir"}, description = "Data directory. Default: data/<address>-<port>.")
    Path dir;

    @Option(names = "--fsync", defaultValue = "everysec",
            description = "always (group commit before each acknowledgement), everysec, or no. Default: ${DEFAULT-VALUE}.")
    String fsync;

    @Option(names = "--max-key", defaultValue = "65536", description = "Largest key in bytes. Default: ${DEFAULT-VALUE}.")
    int maxKey;

    @Option(names = "--max-value", defaultValue = "16777216", description = "Largest value in bytes. Default: ${DEFAULT-VALUE}.")
    int maxValue;

    @Option(names = "--log-level", defaultValue = "INFO", description = "Log level. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        FsyncPolicy policy;
        try {
            policy = FsyncPolicy.parse(fsync);
            Logging.level(logLevel);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (port < 0 || port > 65535 || maxKey < 1 || maxValue < 1) {
            throw new ParameterException(spec.commandLine(), "--port must be 0..65535; --max-key and --max-value positive");
        }
        Path data = dir != null ? dir : Path.of("data", address + "-" + port);
        ServerOptions options = new ServerOptions(address, port, address,
                new WireLimits(Math.max(maxKey, maxValue), WireLimits.DEFAULT.maxArrayLength(),
                        WireLimits.DEFAULT.maxInlineBytes()), 1024, 4 * 1024 * 1024);
        NioNode node;
        try {
            node = StandaloneServer.start(options, data, policy, maxKey, maxValue);
        } catch (UncheckedIOException | StorageException | IllegalStateException e) {
            // a port in use, a directory in use or unwritable: one clear line, no stack trace
            System.err.println("ringkv server: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "ringkv-shutdown"));
        System.out.println("RingKV server " + node.address() + " ready (data in " + data.toAbsolutePath()
                + ", fsync " + policy.name().toLowerCase(java.util.Locale.ROOT) + ")");
        System.out.flush();
        node.awaitTermination();
        return 0;
    }
}
