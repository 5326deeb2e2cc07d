package dev.ringkv.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.NotResponsibleException;
import dev.ringkv.client.RingKvClient;
import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.node.KvNode;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ECS and real NIO servers on loopback: joins, leaves and crashes with live range handoff (DESIGN §7). */
class ClusterOverLoopbackTest {

    @TempDir
    Path dir;
    private final List<NioNode> nodes = new ArrayList<>();
    private NioNode ecs;

    @AfterEach
    void stop() {
        for (NioNode n : nodes) {
            n.close();
        }
        if (ecs != null) {
            ecs.close();
        }
    }

    private NioNode startEcs() {
        ecs = Servers.ecs(ServerOptions.loopback(0), dir.resolve("ecs"), EcsConfig.DEFAULT);
        return ecs;
    }

    private NioNode startServer(String name) {
        NioNode n = Servers.member(ServerOptions.loopback(0), dir.resolve(name), ecs.address());
        nodes.add(n);
        return n;
    }

    private ClusterStatus status() {
        try (RingKvClient c = RingKvClient.connect(ecs.address(), Duration.ofSeconds(5))) {
            return ClusterStatus.fromJson(((RespValue.Bulk) c.execute("RINGKV", "STATUS")).utf8());
        }
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

    private void awaitRing(int servers) throws InterruptedException {
        await(servers + " servers in the ring, all serving it", () -> {
            ClusterStatus s = status();
            long in = s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count();
            return in == servers && s.plan() == null && s.members().stream().filter(ClusterStatus.MemberStatus::inRing)
                    .allMatch(m -> m.ringVersionSeen() == s.ringVersion());
        });
    }

    private static Map<String, String> load(NioNode via, int n) {
        Map<String, String> data = new LinkedHashMap<>();
        try (RingKvClient c = RingKvClient.connect(via.address(), Duration.ofSeconds(10))) {
            List<byte[][]> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                data.put("key-" + i, "value-" + i);
                batch.add(new byte[][] {"SET".getBytes(), ("key-" + i).getBytes(), ("value-" + i).getBytes()});
            }
            for (CompletableFuture<RespValue> f : c.pipeline(batch)) {
                assertEquals(RespValue.OK, c.await(f));
            }
        }
        return data;
    }

    private static void assertReadableThrough(ServerAddress node, Map<String, String> data) {
        try (RingKvClient c = RingKvClient.connect(node, Duration.ofSeconds(10))) {
            List<byte[][]> batch = new ArrayList<>();
            List<String> keys = new ArrayList<>(data.keySet());
            for (String k : keys) {
                batch.add(new byte[][] {"GET".getBytes(), k.getBytes()});
            }
            List<CompletableFuture<RespValue>> fs = c.pipeline(batch);
            int wrong = 0;
            for (int i = 0; i < keys.size(); i++) {
                if (!RespValue.bulk(data.get(keys.get(i))).equals(c.await(fs.get(i)))) {
                    wrong++;
                }
            }
            assertEquals(0, wrong, "keys not readable through " + node);
        }
    }

    private long keysOn(NioNode n) {
        try (RingKvClient c = RingKvClient.connect(n.address(), Duration.ofSeconds(5))) {
            return ((RespValue.Int) c.execute("DBSIZE")).value();
        }
    }

    @Test
    void joinsAndAGracefulLeaveMoveRangesAndEveryKeyStaysReadableEverywhere() throws Exception {
        startEcs();
        NioNode a = startServer("a");
        NioNode b = startServer("b");
        NioNode c = startServer("c");
        awaitRing(3);
        Map<String, String> data = load(a, 3000);
        for (NioNode n : List.of(a, b, c, ecs)) {
            assertReadableThrough(n.address(), data);
        }
        assertEquals(3 * 3000, keysOn(a) + keysOn(b) + keysOn(c), "each key on all three servers (3 replicas)");

        NioNode d = startServer("d");
        awaitRing(4);
        assertTrue(keysOn(d) > 0, "the new server took over its range");
        assertEquals(3 * 3000, keysOn(a) + keysOn(b) + keysOn(c) + keysOn(d), "three copies of each key: old holders dropped what moved");
        for (NioNode n : List.of(a, b, c, d)) {
            assertReadableThrough(n.address(), data);
        }

        CompletableFuture<Void> left = new CompletableFuture<>();
        b.execute(() -> dev.ringkv.ecs.ClusterMember.serverOf(b.logic()).leave(() -> left.complete(null)));
        left.get(20, TimeUnit.SECONDS);
        awaitRing(3);
        b.close();
        nodes.remove(b);
        for (NioNode n : List.of(a, c, d)) {
            assertReadableThrough(n.address(), data);
        }
        assertEquals(3 * 3000, keysOn(a) + keysOn(c) + keysOn(d), "three copies of each key after the leave");
    }

