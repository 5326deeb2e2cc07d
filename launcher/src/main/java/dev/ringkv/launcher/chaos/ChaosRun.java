package dev.ringkv.launcher.chaos;

import dev.ringkv.check.Checker;
import dev.ringkv.check.Op;
import dev.ringkv.client.ConnectionException;
import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvCluster;
import dev.ringkv.client.RingKvException;
import dev.ringkv.client.ServerErrorException;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * A chaos run against real processes (issue 7): an ECS and servers, clients writing unique values and
 * reading them back, and one fault at a time from a seeded schedule — SIGKILL of a server or of the ECS
 * (whoever holds the role), restart, SIGSTOP/SIGCONT, a server added, a graceful leave — each followed by a
 * wait until the cluster is healthy again. The whole history is recorded and checked ({@link Checker}): no
 * acknowledged write lost, every key linearizable, replicas identical after quiescing. The seed fixes the
 * schedule (which faults, on which node, how long); timing is real.
 *
 * <p>With {@link Config#network()} (issue 17) every node runs in a network namespace of its own
 * ({@link NetworkLab}) and the schedule also draws network faults ({@link NetworkFaults}): partitions of
 * every shape, silent or refusing, one-way drops, loss and latency, each healed after a drawn time. Plain
 * RESP clients (through a random node each time) then run next to the routing clients, and who claims the
 * ECS role in which term is sampled from every node throughout ({@link EcsClaims}).
 */
public final class ChaosRun {

    /**
     * @param servers servers at the start (at least 4: process faults keep at least 3 in the ring; 3 will do
     *     for a network run, whose faults heal, and which draws the faults that remove a server only above 3)
     * @param clients routing client threads ({@code RingKvCluster}), each one operation at a time
     * @param plainClients plain RESP client threads ({@code RingKvClient}), each through a random node per operation
     * @param keys distinct keys the clients pick from
     * @param network each node in its own network namespace, network faults drawn too (root, Linux)
     */
    public record Config(long seed, Duration duration, int servers, int clients, int plainClients, int keys, Path dir,
                         boolean network) {
        public Config {
            int least = network ? 3 : 4;
            if (servers < least) {
                throw new IllegalArgumentException("--servers must be at least " + least + (network
                        ? " (a partition must leave a majority)" : " (faults keep 3 in the ring)") + ", not " + servers);
            }
            if (plainClients == 0 && clients < 1 || keys < 1) {
                throw new IllegalArgumentException("--clients and --keys must be at least 1");
            }
            if (clients < 0 || plainClients < 0 || clients + plainClients < 1) {
                throw new IllegalArgumentException("--clients and --plain-clients must not be negative, and at least one "
                        + "client must run");
            }
            if (duration.toMillis() < 1_000) {
                throw new IllegalArgumentException("--duration must be at least 1s");
            }
        }

        /** A run on loopback with routing clients only (issue 7's run). */
        public Config(long seed, Duration duration, int servers, int clients, int keys, Path dir) {
            this(seed, duration, servers, clients, 0, keys, dir, false);
        }
    }

    /**
     * One injected fault and what it cost. Times in ms; -1 when not applicable or not observed.
     *
     * @param heldMillis how long a network fault held before it was healed (-1 for a process fault)
     * @param healedMillis until every server was UP in one ring with every copy, from the heal (the rules'
     *     removal) for a network fault, from the injection for a process fault
     * @param unavailableMillis the longest time a routing client went without a successful operation, from the
     *     injection until healed
     * @param unavailablePlainMillis the same for the plain clients (-1 when there are none)
     */
    public record Fault(int index, String kind, String target, long atMillis, long heldMillis, long detectedMillis,
                        long failoverMillis, long healedMillis, long unavailableMillis, long unavailablePlainMillis) {

        /** When the fault ended (healed, for a network fault; injected, for a process fault), ms into the run. */
        public long endedMillis() {
            return atMillis + Math.max(0, heldMillis);
        }
    }

    /** How the operations of one kind of client that did not succeed ended. */
    public record Failures(long errorReplies, long noReplies, long notSent) {
    }

    /** Everything a run found. */
    public record Report(Config config, List<Fault> faults, long writesOk, long writesUnknown, long readsOk,
                         long readsFailed, Checker.Verdict verdict, String replicas, List<String> problems,
                         Map<String, Failures> failures, List<String> ecsTerms, List<String> notes) {

        public boolean passed() {
            return verdict.ok() && problems.isEmpty();
        }
    }

    /** How a failed operation ended, as far as its client can tell (see {@link #outcomeOf}). */
    enum Failure {
        /** The plain client could not even connect: nothing was sent. */
        NOT_SENT,
        /** The node answered with an error ({@code -TRYAGAIN}, {@code -STOPPED}, ...). */
        ERROR_REPLY,
        /** No answer: timed out, or the connection broke with the command sent. */
        NO_REPLY
    }

    static final Duration HEAL_TIMEOUT = Duration.ofSeconds(60);
    /**
     * A plain client's wait for a reply: longer than a node's own forward timeout (5 s), so that a node which
     * cannot reach a key's coordinator is heard answering {@code -TRYAGAIN} rather than taken for silent.
     */
    private static final Duration PLAIN_TIMEOUT = Duration.ofSeconds(6);

    private final Config config;
    private final Consumer<String> log;
    private final Random rnd;
    private final List<Op> history = Collections.synchronizedList(new ArrayList<>());
    /**
     * What history.txt says about an operation beyond the {@link Op}: the node a plain client went through, how
     * often a routing client retried, why an operation failed — what a violation is read against.
     */
    private final Map<Op, String> details = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
    private final Map<ProcessCluster.Node, Boolean> left = new ConcurrentHashMap<>();
    /** Every node started, for the plain clients and the sampler (ProcessCluster itself is not thread-safe). */
    private final List<ServerAddress> nodes = new CopyOnWriteArrayList<>();
    /** Failures by [plain?1:0][Failure.ordinal()]. */
    private final AtomicLongArray failed = new AtomicLongArray(2 * Failure.values().length);
    private long startNanos;
    /** When the clients were told to stop: no gap in their operations is counted past it. */
    private volatile long stopNanos = Long.MAX_VALUE;

    private ChaosRun(Config config, Consumer<String> log) {
        this.config = config;
        this.log = log;
        this.rnd = new Random(config.seed());
    }

    /** Runs the whole thing; {@code log} gets one line per step (the fault log). Blocks for about the duration. */
    public static Report run(Config config, Consumer<String> log) throws IOException, InterruptedException {
        return new ChaosRun(config, log).go();
    }

    long ms() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    void log(String format, Object... args) {
        log.accept(String.format(Locale.ROOT, format, args));
    }

    void problem(String what) {
        problems.add(what);
    }

    private Report go() throws IOException, InterruptedException {
        List<Fault> faults = new ArrayList<>();
        startNanos = System.nanoTime();
        NetworkLab lab = config.network() ? NetworkLab.create(config.dir().resolve("network"), log) : null;
        EcsClaims claims = null;
        ProcessCluster cluster = new ProcessCluster(config.dir(),
                lab == null ? ProcessCluster.on("127.0.0.1") : lab.placement(), List.of("-Xmx256m", "-XX:+UseSerialGC"));
        // Ctrl-C: the processes go with the run (the directory stays), then the namespaces they ran in
        Thread cleanup = new Thread(() -> {
            cluster.close();
            if (lab != null) {
                lab.close();
            }
        }, "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            NetworkFaults net = null;
            if (lab != null) {
                String noDelay = lab.delayUnavailable();
                if (noDelay != null) {
                    notes.add("latency faults skipped: " + noDelay);
                    log("latency faults will be skipped: %s", noDelay);
                }
            }
            cluster.startEcs();
            nodes.add(cluster.ecs().address);
            for (int i = 0; i < config.servers(); i++) {
                nodes.add(cluster.startServerVia(cluster.liveBootstrap()).address);
            }
            if (!cluster.awaitStatus(ProcessCluster.healed(config.servers()), HEAL_TIMEOUT)) {
                problems.add("the cluster did not form within " + HEAL_TIMEOUT.toSeconds() + " s");
                return report(faults, Map.of(), "not checked", claims);
            }
            log("+%6d ms  cluster up: ECS %s, %d servers", ms(), cluster.ecs().address, config.servers());
            if (lab != null) {
                claims = new EcsClaims(() -> List.copyOf(nodes), this::ms);
                claims.start();
                net = new NetworkFaults(this, cluster, lab, claims, rnd);
            }
            List<Thread> clients = startClients();
            // the duration is the clients' time, counted from the first operation that completed: a slow start
            // (a loaded machine, namespaces to build, JVMs warming up) takes none of it (issue 18)
            long firstWait = System.nanoTime() + HEAL_TIMEOUT.toNanos();
            while (history.isEmpty() && System.nanoTime() < firstWait) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            if (history.isEmpty()) {
                problems.add("no client operation completed within " + HEAL_TIMEOUT.toSeconds() + " s of the start");
            }
            log("+%6d ms  first operation done: the %d s of the run start now", ms(), config.duration().toSeconds());
            long end = System.nanoTime() + config.duration().toNanos();
            int index = 0;
            while (System.nanoTime() < end - TimeUnit.SECONDS.toNanos(3) && problems.isEmpty()) {
                TimeUnit.MILLISECONDS.sleep(500 + rnd.nextInt(1_000)); // calm under load between faults
                Fault f = inject(cluster, net, ++index);
                if (f != null) {
                    faults.add(f);
                }
            }
            long wait = end - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            stopNanos = System.nanoTime();
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
            }
            Map<String, String> finals = finalReads(cluster);
            String replicas = compareReplicas(cluster);
            return report(withUnavailability(faults), finals, replicas, claims);
        } finally {
            if (claims != null) {
                claims.close();
            }
            cluster.close();
            if (lab != null) {
                lab.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs anyway, and closing twice is harmless
            }
        }
    }

    // ------------------------------------------------------------------------------------ clients

    private List<Thread> startClients() {
        List<Thread> threads = new ArrayList<>();
        ServerAddress[] seeds = nodes.toArray(new ServerAddress[0]);
        for (int c = 0; c < config.clients() + config.plainClients(); c++) {
            int id = c;
            Random mine = new Random(config.seed() * 31 + c);
            Runnable body = isPlain(id) ? () -> plainClient(id, mine) : () -> routingClient(id, mine, seeds);
            Thread t = new Thread(body, (isPlain(id) ? "chaos-plain-client-" : "chaos-client-") + c);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /** Client ids: the routing clients first, then the plain ones. */
    private boolean isPlain(int client) {
        return client >= config.clients();
    }

    private void routingClient(int id, Random mine, ServerAddress[] seeds) {
        RingKvCluster.Options options = RingKvCluster.Options.DEFAULT.withCallTimeout(Duration.ofSeconds(2));
        try (RingKvCluster c = RingKvCluster.connect(options, seeds)) {
            for (long n = 0; !stop.get(); n++) {
                String key = "chaos:" + mine.nextInt(config.keys());
                long retries = c.retries();
                long t0 = System.nanoTime();
                Op op;
                RingKvException failure = null;
                if (mine.nextBoolean()) {
                    String value = "c" + id + "-" + n;
                    try {
                        c.set(key, value);
                        op = Op.write(id, key, value, t0, System.nanoTime(), Op.Outcome.OK);
                    } catch (RingKvException e) {
                        op = Op.write(id, key, value, t0, System.nanoTime(), outcomeOf(true, e, true));
                        failure = e;
                    }
                } else {
                    try {
                        op = Op.read(id, key, c.get(key), t0, System.nanoTime());
                    } catch (RingKvException e) {
                        op = new Op(id, key, false, null, t0, System.nanoTime(), outcomeOf(false, e, true));
                        failure = e;
                    }
                }
                record(op, failure, c.retries() > retries ? "retries=" + (c.retries() - retries) : "");
                TimeUnit.MILLISECONDS.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            problems.add("client " + id + " stopped: " + e);
        }
    }

    /**
     * A plain Redis-protocol client: each operation through a node picked at random (the ECS included), which
     * forwards it to the key's coordinator; one connection per node, dropped after a failure. A node that
     * refused a connection is left alone for a second, as a user would (a killed server, a deposed ECS gone).
     */
    private void plainClient(int id, Random mine) {
        Map<ServerAddress, RingKvClient> open = new HashMap<>();
        Map<ServerAddress, Long> refusedUntil = new HashMap<>();
        try {
            for (long n = 0; !stop.get(); n++) {
                long now = System.nanoTime();
                List<ServerAddress> usable = nodes.stream().filter(a -> refusedUntil.getOrDefault(a, now) <= now).toList();
                List<ServerAddress> from = usable.isEmpty() ? nodes : usable;
                ServerAddress via = from.get(mine.nextInt(from.size()));
                String key = "chaos:" + mine.nextInt(config.keys());
                boolean write = mine.nextBoolean();
                String value = write ? "c" + id + "-" + n : null;
                long t0 = System.nanoTime();
                try {
                    RingKvClient c = open.get(via);
                    if (c == null || !c.isOpen()) {
                        c = connect(via);
                        open.put(via, c);
                    }
                    if (write) {
                        c.set(key, value);
                        record(Op.write(id, key, value, t0, System.nanoTime(), Op.Outcome.OK), null, "via=" + via);
                    } else {
                        record(Op.read(id, key, c.get(key), t0, System.nanoTime()), null, "via=" + via);
                    }
                } catch (RingKvException e) {
                    record(write ? Op.write(id, key, value, t0, System.nanoTime(), outcomeOf(true, e, false))
                            : new Op(id, key, false, null, t0, System.nanoTime(), outcomeOf(false, e, false)), e, "via=" + via);
                    if (e instanceof NotSent) {
                        refusedUntil.put(via, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                    } else if (!(e instanceof ServerErrorException)) {
                        RingKvClient c = open.remove(via);
                        if (c != null) {
                            c.close(); // a reply may still come on it: a new connection starts clean
                        }
                    }
                }
                TimeUnit.MILLISECONDS.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            problems.add("plain client " + id + " stopped: " + e);
        } finally {
            open.values().forEach(RingKvClient::close);
        }
    }

    /** A failure to connect, told apart from a failure after sending: that write cannot take effect. */
    private static final class NotSent extends RingKvException {
        NotSent(RingKvException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static RingKvClient connect(ServerAddress a) {
        try {
            return RingKvClient.connect(a, PLAIN_TIMEOUT);
        } catch (RingKvException e) {
            throw new NotSent(e);
        }
    }

    static Failure failureOf(RingKvException e) {
        if (e instanceof NotSent) {
            return Failure.NOT_SENT;
        }
        return e instanceof ServerErrorException ? Failure.ERROR_REPLY : Failure.NO_REPLY;
    }

    /**
     * What a failed operation tells the checker: the one place that decides it. A failed read tells nothing
     * (FAIL: left out of the check). A write that was never sent cannot take effect (FAIL). Any other failed
     * write may have taken effect: UNKNOWN, which the checker lets take effect at any time after its call,
     * or never. That includes a plain client's error reply ({@code -TRYAGAIN}), though the node did answer:
     * {@link Op} has no outcome for "may have taken effect, but before its reply"; when it has one, a plain
     * client's {@link Failure#ERROR_REPLY} maps to it here. A routing client's error never does: it retries
     * after a timeout and after {@code -TRYAGAIN}, so an attempt it gave up on may have taken effect, or still
     * be in flight, when the last one is refused.
     */
    static Op.Outcome outcomeOf(boolean write, RingKvException e, boolean routing) {
        if (!write || failureOf(e) == Failure.NOT_SENT) {
            return Op.Outcome.FAIL;
        }
        return Op.Outcome.UNKNOWN;
    }

    /** Adds an operation to the history, with what history.txt says about it; counts a failure by its kind. */
    private void record(Op op, RingKvException failure, String detail) {
        history.add(op);
        String why = "";
        if (failure != null) {
            Failure f = failureOf(failure);
            failed.incrementAndGet((isPlain(op.client()) ? 1 : 0) * Failure.values().length + f.ordinal());
            why = f.name().toLowerCase(Locale.ROOT).replace('_', '-') + ": " + String.valueOf(failure.getMessage()).replace('\n', ' ');
        }
        String all = (detail + (detail.isEmpty() || why.isEmpty() ? "" : " ") + why).strip();
        if (!all.isEmpty()) {
            details.put(op, all);
        }
    }

    private Failures failures(boolean plain) {
        int base = (plain ? 1 : 0) * Failure.values().length;
        return new Failures(failed.get(base + Failure.ERROR_REPLY.ordinal()), failed.get(base + Failure.NO_REPLY.ordinal()),
                failed.get(base + Failure.NOT_SENT.ordinal()));
    }

    // ------------------------------------------------------------------------------------- faults

    List<ProcessCluster.Node> inRing(ProcessCluster cluster) {
        return cluster.servers().stream().filter(n -> n.isAlive() && !left.containsKey(n)).toList();
    }

    /** Picks and injects one fault the cluster can survive, then waits until it healed; null if none fits now. */
    private Fault inject(ProcessCluster cluster, NetworkFaults net, int index) throws IOException, InterruptedException {
        List<ProcessCluster.Node> live = inRing(cluster);
        List<ProcessCluster.Node> dead = cluster.servers().stream().filter(n -> !n.isAlive() && !left.containsKey(n)).toList();
        List<String> kinds = new ArrayList<>(List.of("pause"));
        if (live.size() > 3) {
            kinds.addAll(List.of("kill", "kill-ecs", "leave"));
        }
        if (!dead.isEmpty()) {
            kinds.add("restart");
        }
        if (cluster.servers().size() - left.size() < config.servers() + 2) {
            kinds.add("add");
        }
        if (net != null) {
            kinds.addAll(net.eligible(live.size()));
        }
        String kind = kinds.get(rnd.nextInt(kinds.size()));
        if (net != null && NetworkFaults.KINDS.contains(kind)) {
            return net.inject(kind, index);
        }
        long at = ms();
        ClusterStatus before = cluster.status();
        long term = before == null ? 0 : before.term();
        ServerAddress ecs = before == null ? null : ServerAddress.parse(before.ecs());
        ProcessCluster.Node target;
        long detected = -1;
        long failover = -1;
        int expected = live.size();
        switch (kind) {
            case "kill" -> {
                ProcessCluster.Node victim = notTheEcs(live, ecs);
                target = victim;
                cluster.kill(victim);
                expected--;
                String gone = victim.address.toString();
                detected = awaitMillis(cluster, s -> s.members().stream().anyMatch(m -> m.address().equals(gone)
                        && (m.state().equals("DOWN") || !m.inRing())), at);
            }
            case "kill-ecs" -> {
                if (ecs == null) {
                    return null;
                }
                target = cluster.node(ecs);
                cluster.kill(target);
                if (target != cluster.ecs()) {
                    expected--;
                }
                failover = awaitMillis(cluster, s -> s.term() > term && !s.ecs().equals(ecs.toString()), at);
            }
            case "restart" -> {
                target = dead.get(rnd.nextInt(dead.size()));
                cluster.restartVia(target, cluster.liveBootstrap()); // as an operator would: -b the nodes running now
                expected++;
            }
            case "pause" -> {
                List<ProcessCluster.Node> any = new ArrayList<>(live);
                if (cluster.ecs().isAlive()) {
                    any.add(cluster.ecs());
                }
                target = any.get(rnd.nextInt(any.size()));
                long pauseMillis = 300 + rnd.nextInt(1_700);
                cluster.pause(target);
                TimeUnit.MILLISECONDS.sleep(pauseMillis);
                cluster.resume(target);
                kind = "pause " + pauseMillis + " ms";
            }
            case "add" -> {
                target = cluster.startServerVia(cluster.liveBootstrap());
                nodes.add(target.address);
                expected++;
            }
            case "leave" -> {
                target = notTheEcs(live, ecs);
                left.put(target, true);
                target.process().destroy(); // SIGTERM: the graceful leave; the process exits once its ranges moved
                expected--;
            }
            default -> throw new IllegalStateException(kind);
        }
        String what = describe(cluster, target, ecs);
        log("+%6d ms  fault %d: %s %s", at, index, kind, what);
        long healed = awaitHealed(cluster, expected, at);
        if (healed < 0) {
            problems.add("fault " + index + " (" + kind + " " + what + "): not healed with " + expected + " servers within "
                    + HEAL_TIMEOUT.toSeconds() + " s; last status " + cluster.status());
        }
        log("+%6d ms    healed after %s%s%s", ms(), healed < 0 ? "—" : healed + " ms",
                detected >= 0 ? ", detected after " + detected + " ms" : "",
                failover >= 0 ? ", new ECS after " + failover + " ms" : "");
        return new Fault(index, kind.startsWith("pause") ? "pause" : kind, what, at, -1, detected, failover, healed, -1, -1);
    }

    /** A node as the fault log names it: the dedicated ECS, a server holding the ECS role, or a server. */
    static String describe(ProcessCluster cluster, ProcessCluster.Node target, ServerAddress ecs) {
        return target == cluster.ecs() ? "the ECS " + target.address
                : target.address + (target.address.equals(ecs) ? " (holding the ECS role)" : "");
    }

    /** A server picked by the seed among those not holding the ECS role (that is {@code kill-ecs}'s fault). */
    ProcessCluster.Node notTheEcs(List<ProcessCluster.Node> live, ServerAddress ecs) {
        List<ProcessCluster.Node> plain = live.stream().filter(n -> !n.address.equals(ecs)).toList();
        List<ProcessCluster.Node> from = plain.isEmpty() ? live : plain;
        return from.get(rnd.nextInt(from.size()));
    }

    /** Polls the ECS until {@code condition} holds; ms since {@code fromMillis}, or -1 after the heal timeout. */
    long awaitMillis(ProcessCluster cluster, java.util.function.Predicate<ClusterStatus> condition, long fromMillis)
            throws InterruptedException {
        boolean ok = cluster.awaitStatus(condition, HEAL_TIMEOUT);
        return ok ? ms() - fromMillis : -1;
    }

    /**
     * Waits until {@code servers} servers are UP in one ring with every copy (no plan, no re-replication, no
     * key under-replicated) and, on a network run, every one of them follows that ECS in its term on its ring
     * — so a deposed ECS that has not heard of its successor yet cannot pass its own stale view off as
     * healed. ms since {@code fromMillis}, or -1 after the heal timeout.
     */
    long awaitHealed(ProcessCluster cluster, int servers, long fromMillis) throws InterruptedException {
        java.util.function.Predicate<ClusterStatus> healed = ProcessCluster.healed(servers);
        boolean ok = ProcessCluster.await(() -> {
            ClusterStatus s = cluster.status();
            return s != null && healed.test(s) && (!config.network() || everyoneFollows(cluster, s));
        }, HEAL_TIMEOUT);
        return ok ? ms() - fromMillis : -1;
    }

    /** Every server in the ring says, in {@code INFO ring}, that it follows {@code s}'s ECS in its term and ring. */
    private boolean everyoneFollows(ProcessCluster cluster, ClusterStatus s) {
        for (ProcessCluster.Node n : inRing(cluster)) {
            try (RingKvClient c = RingKvClient.connect(n.address, Duration.ofSeconds(2))) {
                Map<String, String> f = EcsClaims.fields(((RespValue.Bulk) c.execute("INFO", "ring")).utf8());
                if (!s.ecs().equals(f.get("ecs")) || !String.valueOf(s.term()).equals(f.get("ecs_term"))
                        || !String.valueOf(s.ringVersion()).equals(f.get("ring_version"))) {
                    return false;
                }
            } catch (RingKvException | ClassCastException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Per fault and per kind of client: the longest time a client went without a successful operation, from
     * the fault until it healed.
     */
    private List<Fault> withUnavailability(List<Fault> faults) {
        List<Op> ops;
        synchronized (history) {
            ops = new ArrayList<>(history);
        }
        // each client's successful completions, in time order
        List<long[]> done = new ArrayList<>();
        for (int c = 0; c < config.clients() + config.plainClients(); c++) {
            int client = c;
            done.add(ops.stream().filter(op -> op.client() == client && op.outcome() == Op.Outcome.OK)
                    .mapToLong(Op::completedAt).sorted().toArray());
        }
        List<Fault> out = new ArrayList<>();
        for (Fault f : faults) {
            long from = startNanos + f.atMillis() * 1_000_000;
            // not healed: until the wait gave up, for the clients went on meanwhile; never past their stop
            long to = Math.min(stopNanos, startNanos + (f.endedMillis()
                    + (f.healedMillis() < 0 ? HEAL_TIMEOUT.toMillis() : f.healedMillis())) * 1_000_000);
            long[] worst = {0, config.plainClients() == 0 ? -1 : 0}; // routing, plain
            for (int c = 0; c < done.size(); c++) {
                long gap = longestGap(done.get(c), from, to);
                int k = isPlain(c) ? 1 : 0;
                worst[k] = Math.max(worst[k], gap);
            }
            out.add(new Fault(f.index(), f.kind(), f.target(), f.atMillis(), f.heldMillis(), f.detectedMillis(),
                    f.failoverMillis(), f.healedMillis(), worst[0] / 1_000_000, worst[1] < 0 ? -1 : worst[1] / 1_000_000));
        }
        return out;
    }

    private static long longestGap(long[] times, long from, long to) {
        long worst = 0;
        long last = from;
        for (long t : times) {
            if (t > to) {
                break;
            }
            if (t > from) {
                worst = Math.max(worst, t - last);
                last = t;
            }
        }
        return Math.max(worst, to - last);
    }

    // ----------------------------------------------------------------------------------- the end

    /** Waits until healed, then reads every key once more (part of the history): the values that must survive. */
    private Map<String, String> finalReads(ProcessCluster cluster) throws InterruptedException {
        int servers = inRing(cluster).size();
        if (awaitHealed(cluster, servers, ms()) < 0) {
            problems.add("not healed at the end within " + HEAL_TIMEOUT.toSeconds() + " s: " + cluster.status());
        }
        Map<String, String> finals = new TreeMap<>();
        try (RingKvCluster c = RingKvCluster.connect(cluster.addresses().toArray(new ServerAddress[0]))) {
            for (int k = 0; k < config.keys(); k++) {
                String key = "chaos:" + k;
                long t0 = System.nanoTime();
                try {
                    String v = c.get(key);
                    history.add(Op.read(-1, key, v, t0, System.nanoTime()));
                    finals.put(key, v);
                } catch (RingKvException e) {
                    problems.add("final read of " + key + " failed: " + e.getMessage());
                }
            }
        }
        return finals;
    }

    /** {@code RINGKV CHECK} on the ECS until every range's holders agree (a write in flight shows once). */
    private String compareReplicas(ProcessCluster cluster) throws InterruptedException {
        String[] last = {"no answer"};
        boolean agree = ProcessCluster.await(() -> {
            ServerAddress ecs = cluster.currentEcs();
            if (ecs == null) {
                return false;
            }
            try (RingKvClient c = RingKvClient.connect(ecs, Duration.ofSeconds(10))) {
                last[0] = ((RespValue.Bulk) c.execute("RINGKV", "CHECK")).utf8();
                return last[0].contains(" 0 disagreeing, 0 unanswered");
            } catch (RingKvException e) {
                last[0] = e.getMessage();
                return false;
            }
        }, Duration.ofSeconds(30));
        String head = last[0].lines().findFirst().orElse(last[0]);
        if (!agree) {
            problems.add("replicas differ after quiescing: " + last[0]);
        }
        return head;
    }

    /** The whole history, by key then call time, next to the processes' logs: what a failed check is read against. */
    private void writeHistory(List<Op> ops) {
        List<Op> sorted = new ArrayList<>(ops);
        sorted.sort(java.util.Comparator.comparing(Op::key).thenComparingLong(Op::invokedAt));
        StringBuilder b = new StringBuilder("# key client kind value invoked_ns completed_ns outcome [via=node (plain) | "
                + "retries=n (routing)] [how it failed] (ns since the run started; clients " + config.clients()
                + " and up are plain, -1 the final reads)\n");
        for (Op op : sorted) {
            b.append(op.key()).append(' ').append(op.client()).append(' ').append(op.write() ? "write" : "read").append(' ')
                    .append(op.value()).append(' ').append(op.invokedAt() - startNanos).append(' ')
                    .append(op.completedAt() == Long.MAX_VALUE ? "-" : String.valueOf(op.completedAt() - startNanos))
                    .append(' ').append(op.outcome());
            String d = details.get(op);
            b.append(d == null ? "" : " " + d).append('\n');
        }
        try {
            Files.writeString(config.dir().resolve("history.txt"), b);
        } catch (IOException e) {
            problems.add("cannot write the history: " + e.getMessage());
        }
    }

    /** One line per fault, tab-separated, next to history.txt: what figures over many seeds are summed from. */
    private void writeFaults(List<Fault> faults) {
        StringBuilder b = new StringBuilder("index\tkind\ttarget\tat_ms\theld_ms\tdetected_ms\tfailover_ms\thealed_ms"
                + "\tunavailable_routing_ms\tunavailable_plain_ms\n");
        for (Fault f : faults) {
            b.append(f.index()).append('\t').append(f.kind()).append('\t').append(f.target()).append('\t')
                    .append(f.atMillis()).append('\t').append(f.heldMillis()).append('\t').append(f.detectedMillis())
                    .append('\t').append(f.failoverMillis()).append('\t').append(f.healedMillis()).append('\t')
                    .append(f.unavailableMillis()).append('\t').append(f.unavailablePlainMillis()).append('\n');
        }
        try {
            Files.writeString(config.dir().resolve("faults.tsv"), b);
        } catch (IOException e) {
            problems.add("cannot write the faults: " + e.getMessage());
        }
    }

    /**
     * Lines the servers log when two ECSs claim one term (they reject the second, loudly): a violation the
     * sampler may have missed between two of its rounds.
     */
    private void scanLogsForTwoEcss() {
        try (var files = Files.list(config.dir())) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                for (String line : Files.readAllLines(p)) {
                    if (line.contains("two ECSs claim term")) {
                        problems.add(p.getFileName() + ": " + line.strip());
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            notes.add("cannot read the processes' logs: " + e.getMessage());
        }
    }

    private Report report(List<Fault> faults, Map<String, String> finals, String replicas, EcsClaims claims) {
        List<Op> ops;
        synchronized (history) {
            ops = new ArrayList<>(history);
        }
        long writesOk = ops.stream().filter(o -> o.write() && o.outcome() == Op.Outcome.OK).count();
        long writesUnknown = ops.stream().filter(o -> o.write() && o.outcome() == Op.Outcome.UNKNOWN).count();
        long readsOk = ops.stream().filter(o -> !o.write() && o.outcome() == Op.Outcome.OK).count();
        long readsFailed = ops.stream().filter(o -> !o.write() && o.outcome() == Op.Outcome.FAIL).count();
        Checker.Verdict verdict = Checker.check(ops, finals);
        writeHistory(ops);
        writeFaults(faults);
        List<String> terms = List.of();
        if (claims != null) {
            terms = claims.table();
            problems.addAll(claims.violations());
            scanLogsForTwoEcss();
        }
        Map<String, Failures> failures = new TreeMap<>();
        if (config.clients() > 0) {
            failures.put("routing", failures(false));
        }
        if (config.plainClients() > 0) {
            failures.put("plain", failures(true));
        }
        return new Report(config, faults, writesOk, writesUnknown, readsOk, readsFailed, verdict, replicas,
                List.copyOf(problems), failures, terms, List.copyOf(notes));
    }
}
