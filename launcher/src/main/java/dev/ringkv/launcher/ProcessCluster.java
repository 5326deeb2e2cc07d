package dev.ringkv.launcher;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real cluster of child processes, on loopback unless a {@link Placement} puts them elsewhere (each in a
 * network namespace of its own, for {@code ringkv chaos --network}): an ECS and servers, each a
 * {@code ringkv} JVM started from this JVM's own classpath, logging to a file in the base directory. Crash is SIGKILL, pause is
 * SIGSTOP — signals to real processes, as the benchmarks and process tests need. Not thread-safe.
 */
public final class ProcessCluster implements AutoCloseable {

    /** One child process and how to start it again. */
    public static final class Node {
        List<String> command;
        final Path log;
        public final ServerAddress address;
        Process process;

        Node(List<String> command, Path log, ServerAddress address) {
            this.command = command;
            this.log = log;
            this.address = address;
        }

        public long pid() {
            return process.pid();
        }

        public Process process() {
            return process;
        }

        public boolean isAlive() {
            return process != null && process.isAlive();
        }
    }

    /**
     * Where a node runs: the address it binds and advertises, its port, and the words its command line
     * starts with (say {@code ip netns exec NS}, for a node in a network namespace of its own).
     */
    public record Spot(String host, int port, List<String> prefix) {
        public Spot {
            prefix = List.copyOf(prefix);
        }
    }

    /** Gives each new node its {@link Spot}; {@code name} is {@code ecs} or {@code server-N}. */
    @FunctionalInterface
    public interface Placement {
        Spot place(String name) throws IOException;
    }

    /** Every node on {@code host} (a loopback address), each on a free port: how clusters run by default. */
    public static Placement on(String host) {
        return name -> new Spot(host, freePort(), List.of());
    }

    private final Path base;
    private final Placement placement;
    private final List<String> jvmOptions;
    private Node ecs;
    /** The address that last answered RINGKV STATUS as the ECS. */
    private volatile ServerAddress current;
    private final List<Node> servers = new ArrayList<>();

    public ProcessCluster(Path base, String host, List<String> jvmOptions) {
        this(base, on(host), jvmOptions);
    }

