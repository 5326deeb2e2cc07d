package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import dev.ringkv.wire.RespValue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client CLI's commands against a real node (standalone, or a cluster), one line at a time. */
class ClientShellTest {

    @TempDir
    Path dir;
    private NioNode node;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private ClientShell shell;

    @BeforeEach
    void start() {
        node = Servers.standalone(ServerOptions.loopback(0), dir);
        shell = new ClientShell(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        shell.close();
        node.close();
    }

    private List<String> run(String... lines) {
        bytes.reset();
        for (String l : lines) {
            shell.execute(l);
        }
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
    }

    @Test
    void originalSystemSessionWorks() {
        List<String> out = run(
                "connect 127.0.0.1 " + node.address().port(),
                "put greeting hello  spaced   world",
                "get greeting",
                "put greeting again",
                "put greeting null",
                "get greeting",
                "keyrange");
        assertEquals("Connected to RingKV at 127.0.0.1:" + node.address().port(), out.get(0));
        assertEquals("put_success greeting", out.get(1));
        assertEquals("get_success greeting hello  spaced   world", out.get(2));
        assertEquals("put_update greeting", out.get(3));
        assertEquals("delete_success greeting", out.get(4));
        assertEquals("get_error greeting (no such key)", out.get(5));
        assertTrue(out.get(6).matches("keyrange_success [0-9a-f]{32},[0-9a-f]{32},127\\.0\\.0\\.1:\\d+;"), out.get(6));
    }

    @Test
    void mistakesGetClearMessages() {
        List<String> out = run("get k", "frobnicate", "connect localhost", "connect localhost notaport",
                "connect 127.0.0.1 " + node.address().port(), "put onlykey", "get", "logLevel LOUD");
        assertEquals("Not connected: use 'connect <host> <port>' first.", out.get(0));
        assertEquals("Unknown command 'frobnicate'. Type 'help' for the list of commands.", out.get(1));
        assertEquals("usage: connect <host> <port>", out.get(2));
        assertEquals("port must be a number, got 'notaport'", out.get(3));
        assertEquals("usage: put <key> <value...>  ('put <key> null' deletes)", out.get(5));
        assertEquals("usage: get <key>", out.get(6));
        assertTrue(out.get(7).startsWith("unknown log level 'LOUD'"), out.get(7));
        assertEquals(7, shell.failures());
    }

    @Test
    void aDeadServerIsReportedNotHung() {
        run("connect 127.0.0.1 " + node.address().port());
        node.close();
        List<String> out = run("get k", "get k");
        assertTrue(out.get(0).startsWith("Connection to 127.0.0.1:" + node.address().port() + " lost"), out.get(0));
        assertEquals("Not connected: use 'connect <host> <port>' first.", out.get(1));
    }

    @Test
    void aClusterSessionReachesEveryCoordinatorAndSurvivesARingChange(@TempDir Path clusterDir) throws Exception {
        NioNode ecs = Servers.ecs(ServerOptions.loopback(0), clusterDir.resolve("ecs"), EcsConfig.DEFAULT);
        List<NioNode> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(Servers.member(ServerOptions.loopback(0), clusterDir.resolve("m" + i), ecs.address()));
            }
            awaitRing(ecs, 3);
            NioNode a = members.get(0);
            List<String> lines = new ArrayList<>();
            lines.add("connect 127.0.0.1 " + a.address().port());
            for (int i = 0; i < 60; i++) {
                lines.add("put key" + i + " value " + i);
            }
            for (int i = 0; i < 60; i++) {
                lines.add("get key" + i);
            }
            lines.add("keyrange");
            List<String> out = run(lines.toArray(new String[0]));
            assertEquals("Connected to RingKV at 127.0.0.1:" + a.address().port(), out.get(0));
            for (int i = 0; i < 60; i++) {
                assertEquals("put_success key" + i, out.get(1 + i));
                assertEquals("get_success key" + i + " value " + i, out.get(61 + i));
            }
            assertEquals(3, out.get(121).split(";").length, out.get(121));
            long total = 0;
            int holding = 0;
            for (NioNode m : members) {
                long n = dbsize(m);
                total += n;
                holding += n > 0 ? 1 : 0;
            }
            assertEquals(3 * 60, total, "each key stored three times, on its coordinator and the next two servers");
            assertTrue(holding >= 2, "keys went to several servers");

            members.add(Servers.member(ServerOptions.loopback(0), clusterDir.resolve("m3"), ecs.address()));
            awaitRing(ecs, 4);
            lines.clear();
            for (int i = 0; i < 60; i++) {
                lines.add("get key" + i);
            }
            lines.add("put key7 changed");
            lines.add("get key7");
            lines.add("delete key8");
            lines.add("get key8");
            lines.add("keyrange");
            out = run(lines.toArray(new String[0]));
            for (int i = 0; i < 60; i++) {
                assertEquals("get_success key" + i + " value " + i, out.get(i), "after the ring change");
            }
            assertEquals("put_update key7", out.get(60));
            assertEquals("get_success key7 changed", out.get(61));
            assertEquals("delete_success key8", out.get(62));
            assertEquals("get_error key8 (no such key)", out.get(63));
            assertEquals(4, out.get(64).split(";").length, out.get(64));
            assertEquals(0, shell.failures());

            // the ECS works as the node to connect through, too
            out = run("connect 127.0.0.1 " + ecs.address().port(), "get key9", "disconnect");
            assertEquals("Connected to RingKV at 127.0.0.1:" + ecs.address().port(), out.get(0));
            assertEquals("get_success key9 value 9", out.get(1));
            assertEquals("Disconnected from 127.0.0.1:" + ecs.address().port(), out.get(2));
        } finally {
            for (NioNode m : members) {
                m.close();
            }
            ecs.close();
        }
    }

    @Test
    void aDeadNodeToConnectToIsAnErrorAtOnce() {
        List<String> out = run("connect 127.0.0.1 1", "get k");
        assertTrue(out.get(0).startsWith("cannot connect to 127.0.0.1:1"), out.get(0));
        assertEquals("Not connected: use 'connect <host> <port>' first.", out.get(1));
    }

    private static long dbsize(NioNode n) {
        try (RingKvClient c = RingKvClient.connect(n.address(), Duration.ofSeconds(5))) {
            return ((RespValue.Int) c.execute("DBSIZE")).value();
        }
    }

    private static void awaitRing(NioNode ecs, int servers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            ClusterStatus s;
            try (RingKvClient c = RingKvClient.connect(ecs.address(), Duration.ofSeconds(5))) {
                s = ClusterStatus.fromJson(((RespValue.Bulk) c.execute("RINGKV", "STATUS")).utf8());
            }
            long in = s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count();
            if (in == servers && s.plan() == null && s.members().stream().filter(ClusterStatus.MemberStatus::inRing)
                    .allMatch(m -> m.ringVersionSeen() == s.ringVersion())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + servers + " servers in the ring");
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @Test
    void quitEndsTheSession() {
        assertTrue(shell.execute("help"));
        assertTrue(!shell.execute("quit"));
    }
}
