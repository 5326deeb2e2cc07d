package dev.ringkv.launcher;

import dev.ringkv.launcher.chaos.ChaosRun;
import dev.ringkv.launcher.chaos.ChaosRun.Fault;
import dev.ringkv.launcher.chaos.NetworkLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringkv chaos}: a seeded chaos run against a real cluster on loopback, or with {@code --network} in
 * network namespaces with network faults too, with a checked history (see {@link ChaosRun}). Prints the
 * fault log as it goes, then the report and the command that replays the same schedule. Exit 0 when
 * nothing was lost and every key was linearizable, 1 when not, 3 when {@code --network} cannot run here.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Start an ECS and servers as processes on 127.0.0.1, run clients that write unique values and",
            "read them back, inject one fault at a time from a seeded schedule (SIGKILL of a server or of the ECS,",
            "restart, SIGSTOP/SIGCONT, add, graceful leave), wait for healing after each, then check the history:",
            "no acknowledged write lost, every key linearizable, replicas identical. Exit 0 if all holds.",
            "With --network (Linux, root, ip netns, iptables): every node in a network namespace of its own on a",
            "bridge, and network faults drawn too (partitions silent or refusing, one-way, loss, latency); plain",
            "RESP clients next to the routing ones; at most one ECS per term checked. Exit 3 if it cannot run here."})