    public ProcessCluster(Path base, Placement placement, List<String> jvmOptions) {
        this.base = base;
        this.placement = placement;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /**
     * The children's classpath: this JVM's, unless the system property {@code ringkv.classpath} names
     * another (the side-by-side benchmarks run with Hazelcast and test classes on theirs, their RingKV
     * processes with {@code ringkv.jar} alone).
     */
    public static String classpath() {
        return System.getProperty("ringkv.classpath", System.getProperty("java.class.path"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private List<String> java(String... args) {
        List<String> options = new ArrayList<>(jvmOptions);
        options.addAll(EXTRA_JVM); // after the bench's own: a later flag wins
        return ringkvCommand(options, args);
    }

    /** The command line of a {@code ringkv} process: this JVM's java, {@code jvmOptions}, {@link #classpath()}. */
    public static List<String> ringkvCommand(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Polls {@code a} with PING until it answers PONG; false if the timeout passed first. */
    public static boolean awaitPing(ServerAddress a, Duration timeout) throws InterruptedException {
        return await(() -> {
            try (RingKvClient c = RingKvClient.connect(a, Duration.ofSeconds(1))) {
                return "PONG".equals(c.ping());
            } catch (RuntimeException e) {
                return false;
            }
        }, timeout);
    }

    /**
     * JVM flags added to every process, from the system property {@code ringkv.processJvm} (say
     * {@code -XX:TieredStopAtLevel=1}): a benchmark's processes looked at without changing the benchmark.
     */
    private static final List<String> EXTRA_JVM = System.getProperty("ringkv.processJvm", "").isBlank() ? List.of()
            : List.of(System.getProperty("ringkv.processJvm").trim().split("\\s+"));

    /**
     * The processes' log level: WARN, unless the system property {@code ringkv.processLogLevel} says otherwise
     * (say INFO, to follow a benchmark's transfers in the logs under its base directory).
     */
    static final String LOG_LEVEL = System.getProperty("ringkv.processLogLevel", "WARN");

    public Node startEcs(String... extra) throws IOException {
        Spot spot = placement.place("ecs");
        List<String> args = new ArrayList<>(List.of("ecs", "-a", spot.host(), "-p", String.valueOf(spot.port()),
                "-d", base.resolve("ecs").toString(), "--log-level", LOG_LEVEL));
        args.addAll(List.of(extra));
        ecs = new Node(placed(spot, args), base.resolve("ecs.log"), new ServerAddress(spot.host(), spot.port()));
        launch(ecs);
        return ecs;
    }

    private List<String> placed(Spot spot, List<String> args) {
        List<String> cmd = new ArrayList<>(spot.prefix());
        cmd.addAll(java(args.toArray(new String[0])));
        return cmd;
    }

    public Node startServer(String... extra) throws IOException {
        return startServerVia(ecs.address.toString(), extra);
    }

    /** A server joining through {@code bootstrap} ({@code -b}: the ECS or members, comma-separated). */
    public Node startServerVia(String bootstrap, String... extra) throws IOException {
        String name = "server-" + (servers.size() + 1);
        Spot spot = placement.place(name);
        List<String> args = new ArrayList<>(List.of("server", "-a", spot.host(), "-p", String.valueOf(spot.port()),
                "-b", bootstrap, "-d", base.resolve(name).toString(), "--log-level", LOG_LEVEL));
        args.addAll(List.of(extra));
        Node n = new Node(placed(spot, args), base.resolve(name + ".log"), new ServerAddress(spot.host(), spot.port()));
        servers.add(n);
        launch(n);
        return n;
    }

    /**
     * A process of this cluster: it remembers the cluster it sees in a state file of its own under the base
     * directory, never in the user's ({@link Bootstrap}), so a sandbox or a chaos run does not replace the
     * cluster the user's commands find.
     */
    private ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("RINGKV_STATE", base.resolve("cluster-state").toString());
        return pb;
    }

    private void launch(Node n) throws IOException {
        Files.createDirectories(base);
        n.process = builder(n.command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log.toFile())).start();
    }

    /** The dedicated ECS process started with {@link #startEcs} (it may have died; see {@link #currentEcs}). */
    public Node ecs() {
        return ecs;
    }

    public List<Node> servers() {
        return List.copyOf(servers);
    }

    /** Every node started so far, the dedicated ECS first. */
    public List<ServerAddress> addresses() {
        List<ServerAddress> out = new ArrayList<>();
        if (ecs != null) {
            out.add(ecs.address);
        }
        servers.forEach(n -> out.add(n.address));
        return out;
    }

    /** The nodes running now, the dedicated ECS first, comma-separated: a {@code -b} that answers. */
    public String liveBootstrap() {
        List<String> live = new ArrayList<>();
        if (ecs != null && ecs.isAlive()) {
            live.add(ecs.address.toString());
        }
        servers.stream().filter(Node::isAlive).forEach(n -> live.add(n.address.toString()));
        return String.join(",", live);
    }

    /** SIGKILL: a crash, no shutdown hook, no graceful leave. */
    public void kill(Node n) throws InterruptedException {
        n.process.destroyForcibly();
        n.process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: Ctrl-C, the graceful leave. */
    public void terminate(Node n) throws InterruptedException {
        n.process.destroy();
        n.process.waitFor(90, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process freezes with its sockets open. */
    public void pause(Node n) throws IOException, InterruptedException {
        signal(n, "STOP");
    }

    /** SIGCONT. */
    public void resume(Node n) throws IOException, InterruptedException {
        signal(n, "CONT");
    }

    private static void signal(Node n, String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(n.pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + sig + " " + n.pid() + " failed");
        }
    }

    /**
     * Starts a killed server again on its port and directory, joining through {@code bootstrap} — what
     * an operator does when the addresses it first joined through are gone.
     */
    public void restartVia(Node n, String bootstrap) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(n.command);
        int b = cmd.indexOf("-b");
        if (b < 0) {
            throw new IllegalArgumentException("not a server: " + n.address);
        }
        cmd.set(b + 1, bootstrap);
        n.command = cmd;
        restart(n);
    }

    /** Starts a killed node again with the same command (same port, same directory). */
    public void restart(Node n) throws IOException, InterruptedException {
        if (n.isAlive()) {
            kill(n);
        }
        launch(n);
    }

    /**
     * The status of whoever holds the ECS role now — the dedicated ECS, or the server elected after it
     * died (DESIGN §8), found through any live node, which names it — or null if none answers right now.
     */
    public ClusterStatus status() {
        List<ServerAddress> ask = new ArrayList<>();
        if (current != null) {
            ask.add(current);
        }
        if (ecs != null && ecs.isAlive()) {
            ask.add(ecs.address);
        }
        servers.stream().filter(Node::isAlive).forEach(n -> ask.add(n.address));
        try (EcsLink link = EcsLink.askAny(ask, "STATUS", 2_000)) {
            current = link.address();
            return link.firstReply() instanceof RespValue.Bulk b ? ClusterStatus.fromJson(b.utf8()) : null;
        } catch (EcsLink.Failure e) {
            return null;
        }
    }

    /** The address of the current ECS (see {@link #status}), or null. */
    public ServerAddress currentEcs() {
        ClusterStatus s = status();
        return s == null ? null : ServerAddress.parse(s.ecs());
    }

    /** The node (the dedicated ECS or a server) listening on {@code a}. */
    public Node node(ServerAddress a) {
        if (ecs != null && ecs.address.equals(a)) {
            return ecs;
        }
        return servers.stream().filter(n -> n.address.equals(a)).findFirst().orElseThrow();
    }

    /** Starts a {@code ringkv} command (a client: {@code watch}, {@code status}) writing to {@code log}. */
    public Process background(Path log, String... args) throws IOException {
        return builder(java(args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
    }

    /** Runs a {@code ringkv} command to completion (at most a minute); its output, stdout and stderr. */
    public String run(String... args) throws IOException, InterruptedException {
        Process p = builder(java(args)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Polls the ECS until the condition holds; false if the timeout passed first. */
    public boolean awaitStatus(Predicate<ClusterStatus> condition, Duration timeout) throws InterruptedException {
        return await(() -> {
            ClusterStatus s = status();
            return s != null && condition.test(s);
        }, timeout);
    }

    /** Polls the condition every 5 ms until it holds; false if the timeout passed first. */
    public static boolean await(java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return false;
    }

    /** Every started server in the ring, UP, no plan running, every member serving the published ring. */
    public static Predicate<ClusterStatus> settled(int servers) {
        return s -> s.plan() == null
                && s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")
                        && m.ringVersionSeen() == s.ringVersion()).count() == servers
                && s.members().stream().filter(ClusterStatus.MemberStatus::inRing).count() == servers;
    }

    /** {@link #settled} and every range back to its full number of copies: no re-replication left. */
    public static Predicate<ClusterStatus> healed(int servers) {
        return settled(servers).and(s -> s.repair() == null && s.underReplicatedKeys() == 0);
    }

    public static Predicate<ClusterStatus> outOfRing(ServerAddress a) {
        return s -> s.members().stream().noneMatch(m -> m.inRing() && m.address().equals(a.toString()));
    }

    /** SIGKILLs every process still running (resuming paused ones first). */
    @Override
    public void close() {
        try {
            for (Node n : servers) {
                if (n.isAlive()) {
                    try {
                        resume(n);
                    } catch (IOException e) {
                        // it may be gone already
                    }
                    kill(n);
                }
            }
            if (ecs != null && ecs.isAlive()) {
                kill(ecs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
