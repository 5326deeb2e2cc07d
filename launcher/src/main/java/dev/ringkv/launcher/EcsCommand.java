package dev.ringkv.launcher;

import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.Servers;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.storage.StorageException;
import dev.ringkv.wire.WireLimits;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ringkv ecs}: the External Configuration Service, on localhost:5100 by default as in the original system. */
@Command(name = "ecs", mixinStandardHelpOptions = true,
        description = "Start the ECS: it admits servers, publishes the ring, heartbeats servers and handles crashes.")
final class EcsCommand implements Callable<Integer> {

    @Option(names = {"-a", "--address"}, defaultValue = "localhost",
            description = "Address to bind and advertise. Default: ${DEFAULT-VALUE}.")
    String address;

    @Option(names = {"-p", "--port"}, defaultValue = "5100", description = "Port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = {"-d", "--dir"}, description = "Where the ECS keeps the ring. Default: data/ecs-<address>-<port>.")
    Path dir;

    @Option(names = "--heartbeat-ms", defaultValue = "100", description = "Heartbeat interval. Default: ${DEFAULT-VALUE}.")
    long heartbeat;

    @Option(names = "--timeout-ms", defaultValue = "400",
            description = "A server silent this long is DOWN (SUSPECT after half). Default: ${DEFAULT-VALUE}.")
    long timeout;

    @Option(names = "--replicas", defaultValue = "3",
            description = "Copies of each key: its coordinator and the next servers (capped by the number of servers). "
                    + "Default: ${DEFAULT-VALUE}.")
    int replicas;

    @Option(names = "--anti-entropy-ms", defaultValue = "30000",
            description = "How often the replicas' digests of every range are compared (0 = never). Default: ${DEFAULT-VALUE}.")
    long antiEntropy;

    @Option(names = "--log-level", defaultValue = "INFO", description = "Log level. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Main.applyOutOfMemoryPolicy();
        EcsConfig config;
        try {
            Logging.level(logLevel);
            config = new EcsConfig(heartbeat, timeout, Math.max(30_000, timeout), replicas, antiEntropy);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0..65535");
        }
        Path data = dir != null ? dir : Path.of("data", "ecs-" + address + "-" + port);
        NioNode node;
        java.util.concurrent.atomic.AtomicReference<String> deposed = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        try {
            node = Servers.ecs(new ServerOptions(address, port, address, WireLimits.DEFAULT, 1024, 4 * 1024 * 1024),
                    data, config, why -> {
                        deposed.set(why);
                        stop.countDown();
                    });
        } catch (UncheckedIOException | StorageException | IllegalStateException e) {
            System.err.println("ringkv ecs: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "ringkv-shutdown"));
        System.out.println("RingKV ECS " + node.address() + " ready, " + replicas + " replicas (ring kept in "
                + data.toAbsolutePath() + ")");
        java.util.List<dev.ringkv.ring.ServerAddress> here = new java.util.ArrayList<>(java.util.List.of(node.address()));
        here.addAll(Bootstrap.remembered()); // this ECS first; the servers remembered before may still be its members
        Bootstrap.remember(here);
        System.out.flush();
        Thread closer = new Thread(() -> {
            try {
                stop.await();
                node.close(); // deposed: this process is the ECS no more (DESIGN §8)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ringkv-deposed");
        closer.setDaemon(true);
        closer.start();
        node.awaitTermination();
        if (deposed.get() != null) {
            System.err.println("ringkv ecs: " + node.address() + " " + deposed.get() + ". Exiting: "
                    + "point servers and clients at any member (they know the ECS).");
            return 3;
        }
        return 0;
    }
}
