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

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = {"Where to join: the ECS, or any member (it names the ECS). Several, comma-separated, are tried "
                    + "in turn until one answers (the ECS may have moved to a server). " + Bootstrap.DEFAULT_HELP})
    String bootstrap;

    @Option(names = "--election-timeout", paramLabel = "MIN-MAX", defaultValue = "400-800",
            description = "Milliseconds without a heartbeat from the ECS before this server stands for election "
                    + "(a random time in the range, DESIGN §8). Default: ${DEFAULT-VALUE}.")
    String electionTimeout;

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

    @Option(names = "--memory-values", defaultValue = "4096", paramLabel = "BYTES",
            description = {"Values up to this size are kept in memory as well as in the log, so reading them never "
                    + "touches the disk; 0 keeps only keys in memory (a smaller heap; reads go to the log, usually the "
                    + "page cache). Default: ${DEFAULT-VALUE}."})
    int memoryValues;

    @Option(names = "--leave-timeout", defaultValue = "60",
            description = "Seconds a graceful leave may take before the server exits anyway. Default: ${DEFAULT-VALUE}.")
    int leaveTimeout;

    @Option(names = "--log-level", defaultValue = "INFO", description = "Log level. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Main.applyOutOfMemoryPolicy();
        FsyncPolicy policy;
        java.util.List<ServerAddress> seeds = new java.util.ArrayList<>();
        long electionMin;
        long electionMax;
        try {
            policy = FsyncPolicy.parse(fsync);
            Logging.level(logLevel);
            if (!standalone) {
                seeds.addAll(Bootstrap.nodes(bootstrap));
            }
            String[] range = electionTimeout.split("-");
            try {
                electionMin = Long.parseLong(range[0].trim());
                electionMax = range.length > 1 ? Long.parseLong(range[1].trim()) : electionMin;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--election-timeout takes MIN-MAX in milliseconds, like 400-800; got '"
                        + electionTimeout + "'");
            }
            if (range.length > 2 || electionMin < 1 || electionMax < electionMin) {
                throw new IllegalArgumentException("--election-timeout takes MIN-MAX with 1 <= MIN <= MAX, got '"
                        + electionTimeout + "'");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (port < 0 || port > 65535 || maxKey < 1 || maxValue < 1 || leaveTimeout < 0 || memoryValues < 0) {
            throw new ParameterException(spec.commandLine(),
                    "--port must be 0..65535; --max-key, --max-value positive; --leave-timeout, --memory-values not negative");
        }
        Path data = dir != null ? dir : Path.of("data", address + "-" + port);
        ServerOptions options = new ServerOptions(address, port, address,
                new WireLimits(Math.max(maxKey, maxValue), WireLimits.DEFAULT.maxArrayLength(),
                        WireLimits.DEFAULT.maxInlineBytes()), 1024, 4 * 1024 * 1024);
        NioNode node;
        try {
            node = Servers.kvServer(options, data, policy, maxKey, maxValue, seeds, electionMin, electionMax, memoryValues);
        } catch (UncheckedIOException | StorageException | IllegalStateException e) {
            // a port in use, a directory in use or unwritable: one clear line, no stack trace
            System.err.println("ringkv server: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> leaveThenStop(node), "ringkv-shutdown"));
        String where = "data in " + data.toAbsolutePath() + ", fsync " + policy.name().toLowerCase(Locale.ROOT);
        if (seeds.isEmpty()) {
            System.out.println("RingKV server " + node.address() + " ready (" + where + ", standalone)");
        } else {
            String at = String.join(", ", seeds.stream().map(ServerAddress::toString).toList());
            System.out.println("RingKV server " + node.address() + " listening (" + where + "); waiting for the ECS at "
                    + at + " to admit it");
            Thread t = new Thread(() -> announceJoin(node, at), "ringkv-join-watch");
            t.setDaemon(true);
            t.start();
        }
        System.out.flush();
        node.awaitTermination();
        return 0;
    }

    /** How often a server still outside the ring says what it waits for. */
    static final long STILL_WAITING_MILLIS = 10_000;

    /**
     * Prints {@code ready} once the server serves in a ring (never before: a server that cannot reach its
     * ECS is not ready), and every {@link #STILL_WAITING_MILLIS} until then what it is waiting for.
     */
    private static void announceJoin(NioNode node, String at) {
        long since = System.nanoTime();
        long lastSaid = since;
        try {
            while (true) {
                java.util.concurrent.CompletableFuture<String> serving = new java.util.concurrent.CompletableFuture<>();
                node.execute(() -> {
                    KvNode kv = dev.ringkv.ecs.ClusterMember.serverOf(node.logic());
                    if (kv.isServing()) {
                        java.util.List<ServerAddress> seen = new java.util.ArrayList<>();
                        seen.add(kv.ecs());
                        seen.addAll(kv.ring().members());
                        Bootstrap.remember(seen); // so the next command or joiner here finds this cluster
                    }
                    serving.complete(kv.isServing() ? "ring version " + kv.ring().version() + " (" + kv.ring().size()
                            + " servers), ECS " + kv.ecs() : null);
                });
                String ring;
                try {
                    ring = serving.get(STILL_WAITING_MILLIS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    return; // the node stopped
                }
                long now = System.nanoTime();
                if (ring != null) {
                    System.out.println("RingKV server " + node.address() + " ready: serving in " + ring);
                    System.out.flush();
                    return;
                }
                if (now - lastSaid >= TimeUnit.MILLISECONDS.toNanos(STILL_WAITING_MILLIS)) {
                    lastSaid = now;
                    System.out.println("RingKV server " + node.address() + " still waiting for the ECS at " + at + " ("
                            + TimeUnit.NANOSECONDS.toSeconds(now - since) + " s; is `ringkv ecs` running there? -b names "
                            + "the ECS or any member)");
                    System.out.flush();
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ctrl-C / SIGTERM: hand the ranges over (DESIGN §7), then stop; a crash (SIGKILL) skips all this. */
    private void leaveThenStop(NioNode node) {
        CountDownLatch left = new CountDownLatch(1);
        node.execute(() -> dev.ringkv.ecs.ClusterMember.serverOf(node.logic()).leave(left::countDown));
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
