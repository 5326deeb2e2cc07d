package dev.ringkv.launcher.chaos;

import dev.ringkv.check.Checker;
import dev.ringkv.check.Op;
import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvCluster;
import dev.ringkv.client.RingKvException;
import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A chaos run against real processes (issue 7): an ECS and servers on loopback, clients writing unique
 * values and reading them back, and one fault at a time from a seeded schedule — SIGKILL of a server
 * or of the ECS (whoever holds the role), restart, SIGSTOP/SIGCONT, a server added, a graceful leave —
 * each followed by a wait until the cluster is healthy again. The whole history is recorded and checked
 * ({@link Checker}): no acknowledged write lost, every key linearizable, replicas identical after
 * quiescing. The seed fixes the schedule (which faults, on which node, how long); timing is real.
 */
public final class ChaosRun {

    /**
     * @param servers servers at the start (at least 4: faults keep at least 3 in the ring)
     * @param clients client threads, each one operation at a time
     * @param keys distinct keys the clients pick from
     */
    public record Config(long seed, Duration duration, int servers, int clients, int keys, Path dir) {
        public Config {
            if (servers < 4) {
                throw new IllegalArgumentException("--servers must be at least 4 (faults keep 3 in the ring), not " + servers);
            }
            if (clients < 1 || keys < 1) {
                throw new IllegalArgumentException("--clients and --keys must be at least 1");
            }
            if (duration.toMillis() < 1_000) {
                throw new IllegalArgumentException("--duration must be at least 1s");
            }
        }
    }

    /** One injected fault and what it cost. Times in ms; -1 when not applicable or not observed. */
    public record Fault(int index, String kind, String target, long atMillis, long detectedMillis,
                        long failoverMillis, long healedMillis, long unavailableMillis) {
    }

    /** Everything a run found. */
    public record Report(Config config, List<Fault> faults, long writesOk, long writesUnknown, long readsOk,
                         long readsFailed, Checker.Verdict verdict, String replicas, List<String> problems) {

        public boolean passed() {
            return verdict.ok() && problems.isEmpty();
        }
    }

    private static final Duration HEAL_TIMEOUT = Duration.ofSeconds(60);

    private final Config config;
    private final Consumer<String> log;
    private final Random rnd;
    private final List<Op> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final Map<ProcessCluster.Node, Boolean> left = new ConcurrentHashMap<>();
    private long startNanos;

    private ChaosRun(Config config, Consumer<String> log) {
        this.config = config;
        this.log = log;
        this.rnd = new Random(config.seed());
    }

    /** Runs the whole thing; {@code log} gets one line per step (the fault log). Blocks for about the duration. */
    public static Report run(Config config, Consumer<String> log) throws IOException, InterruptedException {
        return new ChaosRun(config, log).go();
    }