final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--seed", description = "The schedule's seed (default: a random one, printed).")
    Long seed;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "60s",
            description = "How long the clients run: 90s, 2m or seconds. Default: ${DEFAULT-VALUE}.")
    String duration;

    @Option(names = "--servers", defaultValue = "5", description = "Servers at the start (at least 4; 3 with --network). Default: ${DEFAULT-VALUE}.")
    int servers;

    @Option(names = "--clients", defaultValue = "4",
            description = "Routing client threads (RingKvCluster). Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--plain-clients", paramLabel = "N",
            description = "Plain RESP client threads, each operation through a random node (default: as many as "
                    + "--clients with --network, none without).")
    Integer plainClients;

    @Option(names = "--network", description = {"Each node in a network namespace of its own, and network faults "
            + "(needs Linux, root, ip netns and iptables; gcc and libnetfilter-queue-dev for latency faults)."})
    boolean network;

    @Option(names = "--keys", defaultValue = "200", description = "Distinct keys. Default: ${DEFAULT-VALUE}.")
    int keys;

    @Option(names = {"-d", "--dir"}, description = "Where the processes keep data and logs (default: a new temporary directory, kept).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
        Duration d;
        try {
            d = parseDuration(duration);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--duration: " + e.getMessage());
        }
        int plain = plainClients != null ? plainClients : network ? clients : 0;
        try {
            new ChaosRun.Config(s, d, servers, clients, plain, keys, Path.of("."), network); // flags first, then the machine
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (network) {
            String why = NetworkLab.unavailable();
            if (why != null) {
                System.err.println("ringkv chaos --network: " + why + ". (Without --network it runs on loopback.)");
                return 3;
            }
        }
        Path where = dir != null ? dir : Files.createTempDirectory("ringkv-chaos-");
        ChaosRun.Config config = new ChaosRun.Config(s, d, servers, clients, plain, keys, where, network);
        System.out.println("chaos run" + (network ? " --network" : "") + ", seed " + s + ", " + d.toSeconds() + " s, "
                + servers + " servers, " + clients + " routing clients" + (plain > 0 ? ", " + plain + " plain clients" : "")
                + ", " + keys + " keys; processes' data and logs in " + where.toAbsolutePath());
        ChaosRun.Report r = ChaosRun.run(config, line -> {
            System.out.println(line);
            System.out.flush();
        });
        print(r);
        System.out.println("replay: ringkv chaos" + (network ? " --network" : "") + " --seed " + s + " --duration "
                + d.toSeconds() + "s --servers " + servers + " --clients " + clients
                + (plainClients != null ? " --plain-clients " + plainClients : "") + " --keys " + keys);
        return r.passed() ? 0 : 1;
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected 90s, 2m or a number of seconds, got '" + text + "'");
        }
    }

    private static void print(ChaosRun.Report r) {
        System.out.println();
        System.out.printf(Locale.ROOT, "operations: %,d writes acknowledged, %,d writes unknown (error reply, timed out or "
                + "connection lost), %,d reads, %,d reads failed%n", r.writesOk(), r.writesUnknown(), r.readsOk(), r.readsFailed());
        r.failures().forEach((who, f) -> System.out.printf(Locale.ROOT,
                "  %s clients' failed operations: %,d error replies, %,d without a reply, %,d not sent (no connection)%n",
                who, f.errorReplies(), f.noReplies(), f.notSent()));
        System.out.printf(Locale.ROOT, "faults: %d (%s)%n", r.faults().size(), r.faults().stream()
                .collect(Collectors.groupingBy(Fault::kind, TreeMap::new, Collectors.counting())).entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")));
        System.out.printf(Locale.ROOT, "acknowledged writes lost: %d%n", r.verdict().lostWrites().size());
        System.out.printf(Locale.ROOT, "linearizability violations: %d (of %d keys, %,d operations checked)%n",
                r.verdict().violations().size(), r.verdict().keys(), r.verdict().operations());
        System.out.println("replicas after quiescing: " + r.replicas());
        Map<String, List<Fault>> byKind = r.faults().stream().collect(Collectors.groupingBy(Fault::kind, TreeMap::new, Collectors.toList()));
        if (r.config().plainClients() == 0) {
            System.out.println("longest unavailability (a client without a successful operation) per fault type:");
            byKind.forEach((kind, fs) -> System.out.printf(Locale.ROOT, "  %-9s %6d ms  (heal: max %d ms)%n", kind,
                    fs.stream().mapToLong(Fault::unavailableMillis).max().orElse(0),
                    fs.stream().mapToLong(Fault::healedMillis).max().orElse(0)));
        } else {
            System.out.println("per fault type: heal time (every server UP in one ring, every copy, from the heal for a "
                    + "network fault, from the injection for a process fault) and unavailability (the longest time a "
                    + "client went without a successful operation, from the injection until healed), median / max:");
            System.out.printf(Locale.ROOT, "  %-28s %3s  %17s  %17s  %17s%n", "kind", "n", "heal ms", "routing unavail ms",
                    "plain unavail ms");
            byKind.forEach((kind, fs) -> System.out.printf(Locale.ROOT, "  %-28s %3d  %17s  %17s  %17s%n", kind, fs.size(),
                    medianMax(fs.stream().map(Fault::healedMillis).toList()),
                    medianMax(fs.stream().map(Fault::unavailableMillis).toList()),
                    medianMax(fs.stream().map(Fault::unavailablePlainMillis).toList())));
        }
        System.out.println("detection of a killed server: " + summary(times(r, Fault::detectedMillis, false)));
        System.out.println("ECS failover (kill → new ECS answering): " + summary(times(r, Fault::failoverMillis, false)));
        if (r.config().network()) {
            System.out.println("a cut-off server DOWN in the ECS's status (isolate, bridge; from the cut): "
                    + summary(times(r, Fault::detectedMillis, true)));
            System.out.println("a new ECS claiming a newer term (the ECS cut off; second-election: the second one): "
                    + summary(times(r, Fault::failoverMillis, true)));
        }
        if (!r.ecsTerms().isEmpty()) {
            System.out.println("who claimed the ECS role (RINGKV STATUS answered as the ECS) and whom the servers followed "
                    + "(INFO ring), per term:");
            r.ecsTerms().forEach(t -> System.out.println("  " + t));
        }
        r.notes().forEach(n -> System.out.println("note: " + n));
        r.verdict().lostWrites().stream().limit(10).forEach(l -> System.out.println("LOST " + l));
        r.verdict().violations().stream().limit(5).forEach(v -> System.out.println("VIOLATION " + v));
        r.problems().forEach(p -> System.out.println("PROBLEM " + p));
        System.out.println(r.passed() ? "PASSED" : "FAILED");
    }

    /** A time observed for the process faults or for the network ones, sorted. */
    private static List<Long> times(ChaosRun.Report r, java.util.function.ToLongFunction<Fault> which, boolean network) {
        return r.faults().stream().filter(f -> (f.heldMillis() >= 0) == network).map(which::applyAsLong)
                .filter(x -> x >= 0).sorted().toList();
    }

    /** "median / max" of the values observed (-1: not observed); "—" if none. */
    private static String medianMax(List<Long> values) {
        List<Long> seen = values.stream().filter(v -> v >= 0).sorted().toList();
        return seen.isEmpty() ? "—" : seen.get(seen.size() / 2) + " / " + seen.get(seen.size() - 1);
    }

    private static String summary(List<Long> sorted) {
        if (sorted.isEmpty()) {
            return "none in this run";
        }
        return String.format(Locale.ROOT, "%d times, median %d ms, max %d ms", sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }
}
