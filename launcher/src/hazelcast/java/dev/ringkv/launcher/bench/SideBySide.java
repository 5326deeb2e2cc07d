package dev.ringkv.launcher.bench;

import dev.ringkv.launcher.ProcessCluster;
import dev.ringkv.launcher.bench.SyncLoad.Kind;
import dev.ringkv.ring.ServerAddress;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 7's benchmarks, side by side, in one run on one machine, written as the markdown section of
 * {@code docs/performance.md} between its side-by-side markers. Run it through
 * {@code launcher/scripts/side-by-side.sh} (it builds, puts Hazelcast on the classpath and passes the
 * arguments on):
 *
 * <pre>side-by-side.sh [--threads 50] [--seconds 10] [--rounds 5] [--only single,replicated,...] [--no-doc]</pre>
 *
 * Sections: {@code single} (one node vs redis-server, redis-benchmark), {@code replicated} (RingKV
 * 3 servers × 3 copies vs Hazelcast 3 members × 2 synchronous backups vs Redis SET + WAIT 2 0, then memory
 * with 100,000 keys), {@code node-memory}, {@code default-memory} (3 servers started with {@code bin/ringkv}'s
 * flags), {@code startup}, {@code scaling} (1/3/5 servers), {@code join},
 * {@code heal}, {@code failover}.
 */
public final class SideBySide {
    /** Every JVM of the comparison, RingKV's and Hazelcast's alike. */
    static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx512m");
    /** A small RingKV node (docs/performance.md, "A small node"): sized for 100,000 keys, keys only in memory. */
    static final List<String> SMALL_JVM = List.of("-XX:+UseSerialGC", "-Xmx36m", "-Xmn6m", "-XX:TieredStopAtLevel=1");
    static final String SMALL_SERVER = "--memory-values 0";
    /** Warm-up per system before the measured rounds (Hazelcast's SET rate was still rising after 3 s). */
    static final int WARMUP_SECONDS = 10;
    private static final List<String> SECTIONS = List.of("single", "replicated", "node-memory", "default-memory",
            "startup", "scaling", "join", "heal", "failover");

    private final int threads;
    private final int seconds;
    private final int rounds;
    /** "shared": one RingKV client and one Hazelcast client for all threads; "per-thread": one each. */
    private final String clients;
    /**
     * The Hazelcast members' JVM flags: the JVM's defaults (G1, a quarter of RAM as heap), which served it
     * better here than {@link #JVM} (14.3k vs 10.9k SET/s in a trial run), unless {@code --hazelcast-jvm} says otherwise.
     */
    private List<String> hazelcastJvm = List.of();
    private final Path base;
    private final StringBuilder md = new StringBuilder();
    /** Target → measured, for the summary table at the top. */
    private final Map<String, String[]> targets = new LinkedHashMap<>();

    private SideBySide(int threads, int seconds, int rounds, String clients) throws IOException {
        this.clients = clients;
        this.threads = threads;
        this.seconds = seconds;
        this.rounds = rounds;
        this.base = Files.createTempDirectory("ringkv-side-by-side-");
    }