    private long ms() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private Report go() throws IOException, InterruptedException {
        List<Fault> faults = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(config.dir(), "127.0.0.1", List.of("-Xmx256m", "-XX:+UseSerialGC"))) {
            // Ctrl-C: the processes go with the run (the directory stays)
            Thread cleanup = new Thread(cluster::close, "chaos-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            startNanos = System.nanoTime();
            cluster.startEcs();
            for (int i = 0; i < config.servers(); i++) {
                cluster.startServerVia(cluster.liveBootstrap());
            }
            if (!cluster.awaitStatus(ProcessCluster.healed(config.servers()), HEAL_TIMEOUT)) {
                problems.add("the cluster did not form within " + HEAL_TIMEOUT.toSeconds() + " s");
                return report(faults, Map.of(), "not checked");
            }
            log.accept(String.format(Locale.ROOT, "+%6d ms  cluster up: ECS %s, %d servers", ms(), cluster.ecs().address,
                    config.servers()));
            List<Thread> clients = startClients(cluster);
            long end = startNanos + config.duration().toNanos();
            int index = 0;
            while (System.nanoTime() < end - TimeUnit.SECONDS.toNanos(3) && problems.isEmpty()) {
                TimeUnit.MILLISECONDS.sleep(500 + rnd.nextInt(1_000)); // calm under load between faults
                Fault f = inject(cluster, ++index);
                if (f != null) {
                    faults.add(f);
                }
            }
            long wait = end - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
            }
            Map<String, String> finals = finalReads(cluster);
            String replicas = compareReplicas(cluster);
            return report(withUnavailability(faults), finals, replicas);
        }
    }

    // ------------------------------------------------------------------------------------ clients

    private List<Thread> startClients(ProcessCluster cluster) {
        List<Thread> threads = new ArrayList<>();
        ServerAddress[] seeds = cluster.addresses().toArray(new ServerAddress[0]);
        for (int c = 0; c < config.clients(); c++) {
            int id = c;
            Random mine = new Random(config.seed() * 31 + c);
            Thread t = new Thread(() -> client(id, mine, seeds), "chaos-client-" + c);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    private void client(int id, Random mine, ServerAddress[] seeds) {
        RingKvCluster.Options options = RingKvCluster.Options.DEFAULT.withCallTimeout(Duration.ofSeconds(2));
        try (RingKvCluster c = RingKvCluster.connect(options, seeds)) {
            for (long n = 0; !stop.get(); n++) {
                String key = "chaos:" + mine.nextInt(config.keys());
                long t0 = System.nanoTime();
                if (mine.nextBoolean()) {
                    String value = "c" + id + "-" + n;
                    try {
                        c.set(key, value);
                        history.add(Op.write(id, key, value, t0, System.nanoTime(), Op.Outcome.OK));
                    } catch (RingKvException e) {
                        // not ERROR even for an error reply: the client retries after timeouts too, and an
                        // earlier attempt that timed out may still land after the error it ends with
                        history.add(Op.write(id, key, value, t0, System.nanoTime(), Op.Outcome.UNKNOWN));
                    }
                } else {
                    try {
                        history.add(Op.read(id, key, c.get(key), t0, System.nanoTime()));
                    } catch (RingKvException e) {
                        history.add(new Op(id, key, false, null, t0, System.nanoTime(), Op.Outcome.FAIL));
                    }
                }
                TimeUnit.MILLISECONDS.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            problems.add("client " + id + " stopped: " + e);
        }
    }

    // ------------------------------------------------------------------------------------- faults

    private List<ProcessCluster.Node> inRing(ProcessCluster cluster) {
        return cluster.servers().stream().filter(n -> n.isAlive() && !left.containsKey(n)).toList();
    }

    /** Picks and injects one fault the cluster can survive, then waits until it healed; null if none fits now. */
    private Fault inject(ProcessCluster cluster, int index) throws IOException, InterruptedException {
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
        String kind = kinds.get(rnd.nextInt(kinds.size()));
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
        String what = target == cluster.ecs() ? "the ECS " + target.address
                : target.address + (target.address.equals(ecs) ? " (holding the ECS role)" : "");
        log.accept(String.format(Locale.ROOT, "+%6d ms  fault %d: %s %s", at, index, kind, what));
        int servers = expected;
        long healed = awaitMillis(cluster, ProcessCluster.healed(servers)::test, at);
        if (healed < 0) {
            problems.add("fault " + index + " (" + kind + " " + what + "): not healed with " + servers + " servers within "
                    + HEAL_TIMEOUT.toSeconds() + " s; last status " + cluster.status());
        }
        log.accept(String.format(Locale.ROOT, "+%6d ms    healed after %s%s%s", ms(), healed < 0 ? "—" : healed + " ms",
                detected >= 0 ? ", detected after " + detected + " ms" : "",
                failover >= 0 ? ", new ECS after " + failover + " ms" : ""));
        return new Fault(index, kind.startsWith("pause") ? "pause" : kind, what, at, detected, failover, healed, -1);
    }

    /** A server picked by the seed among those not holding the ECS role (that is {@code kill-ecs}'s fault). */
    private ProcessCluster.Node notTheEcs(List<ProcessCluster.Node> live, ServerAddress ecs) {
        List<ProcessCluster.Node> plain = live.stream().filter(n -> !n.address.equals(ecs)).toList();
        List<ProcessCluster.Node> from = plain.isEmpty() ? live : plain;
        return from.get(rnd.nextInt(from.size()));
    }

    /** Polls the ECS until {@code condition} holds; ms since {@code fromMillis}, or -1 after the heal timeout. */
    private long awaitMillis(ProcessCluster cluster, java.util.function.Predicate<ClusterStatus> condition, long fromMillis)
            throws InterruptedException {
        boolean ok = cluster.awaitStatus(condition, HEAL_TIMEOUT);
        return ok ? ms() - fromMillis : -1;
    }

    /** Per fault: the longest time any client went without a successful operation, from the fault until it healed. */
    private List<Fault> withUnavailability(List<Fault> faults) {
        List<Op> ops;
        synchronized (history) {
            ops = new ArrayList<>(history);
        }
        // each client's successful completions, in time order
        List<long[]> done = new ArrayList<>();
        for (int c = 0; c < config.clients(); c++) {
            int client = c;
            done.add(ops.stream().filter(op -> op.client() == client && op.outcome() == Op.Outcome.OK)
                    .mapToLong(Op::completedAt).sorted().toArray());
        }
        List<Fault> out = new ArrayList<>();
        for (Fault f : faults) {
            long from = startNanos + f.atMillis() * 1_000_000;
            long to = f.healedMillis() < 0 ? System.nanoTime() : from + f.healedMillis() * 1_000_000;
            long worst = 0;
            for (long[] times : done) {
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
                worst = Math.max(worst, to - last);
            }
            out.add(new Fault(f.index(), f.kind(), f.target(), f.atMillis(), f.detectedMillis(), f.failoverMillis(),
                    f.healedMillis(), worst / 1_000_000));
        }
        return out;
    }

    // ----------------------------------------------------------------------------------- the end

    /** Waits until healed, then reads every key once more (part of the history): the values that must survive. */
    private Map<String, String> finalReads(ProcessCluster cluster) throws InterruptedException {
        int servers = inRing(cluster).size();
        if (!cluster.awaitStatus(ProcessCluster.healed(servers), HEAL_TIMEOUT)) {
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
        StringBuilder b = new StringBuilder("# key client kind value invoked_ns completed_ns outcome (ns since the run started)\n");
        for (Op op : sorted) {
            b.append(op.key()).append(' ').append(op.client()).append(' ').append(op.write() ? "write" : "read").append(' ')
                    .append(op.value()).append(' ').append(op.invokedAt() - startNanos).append(' ')
                    .append(op.completedAt() == Long.MAX_VALUE ? "-" : String.valueOf(op.completedAt() - startNanos))
                    .append(' ').append(op.outcome()).append('\n');
        }
        try {
            java.nio.file.Files.writeString(config.dir().resolve("history.txt"), b);
        } catch (IOException e) {
            problems.add("cannot write the history: " + e.getMessage());
        }
    }

    private Report report(List<Fault> faults, Map<String, String> finals, String replicas) {
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
        return new Report(config, faults, writesOk, writesUnknown, readsOk, readsFailed, verdict, replicas,
                List.copyOf(problems));
    }
}
