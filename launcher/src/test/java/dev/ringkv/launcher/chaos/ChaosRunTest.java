package dev.ringkv.launcher.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short seeded chaos run in the default suite (the long ones: {@code ringkv chaos}): real processes,
 * real faults, the whole history checked.
 */
class ChaosRunTest {

    @TempDir
    Path dir;

    @Test
    void aShortSeededRunLosesNothingAndStaysLinearizable() throws Exception {
        List<String> log = new ArrayList<>();
        ChaosRun.Report r = ChaosRun.run(new ChaosRun.Config(20_261_124L, Duration.ofSeconds(15), 4, 3, 50, dir), log::add);
        String all = String.join("\n", log) + "\n" + r;
        assertTrue(r.faults().size() >= 3, "at least three faults: " + all);
        assertEquals(List.of(), r.verdict().lostWrites(), all);
        assertEquals(List.of(), r.verdict().violations(), all);
        assertEquals(List.of(), r.problems(), all);
        assertTrue(r.replicas().contains(" 0 disagreeing, 0 unanswered"), all);
        assertTrue(r.writesOk() > 1_000 && r.readsOk() > 1_000, "clients kept working: " + all);
        assertTrue(r.passed());
    }

    @Test
    void aConfigTheFaultsCannotSurviveIsRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new ChaosRun.Config(1, Duration.ofSeconds(10), 3, 2, 10, dir)).getMessage()
                .startsWith("--servers must be at least 4"));
        assertThrows(IllegalArgumentException.class, () -> new ChaosRun.Config(1, Duration.ofMillis(10), 4, 2, 10, dir));
        assertThrows(IllegalArgumentException.class, () -> new ChaosRun.Config(1, Duration.ofSeconds(10), 4, 0, 10, dir));
    }

    @Test
    void theCommandRefusesBadFlagsWithUsageErrors() {
        assertEquals(2, dev.ringkv.launcher.Main.run("chaos", "--servers", "3", "--duration", "10s"));
        assertEquals(2, dev.ringkv.launcher.Main.run("chaos", "--duration", "soon"));
        assertEquals(2, dev.ringkv.launcher.Main.run("chaos", "--bogus"));
    }
}
