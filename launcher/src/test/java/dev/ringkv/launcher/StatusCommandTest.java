package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ringkv status} against a real ECS and three real servers on loopback. */
class StatusCommandTest {
    private static final String NL = System.lineSeparator();

    @TempDir
    static Path dir;
    private static LoopbackCluster cluster;
    private ConsoleCapture console;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = new LoopbackCluster(dir);
        for (String name : List.of("a", "b", "c")) {
            cluster.addMember(name);
        }
        cluster.awaitRing(3);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void capture() {
        console = new ConsoleCapture();
    }

    @AfterEach
    void restore() {
        console.close();
    }

    /** Checks the table: the header names the ECS, every server has an UP row, ownerships add up to 100%. */
    private void assertTableOfAllThree() {
        String printed = console.out();
        String[] lines = printed.split("\\R");
        assertTrue(lines[0].startsWith("ECS " + cluster.ecs().address() + ", term ")
                && lines[0].endsWith(", 3 servers in the ring, 3 copies per key"), printed);
        assertTrue(lines[1].matches("State +Address +Owns +Keys +Bytes +Ops/s +Heartbeat +Position"), printed);
        Pattern row = Pattern.compile("UP +(\\S+) +([0-9.]+)% +[0-9]+ +[0-9.]+ (B|KiB|MiB|GiB) +[0-9]+ +[0-9]+ ms +[0-9a-f]{8}");
        double owned = 0;
        List<String> addresses = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            Matcher m = row.matcher(lines[i]);
            assertTrue(m.matches(), "row " + i + ": " + printed);
            addresses.add(m.group(1));
            owned += Double.parseDouble(m.group(2));
        }
        assertEquals(3, lines.length - 2, printed);
        for (NioNode s : cluster.members()) {
            assertTrue(addresses.contains(s.address().toString()), s.address() + " in " + printed);
        }
        assertEquals(100.0, owned, 0.2, printed);
    }

    @Test
    void statusOfTheEcsShowsEveryServerUpAndOwnershipsAddUpToAHundredPercent() {
        assertEquals(0, Main.run("status", "-b", cluster.ecs().address().toString()), console.err());
        assertTableOfAllThree();
        assertEquals("", console.err());
    }

    @Test
    void statusOfAPlainServerFollowsItToTheEcs() {
        assertEquals(0, Main.run("status", "-b", cluster.members().get(1).address().toString()), console.err());
        assertTableOfAllThree();
    }

    @Test
    void jsonIsTheEcsStatusAsItSentIt() {
        assertEquals(0, Main.run("status", "--json", "-b", cluster.members().get(0).address().toString()), console.err());
        ClusterStatus s = ClusterStatus.fromJson(console.out().strip());
        assertEquals(cluster.ecs().address().toString(), s.ecs());
        assertEquals(3, s.members().size());
        assertTrue(s.members().stream().allMatch(m -> m.state().equals("UP") && m.inRing()), console.out());
    }

    @Test
    void anUnreachableNodeIsOneLineAndExitCodeOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        assertEquals(1, Main.run("status", "-b", "127.0.0.1:" + port));
        assertEquals("ringkv status: cannot reach 127.0.0.1:" + port + ": Connection refused" + NL, console.err());
        assertEquals("", console.out());
    }

    @Test
    void aStandaloneServerHasNoEcsToAsk() {
        try (NioNode alone = Servers.standalone(ServerOptions.loopback(0), dir.resolve("alone"))) {
            assertEquals(1, Main.run("status", "-b", alone.address().toString()));
            assertEquals("ringkv status: " + alone.address() + " answered: ERR this server is standalone: it has no ECS"
                    + NL, console.err());
        }
    }

    @Test
    void aBadAddressIsAUsageError() {
        assertEquals(2, Main.run("status", "-b", "nocolon"));
        assertTrue(console.err().contains("--bootstrap: expected HOST:PORT, got 'nocolon'"), console.err());
    }

    @Test
    void helpDescribesTheOptions() {
        assertEquals(0, Main.run("status", "-h"));
        assertTrue(console.out().contains("Usage: ringkv status") && console.out().contains("--bootstrap=HOST:PORT")
                && console.out().contains("--json"), console.out());
    }
}
