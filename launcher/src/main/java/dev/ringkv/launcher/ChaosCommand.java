package dev.ringkv.launcher;

import dev.ringkv.launcher.chaos.ChaosRun;
import dev.ringkv.launcher.chaos.ChaosRun.Fault;
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
 * {@code ringkv chaos}: a seeded chaos run against a real cluster on loopback, with a checked history
 * (see {@link ChaosRun}). Prints the fault log as it goes, then the report and the command that
 * replays the same schedule. Exit 0 when nothing was lost and every key was linearizable.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Start an ECS and servers as processes on 127.0.0.1, run clients that write unique values and",
            "read them back, inject one fault at a time from a seeded schedule (SIGKILL of a server or of the ECS,",
            "restart, SIGSTOP/SIGCONT, add, graceful leave), wait for healing after each, then check the history:",
            "no acknowledged write lost, every key linearizable, replicas identical. Exit 0 if all holds."})
final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--seed", description = "The schedule's seed (default: a random one, printed).")
    Long seed;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "60s",
            description = "How long the clients run: 90s, 2m or seconds. Default: ${DEFAULT-VALUE}.")
    String duration;

    @Option(names = "--servers", defaultValue = "5", description = "Servers at the start (at least 4). Default: ${DEFAULT-VALUE}.")
    int servers;

    @Option(names = "--clients", defaultValue = "4", description = "Client threads. Default: ${DEFAULT-VALUE}.")
    int clients;

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
        Path where = dir != null ? dir : Files.createTempDirectory("ringkv-chaos-");
        ChaosRun.Config config;
        try {
            config = new ChaosRun.Config(s, d, servers, clients, keys, where);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        System.out.println("chaos run, seed " + s + ", " + d.toSeconds() + " s, " + servers + " servers, " + clients
                + " clients, " + keys + " keys; processes' data and logs in " + where.toAbsolutePath());
        ChaosRun.Report r = ChaosRun.run(config, line -> {
            System.out.println(line);
            System.out.flush();
        });
        print(r);
        System.out.println("replay: ringkv chaos --seed " + s + " --duration " + d.toSeconds() + "s --servers " + servers
                + " --clients " + clients + " --keys " + keys);
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
        System.out.printf(Locale.ROOT, "operations: %,d writes acknowledged, %,d writes unknown (timed out/connection lost), "
                + "%,d reads, %,d reads failed%n", r.writesOk(), r.writesUnknown(), r.readsOk(), r.readsFailed());
        System.out.printf(Locale.ROOT, "faults: %d (%s)%n", r.faults().size(), r.faults().stream()
                .collect(Collectors.groupingBy(Fault::kind, TreeMap::new, Collectors.counting())).entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")));
        System.out.printf(Locale.ROOT, "acknowledged writes lost: %d%n", r.verdict().lostWrites().size());
        System.out.printf(Locale.ROOT, "linearizability violations: %d (of %d keys, %,d operations checked)%n",
                r.verdict().violations().size(), r.verdict().keys(), r.verdict().operations());
        System.out.println("replicas after quiescing: " + r.replicas());
        Map<String, List<Fault>> byKind = r.faults().stream().collect(Collectors.groupingBy(Fault::kind, TreeMap::new, Collectors.toList()));
        System.out.println("longest unavailability (a client without a successful operation) per fault type:");
        byKind.forEach((kind, fs) -> System.out.printf(Locale.ROOT, "  %-9s %6d ms  (heal: max %d ms)%n", kind,
                fs.stream().mapToLong(Fault::unavailableMillis).max().orElse(0),
                fs.stream().mapToLong(Fault::healedMillis).max().orElse(0)));
        List<Long> detect = r.faults().stream().map(Fault::detectedMillis).filter(x -> x >= 0).sorted().toList();
        List<Long> failover = r.faults().stream().map(Fault::failoverMillis).filter(x -> x >= 0).sorted().toList();
        System.out.println("detection of a killed server: " + summary(detect));
        System.out.println("ECS failover (kill → new ECS answering): " + summary(failover));
        r.verdict().lostWrites().stream().limit(10).forEach(l -> System.out.println("LOST " + l));
        r.verdict().violations().stream().limit(5).forEach(v -> System.out.println("VIOLATION " + v));
        r.problems().forEach(p -> System.out.println("PROBLEM " + p));
        System.out.println(r.passed() ? "PASSED" : "FAILED");
    }

    private static String summary(List<Long> sorted) {
        if (sorted.isEmpty()) {
            return "none in this run";
        }
        return String.format(Locale.ROOT, "%d times, median %d ms, max %d ms", sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }
}