    public static void main(String[] args) throws Exception {
        int threads = 50;
        int seconds = 10;
        int rounds = 5;
        String clients = "shared";
        String hazelcastJvm = null;
        boolean doc = true;
        Set<String> only = new LinkedHashSet<>(SECTIONS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--no-doc" -> doc = false;
                case "--hazelcast-jvm" -> hazelcastJvm = args[++i];
                case "--clients" -> {
                    clients = args[++i];
                    if (!clients.equals("shared") && !clients.equals("per-thread")) {
                        throw new IllegalArgumentException("--clients is shared or per-thread");
                    }
                }
                case "--only" -> {
                    only = new LinkedHashSet<>(List.of(args[++i].split(",")));
                    if (!SECTIONS.containsAll(only)) {
                        throw new IllegalArgumentException("sections are " + SECTIONS + ", not " + only);
                    }
                    doc = false; // a partial run never replaces the whole section
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: [--threads N] [--seconds S] [--rounds R] [--clients shared|per-thread] [--only a,b] [--no-doc]");
            }
        }
        System.setProperty("hazelcast.logging.type", "none");
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.endsWith("ringkv.jar")) {
                System.setProperty("ringkv.classpath", entry); // RingKV's processes run from the jar alone
            }
        }
        SideBySide run = new SideBySide(threads, seconds, rounds, clients);
        if (hazelcastJvm != null) {
            run.hazelcastJvm = hazelcastJvm.isBlank() ? List.of() : List.of(hazelcastJvm.trim().split("\\s+"));
        }
        String report = run.run(only);
        Path out = Path.of("launcher", "target", "side-by-side.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println();
        System.out.println(report);
        System.out.println("written to " + out);
        if (doc) {
            Report.splice(Path.of("docs", "performance.md"), report);
            System.out.println("and spliced into docs/performance.md");
        }
        System.exit(0); // Hazelcast clients leave non-daemon threads behind
    }

    private String run(Set<String> only) throws Exception {
        if (only.contains("single")) {
            single();
        }
        if (only.contains("replicated")) {
            replicated();
        }
        if (only.contains("node-memory")) {
            nodeMemory();
        }
        if (only.contains("default-memory")) {
            defaultMemory();
        }
        if (only.contains("startup")) {
            startup();
        }
        if (only.contains("scaling")) {
            scaling();
        }
        if (only.contains("join")) {
            captured("join", "A server joining 3 servers that hold 100,000 keys (3 copies each)",
                    "dev.ringkv.launcher.bench.JoinBench 100000 3", () -> JoinBench.main(new String[] {"100000", "3"}),
                    out -> targets.put("rebalance: 4th server joins 100,000 keys × 3 copies, JOIN → ring switch (median of 3)",
                            new String[] {match(out, "JOIN seen by the ECS -> ring switch: n=\\d+\\s+median ([0-9.]+) ms") + " ms", "measured"}));
        }
        if (only.contains("heal")) {
            captured("heal", "Healing after a SIGKILL (5 servers, 100,000 keys, 8 writers)",
                    "dev.ringkv.launcher.bench.ReplicationBench 100000 5", () -> ReplicationBench.main(new String[] {"100000", "5"}),
                    out -> {
                        targets.put("SIGKILL → 3 copies of every key again (100,000 keys)",
                                new String[] {match(out, "3 copies of every key again ([0-9.]+) ms") + " ms", "< 1 s"});
                        String single = match(out, "acknowledged writes lost: (\\d+) of");
                        String both = match(out, "double failure: .*acknowledged writes lost: (\\d+) of");
                        String sum = single.equals("?") || both.equals("?") ? "?"
                                : String.valueOf(Long.parseLong(single) + Long.parseLong(both));
                        targets.put("acknowledged writes lost (a SIGKILL, then two servers at once)",
                                new String[] {sum + " (" + single + " + " + both + ")", "0"});
                    });
        }
        if (only.contains("failover")) {
            captured("failover", "ECS failover (10 rounds: SIGKILL of the dedicated ECS, SIGSTOP then SIGKILL of the server holding the role)",
                    "dev.ringkv.launcher.bench.FailoverBench 10", () -> FailoverBench.main(new String[] {"10"}),
                    out -> targets.put("ECS failover, SIGKILL → new term heard (median / max of 20)",
                            new String[] {match(out, "all \\d+ kills: n=\\d+\\s+median ([0-9.]+) ms") + " / "
                                    + match(out, "all \\d+ kills: .*max ([0-9.]+) ms") + " ms", "< 1.5 s"}));
        }
        StringBuilder report = new StringBuilder();
        report.append(Report.BEGIN).append("\n\n");
        report.append("## Side by side (issue 7)\n\n");
        report.append(String.format(Locale.ROOT, "Generated %s by `bash launcher/scripts/side-by-side.sh` (%d client threads, %d s per run, %d rounds) on %s.%n%n",
                LocalDate.now(), threads, seconds, rounds, machine()));
        if (!targets.isEmpty()) {
            report.append("| figure | measured | target | met |\n|---|---:|---:|---|\n");
            targets.forEach((what, v) -> report.append("| ").append(what).append(" | ").append(v[0]).append(" | ")
                    .append(v[1]).append(" | ").append(Report.met(v[0], v[1])).append(" |\n"));
            report.append('\n');
        }
        report.append(md);
        report.append(Report.END).append('\n');
        return report.toString();
    }

    // ---- one node vs redis-server, redis-benchmark ----

    private void single() throws Exception {
        section("One node vs redis-server (redis-benchmark)");
        int n = 200_000;
        String cmd = "redis-benchmark -h 127.0.0.1 -p PORT -t set,get -n " + n + " -c 50 -d 100 -r 100000 [-P 16] --csv";
        md.append("A standalone RingKV server (`--standalone --fsync everysec`, ").append(String.join(" ", JVM))
                .append(") and a `redis-server` (Debian defaults: RDB snapshots, no AOF), alternating, ")
                .append(rounds).append(" rounds after one warm-up of RingKV (JIT); medians:\n\n`").append(cmd).append("`\n\n");
        int ringkvPort = ProcessCluster.freePort();
        int redisPort = ProcessCluster.freePort();
        Process ringkv = ringkvServer(ringkvPort, base.resolve("single-ringkv"), JVM, null);
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
                "--dir", Files.createDirectories(base.resolve("single-redis")).toString())
                .redirectErrorStream(true).redirectOutput(base.resolve("single-redis.log").toFile()).start();
        try {
            awaitPing(ringkvPort);
            awaitPing(redisPort);
            md.append("| | RingKV | p99 | redis-server | p99 | RingKV / Redis | target |\n|---|---:|---:|---:|---:|---:|---:|\n");
            for (int pipe : new int[] {1, 16}) {
                redisBenchmark(ringkvPort, n, pipe); // warm-up
                Map<String, List<double[]>> results = new LinkedHashMap<>();
                for (int r = 1; r <= rounds; r++) {
                    for (String target : List.of("ringkv", "redis")) {
                        Map<String, double[]> got = redisBenchmark(target.equals("ringkv") ? ringkvPort : redisPort, n, pipe);
                        got.forEach((op, v) -> results.computeIfAbsent(target + " " + op, k -> new ArrayList<>()).add(v));
                        System.out.printf(Locale.ROOT, "single P=%d round %d %s: SET %,.0f GET %,.0f%n", pipe, r, target,
                                got.get("SET")[0], got.get("GET")[0]);
                    }
                }
                for (String op : List.of("SET", "GET")) {
                    double a = median(results.get("ringkv " + op), 0);
                    double b = median(results.get("redis " + op), 0);
                    String target = pipe == 1 ? "≥ 0.7" : "";
                    String name = op + (pipe > 1 ? ", `-P " + pipe + "`" : "");
                    md.append(String.format(Locale.ROOT, "| %s | %,.0f/s | %.2f ms | %,.0f/s | %.2f ms | **%.2f** | %s |%n", name, a,
                            median(results.get("ringkv " + op), 1), b, median(results.get("redis " + op), 1), a / b, target));
                    if (pipe == 1) {
                        targets.put("one node " + op + " / redis-server (redis-benchmark, 50 clients)",
                                new String[] {String.format(Locale.ROOT, "%.2f", a / b), "≥ 0.7"});
                    }
                }
            }
            md.append('\n');
        } finally {
            stop(ringkv);
            stop(redis);
        }
    }

    /** Requests/s and p99 (ms) per test of one redis-benchmark run. */
    private Map<String, double[]> redisBenchmark(int port, int n, int pipe) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-t", "set,get", "-n", String.valueOf(n), "-c", "50", "-d", "100", "-r", "100000", "--csv"));
        if (pipe > 1) {
            cmd.addAll(List.of("-P", String.valueOf(pipe)));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        DetectionBench.require(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, "redis-benchmark failed: " + out);
        Map<String, double[]> result = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().replace("\"", "").split(",");
            if (f.length >= 7 && (f[0].equals("SET") || f[0].equals("GET"))) {
                result.put(f[0], new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[6])});
            }
        }
        DetectionBench.require(result.size() == 2, "unexpected redis-benchmark output: " + out);
        return result;
    }

    // ---- three nodes, three copies: RingKV vs Hazelcast vs Redis with WAIT ----

    private void replicated() throws Exception {
        section("Three nodes, three copies: RingKV vs Hazelcast vs Redis + WAIT");
        String clientText = clients.equals("shared")
                ? "one client shared by all the threads for RingKV (`RingKvCluster`, thread-safe, pipelines their calls) and for "
                        + "Hazelcast (one smart client instance: Hazelcast's usual setup); a connection per thread for Redis "
                        + "(as a Jedis pool gives: `WAIT` counts the writes of its own connection)"
                : "a client per thread for each system (its own `RingKvCluster`, its own Hazelcast client instance, its own "
                        + "Redis connection)";
        md.append(String.format(Locale.ROOT, "The same Java load for all three, in this JVM: %d threads, each doing one "
                + "synchronous call at a time, %s; %d-byte values at random over %,d keys, %d s per system per round, "
                + "alternating, %d rounds after a %d s warm-up of each (SET then GET: Hazelcast's JIT needs it; the table shows the median round).%n"
                + "- **RingKV**: ECS + 3 servers (`%s`), 3 copies per key: a SET is acknowledged once all three holders "
                + "have it; the routing client.%n"
                + "- **Hazelcast 5.5.0**: 3 members (JVM flags: %s), one `IMap` with `backup-count 2`, "
                + "`async-backup-count 0`: a `set` returns once both backups have it; its smart client, `map.set` / `map.get`.%n"
                + "- **%s**: a master and two replicas (`--replicaof`, no persistence); each write is `SET` then "
                + "`WAIT 2 0` pipelined: acknowledged once both replicas have it; reads from the master.%n%n",
                threads, clientText, SyncLoad.VALUE_BYTES, SyncLoad.KEYS, seconds, rounds, WARMUP_SECONDS, String.join(" ", JVM),
                hazelcastJvm.isEmpty() ? "the JVM's defaults, which served it better than RingKV's flags" : "`" + String.join(" ", hazelcastJvm) + "`",
                redisVersion()));
        List<Process> redis = new ArrayList<>();
        try (ProcessCluster ringkv = new ProcessCluster(base.resolve("repl-ringkv"), "127.0.0.1", JVM);
                HazelcastCluster hazelcast = new HazelcastCluster(base.resolve("repl-hazelcast"), hazelcastJvm, 3, "ringkv-bench")) {
            ringkv.startEcs();
            for (int i = 0; i < 3; i++) {
                ringkv.startServer();
            }
            hazelcast.start(2);
            int master = ProcessCluster.freePort();
            redis.add(SyncLoad.startRedis(base, master, null));
            for (int i = 0; i < 2; i++) {
                redis.add(SyncLoad.startRedis(base, ProcessCluster.freePort(), master));
            }
            DetectionBench.require(ringkv.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(60)), "RingKV never formed");
            hazelcast.awaitMembers(3, Duration.ofSeconds(90));
            ServerAddress redisMaster = new ServerAddress("127.0.0.1", master);
            SyncLoad.awaitRedisReplicas(redisMaster, 2);

            Map<String, SyncLoad.ClientFactory> systems = new LinkedHashMap<>();
            systems.put("RingKV 3 servers × 3 copies", clients.equals("shared") ? SyncLoad.shared(SyncLoad.ringkv(seeds(ringkv)))
                    : SyncLoad.ringkv(seeds(ringkv)));
            systems.put("Hazelcast 3 members, 2 sync backups", clients.equals("shared") ? SyncLoad.shared(hazelcast.factory())
                    : hazelcast.factory());
            systems.put("Redis SET + WAIT 2 0 (3 processes)", SyncLoad.redis(redisMaster, 2));
            for (SyncLoad.ClientFactory f : systems.values()) {
                SyncLoad.run(Kind.SET, threads, WARMUP_SECONDS, f);
                SyncLoad.run(Kind.GET, threads, WARMUP_SECONDS / 2, f);
            }
            Map<String, List<SyncLoad.Result>> results = new LinkedHashMap<>();
            for (Kind kind : Kind.values()) {
                for (int r = 1; r <= rounds; r++) {
                    for (var e : systems.entrySet()) {
                        SyncLoad.Result res = SyncLoad.run(kind, threads, seconds, e.getValue());
                        System.out.println("round " + r + " " + res.line(e.getKey()));
                        results.computeIfAbsent(kind + " " + e.getKey(), k -> new ArrayList<>()).add(res);
                    }
                }
            }
            md.append("| | ops/s | p50 | p99 | p99.9 | errors |\n|---|---:|---:|---:|---:|---:|\n");
            for (var e : results.entrySet()) {
                SyncLoad.Result m = medianRun(e.getValue());
                md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f ms | %.2f ms | %.2f ms | %d |%n", e.getKey(), m.opsPerSecond(),
                        m.millisAt(50), m.millisAt(99), m.millisAt(99.9), e.getValue().stream().mapToLong(SyncLoad.Result::errors).sum()));
            }
            List<String> names = new ArrayList<>(systems.keySet());
            md.append("\nRounds (SET/s): ");
            for (String name : names) {
                md.append(name).append(": ").append(opsList(results.get("SET " + name))).append("; ");
            }
            md.setLength(md.length() - 2);
            md.append(".\n\n");
            for (Kind kind : Kind.values()) {
                double rk = medianRun(results.get(kind + " " + names.get(0))).opsPerSecond();
                double hz = medianRun(results.get(kind + " " + names.get(1))).opsPerSecond();
                double rd = medianRun(results.get(kind + " " + names.get(2))).opsPerSecond();
                targets.put("3 servers × 3 copies " + kind + " / Hazelcast (3 members, 2 sync backups)",
                        new String[] {String.format(Locale.ROOT, "%.2f", rk / hz), kind == Kind.SET ? "≥ 2" : ""});
                targets.put("3 servers × 3 copies " + kind + " / Redis" + (kind == Kind.SET ? " SET + WAIT 2 0" : " master"),
                        new String[] {String.format(Locale.ROOT, "%.2f", rk / rd), kind == Kind.SET ? "≥ 1" : ""});
            }

            // memory with every one of the 100,000 keys written
            long failed = SyncLoad.loadAll(8, systems.get(names.get(0))) + SyncLoad.loadAll(8, systems.get(names.get(1)))
                    + SyncLoad.loadAll(8, systems.get(names.get(2)));
            DetectionBench.require(failed == 0, failed + " writes failed while loading");
            Thread.sleep(2_000);
            md.append("Memory with all 100,000 keys of 100 bytes written (each process holds every key: 3 copies on 3 "
                    + "nodes), resident set size per process from `/proc/PID/status`, as loaded and after a full GC "
                    + "(`jcmd PID GC.run`):\n\n| | per process, as loaded | after a full GC |\n|---|---:|---:|\n");
            List<Long> rk = ringkv.servers().stream().map(ProcessCluster.Node::pid).toList();
            List<Long> hz = hazelcast.members().stream().map(Process::pid).toList();
            List<Long> rd = redis.stream().map(Process::pid).toList();
            memoryRow("RingKV server", rk, true);
            memoryRow("RingKV ECS (no keys)", List.of(ringkv.ecs().pid()), true);
            memoryRow("Hazelcast member", hz, true);
            memoryRow("Redis (master, replicas)", rd, false);
            md.append('\n');
            for (SyncLoad.ClientFactory f : systems.values()) {
                f.close();
            }
        } finally {
            redis.forEach(Process::destroyForcibly);
        }
    }

    private void memoryRow(String name, List<Long> pids, boolean jvm) throws IOException, InterruptedException {
        List<Double> before = pids.stream().map(SyncLoad::rssMiB).toList();
        List<Double> after = new ArrayList<>();
        if (jvm) {
            for (long pid : pids) {
                jcmd(pid, "GC.run");
            }
            Thread.sleep(500);
            after = pids.stream().map(SyncLoad::rssMiB).toList();
        }
        md.append("| ").append(name).append(" | ").append(mib(before)).append(" | ").append(jvm ? mib(after) : "—").append(" |\n");
    }

    // ---- one node's memory with the flags we recommend ----

    private void nodeMemory() throws Exception {
        section("Memory of one node holding 100,000 keys");
        md.append("A standalone server, 100,000 keys of 100 bytes written once each by 8 threads, then the resident set "
                + "size (`/proc/PID/status` VmRSS) as loaded and after 5 s idle; then the Java load of the section above "
                + "on the same keys (" + threads + " threads, one shared routing client, " + seconds + " s of SET and of GET "
                + "after 5 s of warm-up) and the RSS after it. The small node keeps only keys in memory (`" + SMALL_SERVER
                + "`: values are read from the log, in practice the page cache), a 36 MiB heap and the C1 compiler only; "
                + "the heap it needs grows with the number of keys (about 150 bytes per key with 10-byte keys), so size "
                + "`-Xmx` for yours: a server that runs out of heap halts (exit code 70), and the cluster sees a crash.\n\n"
                + "| node | JVM flags | as loaded | idle 5 s | after the load | SET/s | GET/s |\n|---|---|---:|---:|---:|---:|---:|\n");
        double small = 0;
        for (boolean isSmall : new boolean[] {true, false}) {
            List<String> jvm = isSmall ? SMALL_JVM : JVM;
            int port = ProcessCluster.freePort();
            Process p = ringkvServer(port, base.resolve("memory-" + port), jvm, isSmall ? SMALL_SERVER : null);
            try (SyncLoad.ClientFactory f = SyncLoad.shared(SyncLoad.ringkv(new ServerAddress("127.0.0.1", port)))) {
                awaitPing(port);
                long failed = SyncLoad.loadAll(8, SyncLoad.ringkv(new ServerAddress("127.0.0.1", port)));
                DetectionBench.require(failed == 0, failed + " writes failed");
                double loaded = SyncLoad.rssMiB(p.pid());
                Thread.sleep(5_000);
                double idle = SyncLoad.rssMiB(p.pid());
                SyncLoad.run(Kind.SET, threads, 5, f);
                SyncLoad.Result set = SyncLoad.run(Kind.SET, threads, seconds, f);
                SyncLoad.Result get = SyncLoad.run(Kind.GET, threads, seconds, f);
                double after = SyncLoad.rssMiB(p.pid());
                DetectionBench.require(p.isAlive() && set.errors() + get.errors() == 0, "the node failed under load (see "
                        + base.resolve("server-" + port + ".log") + ")");
                md.append(String.format(Locale.ROOT, "| %s | `%s` | %.0f MiB | %.0f MiB | %.0f MiB | %,.0f | %,.0f |%n",
                        isSmall ? "small (`" + SMALL_SERVER + "`)" : "default", String.join(" ", jvm), loaded, idle, after,
                        set.opsPerSecond(), get.opsPerSecond()));
                if (isSmall) {
                    small = Math.max(loaded, Math.max(idle, after));
                }
            } finally {
                stop(p);
            }
        }
        md.append('\n');
        targets.put("one node holding 100,000 keys: RSS, largest of the three (small node)",
                new String[] {String.format(Locale.ROOT, "%.0f MB", small * 1.048576), "< 100 MB"});
    }

    // ---- three servers with bin/ringkv's flags ----

    /**
     * The JVM flags {@code bin/ringkv server} gives a server ({@code launcher/src/dist/bin/ringkv}, its
     * {@code ecs|server} case), with the default heap cap: read from the script, so this measures what it ships.
     */
    static List<String> distServerJvm() throws IOException {
        String script = Files.readString(Path.of("launcher", "src", "dist", "bin", "ringkv"));
        Matcher m = Pattern.compile("ecs\\|server\\)\\s*flags=\"([^\"]*)\"").matcher(script);
        DetectionBench.require(m.find(), "no server flags found in launcher/src/dist/bin/ringkv");
        String flags = m.group(1).replace("\\\n", " ").replace("${RINGKV_HEAP:-1g}", "1g");
        DetectionBench.require(!flags.contains("$"), "unexpected shell in bin/ringkv's server flags: " + flags);
        return List.of(flags.trim().split("\\s+"));
    }

    private void defaultMemory() throws Exception {
        section("Memory of a default server: 3 servers × 3 copies, `bin/ringkv`'s flags");
        List<String> jvm = distServerJvm();
        md.append("ECS + 3 servers started with the flags `bin/ringkv server` uses (`").append(String.join(" ", jvm))
                .append("`: the heap grows with the keys up to `RINGKV_HEAP`, 1 GiB by default, and is given back when "
                        + "idle), 100,000 keys of 100 bytes written by 8 threads through the routing client (every server "
                        + "holds every key: 3 copies on 3 servers), then each server's resident set size (`/proc/PID/status` "
                        + "VmRSS) as loaded, after 5 s idle, and after the Java load of the replicated section (")
                .append(threads).append(" threads, ").append(seconds).append(" s of SET and of GET). Compare the "
                        + "Hazelcast members and Redis processes holding the same keys above.\n\n"
                        + "| server | as loaded | idle 5 s | after the load | SET/s | GET/s |\n|---|---:|---:|---:|---:|---:|\n");
        double largest = 0;
        try (ProcessCluster ringkv = new ProcessCluster(base.resolve("default-ringkv"), "127.0.0.1", jvm)) {
            ringkv.startEcs();
            for (int i = 0; i < 3; i++) {
                ringkv.startServer();
            }
            DetectionBench.require(ringkv.awaitStatus(ProcessCluster.healed(3), Duration.ofSeconds(120)), "RingKV never formed");
            try (SyncLoad.ClientFactory f = SyncLoad.shared(SyncLoad.ringkv(seeds(ringkv)))) {
                long failed = SyncLoad.loadAll(8, SyncLoad.ringkv(seeds(ringkv)));
                DetectionBench.require(failed == 0, failed + " writes failed while loading");
                List<Long> pids = ringkv.servers().stream().map(ProcessCluster.Node::pid).toList();
                List<Double> loaded = pids.stream().map(SyncLoad::rssMiB).toList();
                Thread.sleep(5_000);
                List<Double> idle = pids.stream().map(SyncLoad::rssMiB).toList();
                SyncLoad.run(Kind.SET, threads, 5, f);
                SyncLoad.Result set = SyncLoad.run(Kind.SET, threads, seconds, f);
                SyncLoad.Result get = SyncLoad.run(Kind.GET, threads, seconds, f);
                List<Double> after = pids.stream().map(SyncLoad::rssMiB).toList();
                DetectionBench.require(set.errors() + get.errors() == 0, "errors under load");
                for (int i = 0; i < pids.size(); i++) {
                    md.append(String.format(Locale.ROOT, "| %s | %.0f MiB | %.0f MiB | %.0f MiB | %s | %s |%n",
                            ringkv.servers().get(i).address, loaded.get(i), idle.get(i), after.get(i),
                            i == 0 ? String.format(Locale.ROOT, "%,.0f", set.opsPerSecond()) : "",
                            i == 0 ? String.format(Locale.ROOT, "%,.0f", get.opsPerSecond()) : ""));
                    largest = Math.max(largest, Math.max(loaded.get(i), Math.max(idle.get(i), after.get(i))));
                }
            }
        }
        md.append('\n');
        targets.put("default server (`bin/ringkv`'s flags) holding 100,000 keys × 3 copies: RSS, largest",
                new String[] {String.format(Locale.ROOT, "%.0f MiB", largest), "< 150 MiB"});
    }

    // ---- start-up ----

    private void startup() throws Exception {
        section("Start-up");
        int n = 5;
        md.append("From starting the process to the line saying it serves, ").append(n).append(" starts each, median "
                + "(min–max). RingKV: a standalone server on an empty directory to its `ready` line; Hazelcast: a "
                + "one-member cluster to `is STARTED`; Redis: to `Ready to accept connections`. JVMs with `")
                .append(String.join(" ", JVM)).append("`.\n\n| | median | min | max |\n|---|---:|---:|---:|\n");
        Samples rk = new Samples();
        Samples hz = new Samples();
        Samples rd = new Samples();
        for (int i = 0; i < n; i++) {
            int port = ProcessCluster.freePort();
            rk.add(timeToLine(ProcessCluster.ringkvCommand(JVM, "server", "--standalone", "-p", String.valueOf(port), "-a",
                    "127.0.0.1", "-d", base.resolve("startup-" + i).toString(), "--log-level", "WARN"), " ready"));
            try (HazelcastCluster one = new HazelcastCluster(base.resolve("startup-hz-" + i), hazelcastJvm, 1, "startup-" + i)) {
                hz.add(timeToLine(one.memberCommand(0, 0), "is STARTED"));
            }
            rd.add(timeToLine(List.of("redis-server", "--port", String.valueOf(ProcessCluster.freePort()), "--bind", "127.0.0.1",
                    "--save", "", "--dir", Files.createDirectories(base.resolve("startup-redis-" + i)).toString()), "Ready to accept connections"));
        }
        startupRow("RingKV server", rk);
        startupRow("Hazelcast member", hz);
        startupRow("redis-server", rd);
        md.append('\n');
        targets.put("server start-up, process start → ready (median of " + n + ")",
                new String[] {String.format(Locale.ROOT, "%.0f ms", rk.percentile(50)), "< 500 ms"});
        targets.put("… a Hazelcast member, same measure", new String[] {String.format(Locale.ROOT, "%.0f ms", hz.percentile(50)), ""});
    }

    private void startupRow(String name, Samples ms) {
        md.append(String.format(Locale.ROOT, "| %s | %.0f ms | %.0f ms | %.0f ms |%n", name, ms.percentile(50), ms.percentile(0),
                ms.percentile(100)));
    }

    /** Milliseconds from starting {@code cmd} until its output has a line containing {@code marker}; then stops it. */
    private static double timeToLine(List<String> cmd, String marker) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.contains(marker)) {
                    return (System.nanoTime() - t0) / 1e6;
                }
            }
            throw new IllegalStateException(cmd.get(0) + " exited without printing " + marker);
        } finally {
            stop(p);
        }
    }

    // ---- scaling ----

    private void scaling() throws Exception {
        section("Scaling: 1, 3 and 5 servers");
        md.append(String.format(Locale.ROOT, "RingKV (ECS + N servers, 3 copies per key, one copy with 1 server), the same "
                + "load as above (%d threads, one synchronous call at a time, %d s per run after a 3 s warm-up). All the "
                + "servers, the ECS and the client share the same 2 cores, so more servers cannot mean more throughput "
                + "here: this shows what replication and routing cost as the ring grows.%n%n"
                + "| servers | SET/s | SET p99 | GET/s | GET p99 |%n|---:|---:|---:|---:|---:|%n", threads, seconds));
        for (int n : new int[] {1, 3, 5}) {
            try (ProcessCluster c = new ProcessCluster(base.resolve("scale-" + n), "127.0.0.1", JVM)) {
                c.startEcs();
                for (int i = 0; i < n; i++) {
                    c.startServer();
                }
                DetectionBench.require(c.awaitStatus(ProcessCluster.healed(n), Duration.ofSeconds(60)), "never formed");
                SyncLoad.ClientFactory f = clients.equals("shared") ? SyncLoad.shared(SyncLoad.ringkv(seeds(c))) : SyncLoad.ringkv(seeds(c));
                SyncLoad.run(Kind.SET, threads, 3, f);
                SyncLoad.Result set = SyncLoad.run(Kind.SET, threads, seconds, f);
                SyncLoad.Result get = SyncLoad.run(Kind.GET, threads, seconds, f);
                System.out.println(n + " servers: " + set.line("SET") + " / " + get.line("GET"));
                md.append(String.format(Locale.ROOT, "| %d | %,.0f | %.2f ms | %,.0f | %.2f ms |%n", n, set.opsPerSecond(),
                        set.millisAt(99), get.opsPerSecond(), get.millisAt(99)));
                f.close();
            }
        }
        md.append('\n');
    }

    // ---- the existing benches, their output kept ----

    private interface Body {
        void run() throws Exception;
    }

    private void captured(String name, String title, String mainAndArgs, Body body, java.util.function.Consumer<String> figures)
            throws Exception {
        section(title);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                old.write(b);
                buf.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                old.write(b, off, len);
                buf.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.out.flush();
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8).trim();
        md.append("`java -cp launcher/target/ringkv.jar ").append(mainAndArgs).append("` (").append(name).append("):\n\n```\n")
                .append(out).append("\n```\n\n");
        figures.accept(out);
    }

    // ---- helpers ----

    private void section(String title) {
        System.out.println("== " + title);
        md.append("### ").append(title).append("\n\n");
    }

    private Process ringkvServer(int port, Path dir, List<String> jvm, String extra) throws IOException {
        List<String> cmd = new ArrayList<>(ProcessCluster.ringkvCommand(jvm, "server", "--standalone", "-p",
                String.valueOf(port), "-a", "127.0.0.1", "-d", dir.toString(), "--fsync", "everysec", "--log-level", "WARN"));
        if (extra != null) {
            cmd.addAll(List.of(extra.split(" ")));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(base.resolve("server-" + port + ".log").toFile())).start();
    }

    private static void awaitPing(int port) throws InterruptedException {
        DetectionBench.require(ProcessCluster.awaitPing(new ServerAddress("127.0.0.1", port), Duration.ofSeconds(30)),
                "nothing answers PING on port " + port);
    }

    private static ServerAddress[] seeds(ProcessCluster c) {
        return c.servers().stream().map(n -> n.address).toArray(ServerAddress[]::new);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void jcmd(long pid, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), String.valueOf(pid), command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    private static String mib(List<Double> values) {
        if (values.size() == 1) {
            return String.format(Locale.ROOT, "%.0f MiB", values.get(0));
        }
        return String.format(Locale.ROOT, "%.0f MiB (%.0f–%.0f)", values.stream().mapToDouble(d -> d).average().orElse(0),
                Collections.min(values), Collections.max(values));
    }

    private static double median(List<double[]> values, int field) {
        Samples samples = new Samples();
        values.forEach(v -> samples.add(v[field]));
        return samples.percentile(50);
    }

    /** The round with the median throughput (its latencies go with it). */
    private static SyncLoad.Result medianRun(List<SyncLoad.Result> results) {
        List<SyncLoad.Result> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> Double.compare(a.opsPerSecond(), b.opsPerSecond()));
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static String opsList(List<SyncLoad.Result> results) {
        return String.join(", ", results.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r.opsPerSecond())).toList());
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            return "?";
        }
        return m.groupCount() > 0 ? m.group(1) : m.group();
    }

    private static String machine() {
        return String.format(Locale.ROOT, "%d cores, %d GiB, Java %s, %s", Runtime.getRuntime().availableProcessors(),
                Math.round(totalMemoryGiB()), System.getProperty("java.version"), redisVersion());
    }

    private static double totalMemoryGiB() {
        try {
            String line = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
            return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String redisVersion() {
        try {
            Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            Matcher m = Pattern.compile("v=([0-9.]+)").matcher(out);
            return "Redis " + (m.find() ? m.group(1) : "?");
        } catch (IOException e) {
            return "no redis-server";
        }
    }
}
