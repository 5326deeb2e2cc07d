package dev.ringkv.launcher.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringkv.launcher.Main;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short seeded {@code ringkv chaos --network} run in the default suite (issue 17): real processes, each in
 * a network namespace of its own, partitions, loss and latency next to the process faults, plain and routing
 * clients, the whole history checked. It needs root, {@code ip netns} and iptables; elsewhere it is skipped
 * and says why. Its timing figures are printed, never asserted.
 */
class NetworkChaosRunTest {

    @TempDir
    Path dir;

    @Test
    void aShortSeededNetworkRunLosesNothingStaysLinearizableAndHasOneEcsPerTerm() throws Exception {
        String why = NetworkLab.unavailable();
        assumeTrue(why == null, () -> "network chaos run skipped: " + why);
        List<String> log = new ArrayList<>();
        // seed 2026: its first fault is a majority-minority split with the ECS in the minority
        ChaosRun.Report r = ChaosRun.run(new ChaosRun.Config(2026L, Duration.ofSeconds(25), 3, 2, 2, 50, dir, true),
                line -> {
                    log.add(line);
                    System.out.println(line); // the fault log and its timings, in the test's output
                });
        String all = String.join("\n", log) + "\n" + r;
        // how many faults fit in 25 s depends on the machine (an add heals in 1 s idle, in 30 s on a loaded 2-core
        // machine); the seed fixes only that the first one is a network fault
        assertTrue(r.faults().stream().anyMatch(f -> f.heldMillis() >= 0), "at least one network fault: " + all);
        assertEquals(List.of(), r.verdict().lostWrites(), all);
        assertEquals(List.of(), r.verdict().violations(), all);
        assertEquals(List.of(), r.problems(), all);
        assertTrue(r.replicas().contains(" 0 disagreeing, 0 unanswered"), all);
        assertFalse(r.ecsTerms().isEmpty(), "the ECS claims were sampled: " + all);
        assertTrue(r.writesOk() > 0 && r.readsOk() > 0, "clients kept working: " + all);
        assertTrue(r.passed());
        assertEquals("", leftovers(), "every namespace and veth of the run is gone");
    }

    /** This JVM's namespaces and root veths still there (the run deletes them when it ends). */
    private static String leftovers() throws Exception {
        String tag = "rkv-" + ProcessHandle.current().pid() + "x";
        String links = "rk" + ProcessHandle.current().pid() + "x";
        StringBuilder b = new StringBuilder();
        for (String line : NetworkLab.run(List.of("ip", "netns", "list"), null).split("\n")) {
            if (line.startsWith(tag)) {
                b.append(line).append('\n');
            }
        }
        for (String line : NetworkLab.run(List.of("ip", "-o", "link", "show"), null).split("\n")) {
            if (line.contains(": " + links)) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void withoutRootOrIpNetnsItSaysWhatIsMissing() {
        assertTrue(NetworkLab.unavailable(1000, "ip", "iptables-restore").contains("needs root"),
                NetworkLab.unavailable(1000, "ip", "iptables-restore"));
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            String noIp = NetworkLab.unavailable(0, "/nonexistent/ip", "iptables-restore");
            assertTrue(noIp.contains("`ip netns` does not work here"), noIp);
        }
    }

    @Test
    void theCommandExitsNonZeroWhereTheNetworkRunCannotWork() {
        String why = NetworkLab.unavailable();
        assumeTrue(why != null, "this machine can run --network (its refusal is checked where it cannot)");
        assertEquals(3, Main.run("chaos", "--network", "--duration", "5s", "--servers", "3"));
    }

    @Test
    void networkFlagsAreCheckedLikeTheOthers() {
        assertEquals(2, Main.run("chaos", "--network", "--servers", "2", "--duration", "10s"));
        assertEquals(2, Main.run("chaos", "--network", "--plain-clients", "-1"));
    }
}