    @Test
    void aStoppedServerIsDeclaredDownAndItsKeysComeBackWhenItRejoins() throws Exception {
        startEcs();
        NioNode a = startServer("a");
        NioNode b = startServer("b");
        NioNode c = startServer("c");
        awaitRing(3);
        Map<String, String> data = load(a, 2000);
        ServerAddress gone = c.address();
        c.close(); // its sockets reset: evidence for the ECS, no graceful leave
        nodes.remove(c);
        await("the stopped server DOWN and out of the ring", () -> {
            ClusterStatus s = status();
            return s.members().stream().anyMatch(m -> m.address().equals(gone.toString()) && m.state().equals("DOWN")
                    && !m.inRing());
        });
        awaitRing(2);
        // its keys are unavailable (one copy until replication arrives); others are fine, writes go on
        try (RingKvClient cl = RingKvClient.connect(a.address(), Duration.ofSeconds(5))) {
            cl.set("written-while-down", "yes");
        }
        // it restarts on the same directory and on the same port, rejoins, and serves its keys again
        NioNode again = Servers.member(ServerOptions.loopback(gone.port()), dir.resolve("c"), ecs.address());
        nodes.add(again);
        awaitRing(3);
        data.put("written-while-down", "yes");
        for (NioNode n : List.of(a, b, again)) {
            assertReadableThrough(n.address(), data);
        }
    }

    @Test
    void routingAwareClientsAreToldWhoIsResponsible() throws Exception {
        startEcs();
        NioNode a = startServer("a");
        startServer("b");
        startServer("c");
        awaitRing(3);
        try (RingKvClient cl = RingKvClient.connect(a.address(), Duration.ofSeconds(5))) {
            Ring ring = Ring.parseKeyrange(cl.keyrange(), status().ringVersion());
            String foreign = null;
            for (int i = 0; foreign == null; i++) {
                if (!ring.coordinatorOf(("k" + i).getBytes()).equals(a.address())) {
                    foreign = "k" + i;
                }
            }
            cl.execute("RINGKV", "ROUTING", "on");
            String key = foreign;
            NotResponsibleException e = org.junit.jupiter.api.Assertions.assertThrows(NotResponsibleException.class,
                    () -> cl.get(key));
            assertEquals(status().ringVersion(), e.ringVersion());
            assertInstanceOf(RespValue.Bulk.class, cl.execute("KEYRANGE"));
        }
    }

    @Test
    void serversOnDistinctAddressesAdvertiseBindAndDialThoseAddresses() throws Exception {
        ecs = Servers.ecs(ServerOptions.loopback(0), dir.resolve("ecs"), EcsConfig.DEFAULT);
        List<NioNode> hosts = new ArrayList<>();
        for (String host : List.of("127.0.0.2", "127.0.0.3")) {
            NioNode n = Servers.member(ServerOptions.loopback(0).withHosts(host, host), dir.resolve(host), ecs.address());
            nodes.add(n);
            hosts.add(n);
        }
        awaitRing(2);
        ClusterStatus s = status();
        assertEquals(List.of("127.0.0.2", "127.0.0.3"), s.members().stream()
                .map(m -> ServerAddress.parse(m.address()).host()).sorted().toList());
        Map<String, String> data = load(hosts.get(0), 500);
        for (NioNode n : hosts) {
            // bound to its own address only: the same port on 127.0.0.1 is not it
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> new java.net.Socket("127.0.0.1", n.address().port()).close());
            assertReadableThrough(n.address(), data);
        }
        try (RingKvClient c = RingKvClient.connect(hosts.get(1).address(), Duration.ofSeconds(5))) {
            String text = c.keyrange();
            assertTrue(text.contains("127.0.0.2:") && text.contains("127.0.0.3:"), text);
        }
    }

    @Test
    void aServerPointedAtAMemberIsRedirectedToTheEcs() throws Exception {
        startEcs();
        NioNode a = startServer("a");
        awaitRing(1);
        NioNode b = Servers.member(ServerOptions.loopback(0), dir.resolve("b"), a.address()); // -b names a member
        nodes.add(b);
        awaitRing(2);
        try (RingKvClient c = RingKvClient.connect(b.address(), Duration.ofSeconds(5))) {
            assertEquals(RespValue.bulk(ecs.address().toString()), c.execute("RINGKV", "ECS"));
        }
    }
}
