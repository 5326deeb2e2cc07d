package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution {@code ./mvnw package} builds ({@code target/ringkv-<version>/bin/ringkv}), run as a user
 * runs it: through its script, from another directory and through a symlink, against a real cluster.
 */
class DistributionIT {

    private static final Path HOME = Path.of("target", "ringkv-" + System.getProperty("project.version",
            "0.1.0-SNAPSHOT")).toAbsolutePath();
    private static final Path RINGKV = HOME.resolve("bin/ringkv");

    @TempDir
    static Path dir;
    private static LoopbackCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new LoopbackCluster(dir.resolve("cluster"));
        cluster.addMember("a");
        cluster.awaitRing(1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ringkv " + String.join(" ", args) + " did not finish");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<Path> archives() throws IOException {
        try (Stream<Path> s = Files.list(HOME.resolve("lib"))) {
            return s.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
    }

    @Test
    void statusThroughTheScriptPrintsTheRingAndLeavesAClassDataArchiveForTheNextRun() throws Exception {
        for (Path a : archives()) {
            Files.delete(a);
        }
        String ecs = cluster.ecs().address().toString();
        Run first = run(RINGKV, Map.of(), "status", "-b", ecs);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().startsWith("ECS " + ecs + ", term "), first.out());
        assertTrue(Files.exists(HOME.resolve("lib/ringkv-status.jsa")), "no archive written: " + archives());
        Run second = run(RINGKV, Map.of(), "status", "-b", ecs);
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().startsWith("ECS " + ecs + ", term "), second.out());
        assertFalse((second.out() + second.err()).contains("cds"), "the archive was refused: " + second.err());
        assertTrue(archives().stream().noneMatch(a -> a.getFileName().toString().matches(".*\\.jsa\\.[0-9]+")),
                "a temporary archive was left behind: " + archives());
    }

    @Test
    void theScriptWorksThroughASymlinkFromAnyDirectory() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("elsewhere/bin"));
        Path link = Files.createSymbolicLink(bin.resolve("ringkv"), RINGKV);
        Run r = run(link, Map.of(), "--version");
        assertEquals(0, r.exit(), r.err());
        assertEquals("ringkv 0.1.0", r.out().strip());
    }

    @Test
    void aServerGetsServerFlagsAndJavaOptsComeLastSoTheyWin() throws Exception {
        Run r = run(RINGKV, Map.of("RINGKV_HEAP", "300m", "JAVA_OPTS", "-XX:+PrintCommandLineFlags -XX:MaxHeapFreeRatio=50"),
                "server", "--help");
        assertEquals(0, r.exit(), r.err());
        String flags = r.out().lines().findFirst().orElse("");
        assertTrue(flags.contains("-XX:+UseSerialGC"), flags);
        assertTrue(flags.contains("-XX:MaxHeapSize=314572800"), flags);
        assertTrue(flags.contains("-XX:MaxHeapFreeRatio=50"), "JAVA_OPTS did not win: " + flags);
        assertTrue(r.out().contains("Usage: ringkv server"), r.out());
    }

    @Test
    void aMissingJavaIsAClearError() throws Exception {
        Run r = run(RINGKV, Map.of("JAVA_HOME", dir.resolve("no-such-jdk").toString()), "--version");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no java found"), r.err());
    }
}
