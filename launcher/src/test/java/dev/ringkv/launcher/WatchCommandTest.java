package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.runtime.NioNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ringkv watch} against a real ECS and real servers on loopback. */
class WatchCommandTest {
    private static final String NL = System.lineSeparator();

    @TempDir
    Path dir;
    private ConsoleCapture console;

    @BeforeEach
    void capture() {
        console = new ConsoleCapture();
    }

    @AfterEach
    void restore() {
        console.close();
    }

    /** Runs {@code ringkv args...} on a thread of its own; its exit code is the task's result. */
    private static FutureTask<Integer> inBackground(String... args) {
        FutureTask<Integer> task = new FutureTask<>(() -> Main.run(args));
        Thread t = new Thread(task, "ringkv-watch-under-test");
        t.setDaemon(true);
        t.start();
        return task;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @Test
    void watchPrintsTheRecentJoinsAStatusLineAndAServerThatJoinsWhileItWatches() throws Exception {
        try (LoopbackCluster cluster = new LoopbackCluster(dir)) {
            NioNode a = cluster.addMember("a");
            NioNode b = cluster.addMember("b");
            cluster.awaitRing(2);
            // through a plain server, which names the ECS
            FutureTask<Integer> watch = inBackground("watch", "-b", a.address().toString(), "--for", "2");
            await("the first status line", () -> console.out().contains("status: ring v"));
            NioNode c = cluster.addMember("c");
            assertEquals(0, watch.get(20, TimeUnit.SECONDS), console.err());

            String printed = console.out();
            assertTrue(printed.startsWith("watching the ECS " + cluster.ecs().address()
                    + " (event times are since the ECS started; for 2 s)" + NL), printed);
            assertTrue(printed.matches("(?s).*\\+\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ecs       ECS " + cluster.ecs().address()
                    + " started in term \\d+, ring version \\d+, \\d+ replicas" + NL + ".*"), printed);
            for (NioNode n : new NioNode[] {a, b, c}) {
                assertTrue(printed.matches("(?s).*\\+[0-9:.]+  member    " + n.address() + " asked to join" + NL + ".*"),
                        n.address() + " joining in " + printed);
            }
            assertTrue(printed.matches("(?s).*status: ring v\\d+, 2 up, 0 suspect, 0 down, plan none" + NL + ".*"), printed);
            int cJoined = printed.indexOf(c.address() + " asked to join");
            assertTrue(cJoined > printed.indexOf("status: ring v"), "c joined after the watch began: " + printed);
            assertEquals("", console.err());
        }
    }

    @Test
    void quietStatusLeavesOnlyTheEvents() throws Exception {
        try (LoopbackCluster cluster = new LoopbackCluster(dir)) {
            assertEquals(0, Main.run("watch", "-b", cluster.ecs().address().toString(), "--for", "1", "--quiet-status"),
                    console.err());
            String printed = console.out();
            assertTrue(printed.contains("  ecs       ECS " + cluster.ecs().address() + " started"), printed);
            assertFalse(printed.contains("status:"), printed);
        }
    }

    @Test
    void aConnectionThatDropsIsReportedAndExitsOneWhenNoNodeNamesANewEcs() throws Exception {
        LoopbackCluster cluster = new LoopbackCluster(dir);
        FutureTask<Integer> watch;
        try {
            watch = inBackground("watch", "-b", cluster.ecs().address().toString(), "--for", "60");
            await("the first status line", () -> console.out().contains("status: ring v"));
        } finally {
            cluster.close();
        }
        // it looks for an ECS through every node it knew (one may have been elected) before giving up
        assertEquals(1, watch.get(30, TimeUnit.SECONDS));
        String err = console.err();
        assertTrue(err.startsWith("ringkv watch: connection to the ECS " + cluster.ecs().address()
                + " lost (connection closed); looking for the ECS through "), err);
        assertTrue(err.endsWith("ringkv watch: no node named an ECS within 10 s" + NL), err);
    }

    @Test
    void anUnreachableNodeIsOneLineAndExitCodeOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        assertEquals(1, Main.run("watch", "-b", "127.0.0.1:" + port, "--for", "1"));
        assertEquals("ringkv watch: cannot reach 127.0.0.1:" + port + ": Connection refused" + NL, console.err());
    }

    @Test
    void aDurationBelowOneSecondIsAUsageError() {
        assertEquals(2, Main.run("watch", "--for", "0"));
        assertTrue(console.err().contains("--for must be at least 1 second"), console.err());
    }

    @Test
    void helpDescribesTheOptions() {
        assertEquals(0, Main.run("watch", "-h"));
        String help = console.out();
        assertTrue(help.contains("Usage: ringkv watch") && help.contains("--for=SECONDS") && help.contains("--quiet-status")
                && help.contains("--bootstrap=HOST:PORT"), help);
    }
}
