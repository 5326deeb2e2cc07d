package dev.ringkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routing-aware client against real servers on loopback (DESIGN §5). */
class RingKvClusterTest {

    @TempDir
    Path dir;

    /** The keys a node stores, read with RINGKV ENTRIES (one page: the tests stay under 10,000 keys). */
    private static Set<String> keysStoredOn(ServerAddress node) {
        try (RingKvClient c = RingKvClient.connect(node, Duration.ofSeconds(5))) {
            RespValue.Array page = (RespValue.Array) c.execute("RINGKV", "ENTRIES", "-", "-", "-", "10000");
            assertEquals(RespValue.bulk(""), page.items().get(0), "one page holds them all");
            Set<String> keys = new HashSet<>();
            for (RespValue e : ((RespValue.Array) page.items().get(1)).items()) {
                List<RespValue> f = ((RespValue.Array) e).items();
                if (f.get(2) instanceof RespValue.Bulk) {
                    keys.add(((RespValue.Bulk) f.get(1)).utf8());
                }
            }
            return keys;
        }
    }

    /** A node's {@code total_commands_processed} (client and forwarded commands; this INFO included). */
    private static long commandsProcessed(ServerAddress node) {
        try (RingKvClient c = RingKvClient.connect(node, Duration.ofSeconds(5))) {
            for (String line : ((RespValue.Bulk) c.execute("INFO", "stats")).utf8().split("\r\n")) {
                if (line.startsWith("total_commands_processed:")) {
                    return Long.parseLong(line.substring("total_commands_processed:".length()));
                }
            }
            throw new AssertionError("no total_commands_processed in INFO stats of " + node);
        }
    }

    private static Map<ServerAddress, Long> commandsProcessed(List<NioNode> nodes) {
        Map<ServerAddress, Long> m = new LinkedHashMap<>();
        for (NioNode n : nodes) {
            m.put(n.address(), commandsProcessed(n.address()));
        }
        return m;
    }

    @Test
    void everyKeyLandsOnItsCoordinatorAndMultiKeyCommandsAreSplitAndReassembled() throws Exception {
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 3);
             RingKvCluster c = RingKvCluster.connect(lc.members.get(0).address())) {
            Ring ring = c.ring();
            assertEquals(3, ring.size());
            assertEquals(lc.status().ringVersion(), ring.version());

            Map<String, String> data = new LinkedHashMap<>();
            for (int i = 0; i < 300; i++) {
                data.put("k" + i, "v" + i);
                c.set("k" + i, "v" + i);
            }
            Map<String, String> batch = new LinkedHashMap<>();
            for (int i = 300; i < 600; i++) {
                data.put("k" + i, "v" + i);
                batch.put("k" + i, "v" + i);
            }
            c.mset(batch);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 600; i < 900; i++) {
                data.put("k" + i, "v" + i);
                writes.add(c.setAsync(("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            for (CompletableFuture<Void> w : writes) {
                w.get(10, TimeUnit.SECONDS);
            }

            Map<ServerAddress, Set<String>> expected = new HashMap<>();
            int rf = Math.min(3, ring.size());
            for (String k : data.keySet()) {
                for (ServerAddress holder : ring.replicasOf(k.getBytes(StandardCharsets.UTF_8), rf)) {
                    expected.computeIfAbsent(holder, a -> new HashSet<>()).add(k);
                }
            }
            long total = 0;
            for (NioNode n : lc.members) {
                Set<String> want = expected.getOrDefault(n.address(), Set.of());
                assertEquals(want.size(), LoopbackCluster.keysOn(n), "DBSIZE of " + n.address());
                assertEquals(want, keysStoredOn(n.address()), "the keys " + n.address() + " holds, and only those");
                total += LoopbackCluster.keysOn(n);
            }
            assertEquals((long) data.size() * rf, total, "rf copies of each key");
            assertTrue(expected.size() >= 2, "keys spread over several servers: " + expected.keySet());
            assertEquals(0, c.retries(), "a settled ring: every command went straight to its coordinator");
            assertEquals(0, c.notResponsibleReplies());

            // MGET across all three nodes comes back in the caller's order, missing keys as null
            List<String> keys = new ArrayList<>(List.of("k5", "missing-1", "k250", "k899", "k5", "k431"));
            List<String> values = c.mget(keys.toArray(new String[0]));
            assertEquals(6, values.size());
            assertEquals("v5", values.get(0));
            assertNull(values.get(1));
            assertEquals("v250", values.get(2));
            assertEquals("v899", values.get(3));
            assertEquals("v5", values.get(4));
            assertEquals("v431", values.get(5));
            List<byte[]> all = new ArrayList<>();
            for (String k : data.keySet()) {
                all.add(k.getBytes(StandardCharsets.UTF_8));
            }
            List<byte[]> got = c.mgetAsync(all).get(10, TimeUnit.SECONDS);
            int i = 0;
            for (String v : data.values()) {
                assertArrayEquals(v.getBytes(StandardCharsets.UTF_8), got.get(i++));
            }

            // multi-key DEL and EXISTS through execute are split and summed as one node would
            assertEquals(RespValue.integer(3), c.execute("EXISTS", "k1", "k2", "nope", "k3"));
            assertEquals(RespValue.integer(2), c.execute("DEL", "k1", "k2", "nope"));
            assertFalse(c.exists("k1"));
            assertTrue(c.exists("k3"));
            assertInstanceOf(RespValue.Array.class, c.execute("MGET", "k3", "k4"));
            assertEquals(RespValue.OK, c.execute("MSET", "x1", "1", "x2", "2", "x3", "3"));
            assertEquals(List.of("1", "2", "3"), c.mget("x1", "x2", "x3"));

            // the original verbs
            assertEquals("PUT_SUCCESS", c.put("fresh", "one"));
            assertEquals("PUT_UPDATE", c.put("fresh", "two"));
            assertEquals("two", c.get("fresh"));
            assertEquals("DELETE_SUCCESS", c.delete("fresh"));
            ServerErrorException gone = assertThrows(ServerErrorException.class, () -> c.delete("fresh"));
            assertEquals("DELETE_ERROR", gone.code());

            // errors retrying cannot fix are thrown at once, never retried
            ServerErrorException bad = assertThrows(ServerErrorException.class,
                    () -> c.execute("SET", "k3", "v", "EX", "10"));
            assertEquals("ERR", bad.code());
            assertEquals("ERR", assertThrows(ServerErrorException.class, () -> c.execute("MSET", "a", "1", "b")).code());
            ExecutionException async = assertThrows(ExecutionException.class,
                    () -> c.executeAsync("GET".getBytes(), "a".getBytes(), "extra".getBytes()).get(5, TimeUnit.SECONDS));
            assertInstanceOf(ServerErrorException.class, async.getCause());
            assertEquals(0, c.retries());

            assertEquals(ring.keyrangeText(), c.keyrange());
            assertTrue(c.keyrangeRead().contains(lc.members.get(1).address().toString()));
        }
    }

    @Test
    void theEcsWorksAsASeed() throws Exception {
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 2);
             RingKvCluster c = RingKvCluster.connect(new ServerAddress("127.0.0.1", 1), lc.ecs.address())) {
            assertEquals(2, c.ring().size());
            for (int i = 0; i < 50; i++) {
                c.set("e" + i, "v" + i);
            }
            for (int i = 0; i < 50; i++) {
                assertEquals("v" + i, c.get("e" + i));
            }
            assertEquals(2 * 50, LoopbackCluster.keysOn(lc.members.get(0)) + LoopbackCluster.keysOn(lc.members.get(1)),
                    "two servers: each holds a copy of every key");
            assertEquals(0, c.retries());
        }
    }

    /**
     * Issue 17, item 10: a server cut off from the cluster but not from the client answers
     * {@code TRYAGAIN … has no current lease}. The client must look for a newer ring elsewhere (the ECS has
     * given that server's ranges to others) rather than keep sending its keys there for the whole partition.
     */
    @Test
    void keysOfAServerCutOffFromTheClusterButNotFromTheClientGoToItsSuccessor() throws Exception {
        AtomicBoolean cut = new AtomicBoolean();
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 3)) {
            NioNode x = lc.addMemberBehind(cut);
            lc.awaitRing(4);
            try (RingKvCluster c = RingKvCluster.connect(lc.members.get(0).address())) {
                List<String> keysOfX = new ArrayList<>();
                for (int i = 0; keysOfX.size() < 20; i++) {
                    if (c.ring().coordinatorOf(("x" + i).getBytes(StandardCharsets.UTF_8)).equals(x.address())) {
                        keysOfX.add("x" + i);
                    }
                }
                cut.set(true);
                LoopbackCluster.await("the ring without the cut-off server", () -> {
                    ClusterStatus s = lc.status();
                    return s.members().stream().noneMatch(m -> m.inRing() && m.address().equals(x.address().toString()));
                });
                for (String k : keysOfX) {
                    c.set(k, "v-" + k); // on the old code: TRYAGAIN from x until the deadline
                }
                assertFalse(c.ring().contains(x.address()), "the client still routes by a ring with the cut-off server");
                for (String k : keysOfX) {
                    assertEquals("v-" + k, c.get(k));
                }
            } finally {
                cut.set(false);
            }
        }
    }

    /**
     * Issue 17, item 5: a coordinator whose disk is full answers a write "not applied" and rolls it back; the
     * copies it queued to its replicas in that turn must not go out, or the write the client was told failed
     * is on every replica and comes back.
     */
    @Test
    void aWriteTheCoordinatorsDiskRefusesReachesNoReplica() throws Exception {
        dev.ringkv.storage.QuotaChannel.Disk disk = new dev.ringkv.storage.QuotaChannel.Disk();
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 2)) {
            NioNode x = lc.addMemberOn(disk);
            lc.awaitRing(3);
            try (RingKvCluster c = RingKvCluster.connect(lc.members.get(0).address())) {
                String key = null;
                for (int i = 0; key == null; i++) {
                    if (c.ring().coordinatorOf(("d" + i).getBytes(StandardCharsets.UTF_8)).equals(x.address())) {
                        key = "d" + i;
                    }
                }
                c.set(key, "before");
                disk.allowOnly(10); // the next record does not fit
                String k = key;
                ServerErrorException e = assertThrows(ServerErrorException.class, () -> c.set(k, "after"));
                assertTrue(e.getMessage().startsWith("ERR storage"), e.getMessage());
                disk.unlimited();
                // a later write through the same coordinator: its copies take the same links, behind any copy of
                // the refused write, so once every replica confirmed it, such a copy would have landed
                String later = null;
                for (int i = 0; later == null; i++) {
                    String candidate = "later" + i;
                    if (c.ring().coordinatorOf(candidate.getBytes(StandardCharsets.UTF_8)).equals(x.address())) {
                        later = candidate;
                    }
                }
                c.set(later, "confirmed");
                for (NioNode m : lc.members) {
                    try (RingKvClient one = RingKvClient.connect(m.address(), Duration.ofSeconds(5))) {
                        RespValue.Array page = (RespValue.Array) one.execute("RINGKV", "ENTRIES", "-", "-", "-", "10000");
                        for (RespValue entry : ((RespValue.Array) page.items().get(1)).items()) {
                            List<RespValue> f = ((RespValue.Array) entry).items();
                            if (f.get(1).equals(RespValue.bulk(key))) {
                                assertEquals(RespValue.bulk("before"), f.get(2), "the refused write is on " + m.address());
                            }
                        }
                    }
                }
                assertEquals("before", c.get(key));
            }
        }
    }

    @Test
    void aRingChangeUnderAWritingClientIsInvisibleToTheCaller() throws Exception {
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 3);
             RingKvCluster c = RingKvCluster.connect(lc.members.get(1).address())) {
            long versionBefore = c.ring().version();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger written = new AtomicInteger();
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get() || i < 2000; i++) {
                        c.set("key-" + i, "value-" + i);
                        written.set(i + 1);
                    }
                } catch (Throwable t) {
                    error.set(t);
                }
            }, "writer");
            AtomicInteger writtenAsync = new AtomicInteger();
            Thread asyncWriter = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get() || i < 2000; i += 50) {
                        List<CompletableFuture<Void>> window = new ArrayList<>();
                        for (int j = i; j < i + 50; j++) {
                            window.add(c.setAsync(("async-" + j).getBytes(StandardCharsets.UTF_8),
                                    ("value-" + j).getBytes(StandardCharsets.UTF_8)));
                        }
                        CompletableFuture.allOf(window.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
                        writtenAsync.set(i + 50);
                    }
                } catch (Throwable t) {
                    error.set(t);
                }
            }, "async-writer");
            writer.start();
            asyncWriter.start();
            LoopbackCluster.await("some writes before the change", () -> written.get() > 200 || error.get() != null);
            NioNode d = lc.addMember();
            lc.awaitRing(4);
            // the client learns the new ring only from a -NOT_RESPONSIBLE while it keeps writing
            LoopbackCluster.await("the client routing by the 4-server ring",
                    () -> c.ring().size() == 4 || error.get() != null);
            stop.set(true);
            writer.join(TimeUnit.SECONDS.toMillis(30));
            asyncWriter.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(writer.isAlive());
            assertFalse(asyncWriter.isAlive());
            if (error.get() != null) {
                throw new AssertionError("an error reached the caller after " + written.get() + " writes", error.get());
            }
            int n = written.get();
            assertTrue(n >= 2000);
            assertTrue(c.notResponsibleReplies() > 0, "the NOT_RESPONSIBLE path was taken");
            assertTrue(c.refreshes() >= 2, "the ring was fetched again after connect");
            assertTrue(c.ring().version() > versionBefore);
            assertEquals(lc.status().ringVersion(), c.ring().version());

            List<byte[]> keys = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                keys.add(("key-" + i).getBytes(StandardCharsets.UTF_8));
            }
            List<byte[]> values = c.mget(keys);
            int wrong = 0;
            for (int i = 0; i < n; i++) {
                if (values.get(i) == null || !new String(values.get(i), StandardCharsets.UTF_8).equals("value-" + i)) {
                    wrong++;
                }
            }
            assertEquals(0, wrong, "of " + n + " keys");
            for (int i = 0; i < n; i += 97) {
                assertEquals("value-" + i, c.get("key-" + i));
            }
            int na = writtenAsync.get();
            List<CompletableFuture<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < na; i++) {
                reads.add(c.getAsync(("async-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < na; i++) {
                assertArrayEquals(("value-" + i).getBytes(StandardCharsets.UTF_8), reads.get(i).get(10, TimeUnit.SECONDS));
            }
            assertTrue(LoopbackCluster.keysOn(d) > 0, "the new server coordinates some of them");
            long total = 0;
            for (NioNode m : lc.members) {
                total += LoopbackCluster.keysOn(m);
            }
            assertEquals(3L * (n + na), total, "three copies of each key, on its three holders only");
        }
    }

    @Test
    void replicaReadsSpreadOverEveryCopyAndReturnAcknowledgedValues() throws Exception {
        RingKvCluster.Options replicaReads = RingKvCluster.Options.DEFAULT.withReplicaReads(true);
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 4);
             RingKvCluster writer = RingKvCluster.connect(lc.members.get(0).address());
             RingKvCluster reader = RingKvCluster.connect(replicaReads, lc.members.get(1).address())) {
            assertFalse(writer.options().replicaReads(), "coordinator reads by default");
            assertEquals(3, writer.replicas(), "the ring comes with its replication factor");
            assertEquals(3, reader.replicas());
            Map<String, String> data = new LinkedHashMap<>();
            for (int i = 0; i < 300; i++) {
                data.put("k" + i, "v" + i);
                writer.set("k" + i, "v" + i);
            }

            // an acknowledged write is on every copy: whichever holder a read picks answers it
            for (Map.Entry<String, String> e : data.entrySet()) {
                assertEquals(e.getValue(), reader.get(e.getKey()), e.getKey());
            }
            long offCoordinator = reader.replicaReads();
            // two of a key's three holders are not its coordinator: about 200 of the 300 reads
            assertTrue(offCoordinator >= 100 && offCoordinator <= 300, offCoordinator + " replica reads of 300");
            assertEquals(0, reader.retries(), "every holder answered at once");
            assertEquals(0, reader.notResponsibleReplies());

            List<byte[]> keys = new ArrayList<>();
            List<CompletableFuture<byte[]>> async = new ArrayList<>();
            for (String k : data.keySet()) {
                keys.add(k.getBytes(StandardCharsets.UTF_8));
                async.add(reader.getAsync(k.getBytes(StandardCharsets.UTF_8)));
            }
            List<byte[]> mget = reader.mget(keys);
            int i = 0;
            for (String v : data.values()) {
                assertArrayEquals(v.getBytes(StandardCharsets.UTF_8), async.get(i).get(10, TimeUnit.SECONDS));
                assertArrayEquals(v.getBytes(StandardCharsets.UTF_8), mget.get(i));
                i++;
            }
            assertEquals(java.util.Arrays.asList("v7", null, "v123"), reader.mget("k7", "missing", "k123"));
            assertNull(reader.get("missing"));
            assertTrue(reader.exists("k42"));
            assertFalse(reader.exists("missing"));
            assertEquals(RespValue.integer(3), reader.execute("EXISTS", "k1", "k2", "missing", "k3"));
            assertEquals(RespValue.bulk("v9"), reader.execute("GET", "k9"));
            assertTrue(reader.replicaReads() > offCoordinator);
            assertEquals(0, reader.retries());

            // writes through a replica-read client go to the coordinator as always
            reader.set("k1", "new");
            assertEquals("new", writer.get("k1"));
            assertEquals("new", reader.get("k1"), "acknowledged: every copy has it");
            assertTrue(reader.del("k1"));
            assertNull(reader.get("k1"));
            assertEquals(0, writer.replicaReads(), "a default client reads at the coordinator only");
            assertEquals(0, reader.retries());

            // the servers' own counters: the keys one server coordinates are read from all three of their
            // holders, and never from the fourth server, which holds none of them
            Ring ring = reader.ring();
            Map<ServerAddress, List<String>> byCoordinator = new HashMap<>();
            for (String k : data.keySet()) {
                if (!k.equals("k1")) {
                    byCoordinator.computeIfAbsent(ring.coordinatorOf(k.getBytes(StandardCharsets.UTF_8)),
                            a -> new ArrayList<>()).add(k);
                }
            }
            ServerAddress busiest = null;
            for (ServerAddress a : byCoordinator.keySet()) {
                if (busiest == null || byCoordinator.get(a).size() > byCoordinator.get(busiest).size()) {
                    busiest = a;
                }
            }
            List<String> itsKeys = byCoordinator.get(busiest); // at least 300 / 4 of them
            List<ServerAddress> holders = ring.replicasOf(itsKeys.get(0).getBytes(StandardCharsets.UTF_8), 3);
            Map<ServerAddress, Long> before = commandsProcessed(lc.members);
            for (String k : itsKeys) {
                assertEquals(data.get(k), reader.get(k));
            }
            Map<ServerAddress, Long> after = commandsProcessed(lc.members);
            long total = 0;
            Map<ServerAddress, Long> served = new LinkedHashMap<>();
            for (ServerAddress a : before.keySet()) {
                long n = after.get(a) - before.get(a) - 1; // less the INFO that read the counter
                served.put(a, n);
                total += n;
                if (!holders.contains(a)) {
                    assertEquals(0, n, a + " holds none of the keys " + busiest + " coordinates: " + served);
                }
            }
            assertEquals(itsKeys.size(), total, "one command per read: " + served);
            assertTrue(served.get(busiest) < itsKeys.size(), "not every read went to the coordinator: " + served);
            for (ServerAddress a : holders) {
                assertTrue(served.get(a) > 0, a + " served some of " + itsKeys.size() + " reads: " + served);
            }
            assertEquals(0, reader.retries());
        }
    }

    @Test
    void replicaReadsStayCorrectWhileAServerJoins() throws Exception {
        RingKvCluster.Options replicaReads = RingKvCluster.Options.DEFAULT.withReplicaReads(true);
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 3);
             RingKvCluster writer = RingKvCluster.connect(lc.members.get(0).address());
             RingKvCluster reader = RingKvCluster.connect(replicaReads, lc.members.get(1).address())) {
            long versionBefore = reader.ring().version();
            assertEquals(3, reader.replicas());
            int n = 300;
            for (int i = 0; i < n; i++) {
                writer.set("r" + i, "value-" + i);
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger reads = new AtomicInteger();
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread readerThread = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get(); i = (i + 7) % n) {
                        String got = reader.get("r" + i);
                        if (!("value-" + i).equals(got)) {
                            throw new AssertionError("r" + i + " read " + got + " during the ring change");
                        }
                        if (i % 10 == 0) {
                            List<String> some = reader.mget("r" + i, "r" + (i + 1) % n, "r" + (i + 2) % n);
                            List<String> want = List.of("value-" + i, "value-" + (i + 1) % n, "value-" + (i + 2) % n);
                            if (!want.equals(some)) {
                                throw new AssertionError("MGET read " + some + " during the ring change");
                            }
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    error.set(t);
                }
            }, "replica-reader");
            readerThread.start();
            try {
                LoopbackCluster.await("some reads before the change", () -> reads.get() > 200 || error.get() != null);
                NioNode d = lc.addMember();
                lc.awaitRing(4);
                // a server that no longer holds a key refuses it with its newer ring: the client refreshes
                LoopbackCluster.await("the reader routing by the 4-server ring",
                        () -> reader.ring().size() == 4 || error.get() != null);
                int atChange = reads.get();
                LoopbackCluster.await("reads under the new ring", () -> reads.get() > atChange + 300 || error.get() != null);
                stop.set(true);
                readerThread.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(readerThread.isAlive());
                if (error.get() != null) {
                    throw new AssertionError("an error reached the caller after " + reads.get() + " reads", error.get());
                }
                assertTrue(reader.notResponsibleReplies() > 0, "the NOT_RESPONSIBLE path was taken");
                assertTrue(reader.ring().version() > versionBefore);
                assertEquals(lc.status().ringVersion(), reader.ring().version());
                assertEquals(3, reader.replicas());

                // settled: every key reads back from its new holders, the new server among them
                long retries = reader.retries();
                long dBefore = commandsProcessed(d.address());
                for (int i = 0; i < n; i++) {
                    assertEquals("value-" + i, reader.get("r" + i));
                }
                List<byte[]> keys = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    keys.add(("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                List<byte[]> values = reader.mget(keys);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(("value-" + i).getBytes(StandardCharsets.UTF_8), values.get(i), "r" + i);
                }
                assertTrue(commandsProcessed(d.address()) - dBefore > 1, "the new server answered reads too");
                assertEquals(retries, reader.retries(), "a settled ring: no more retries");
            } finally {
                stop.set(true);
                readerThread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    @Test
    void replicaReadsOnAOneNodeRingAreCoordinatorReads() throws Exception {
        NioNode node = Servers.standalone(ServerOptions.loopback(0), dir);
        try (RingKvCluster c = RingKvCluster.connect(RingKvCluster.Options.DEFAULT.withReplicaReads(true),
                node.address())) {
            assertEquals(1, c.replicas());
            c.set("a", "1");
            assertEquals("1", c.get("a"));
            assertEquals(java.util.Arrays.asList("1", null), c.mget("a", "b"));
            assertTrue(c.exists("a"));
            assertEquals(0, c.replicaReads());
            assertEquals(0, c.retries());
        } finally {
            node.close();
        }
    }

    @Test
    void aReplicaReadGoesToAHolderAndFallsBackToTheCoordinator() {
        List<ServerAddress> members = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            members.add(new ServerAddress("127.0.0.1", 7000 + i));
        }
        Ring ring = new Ring(1, 1, members);
        byte[] key = "some-key".getBytes(StandardCharsets.UTF_8);
        List<ServerAddress> holders = ring.replicasOf(key, 3);
        ReplicaReads rr = new ReplicaReads();
        Set<ServerAddress> picked = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            picked.add(rr.pick(ring, 3, key, null));
        }
        assertEquals(new HashSet<>(holders), picked, "every holder, and only holders");
        assertEquals(holders.get(0), rr.pick(ring, 1, key, null), "one copy: the coordinator");
        for (int i = 0; i < 100; i++) {
            assertFalse(rr.pick(ring, 3, key, holders.get(1)).equals(holders.get(1)), "not the one that failed");
        }
        rr.readOnly(holders.get(1), false);
        rr.readOnly(holders.get(2), false);
        for (int i = 0; i < 100; i++) {
            assertEquals(holders.get(0), rr.pick(ring, 3, key, null), "replicas that refused READONLY are skipped");
        }
        assertEquals(holders.get(0), rr.pick(ring, 3, key, holders.get(0)), "nothing else left: the coordinator");
        rr.readOnly(holders.get(2), true);
        assertEquals(holders.get(2), rr.pick(ring, 3, key, holders.get(0)));

        assertEquals(3, ReplicaReads.replicasIn("# Ring\r\nring_version:4\r\nring_replicas:3\r\nserving:1\r\n"));
        assertEquals(1, ReplicaReads.replicasIn("# Ring\r\nring_version:4\r\nring_members:2\r\n"), "an older server");
        assertEquals(1, ReplicaReads.replicasIn("ring_replicas:x\r\n"));
        assertTrue(ReplicaReads.isRead("get".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(ReplicaReads.isRead("MGET".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(ReplicaReads.isRead("Exists".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(ReplicaReads.isRead("SET".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(ReplicaReads.isRead("DEL".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aStandaloneServerIsAOneNodeRing() throws Exception {
        NioNode node = Servers.standalone(ServerOptions.loopback(0), dir);
        try (RingKvCluster c = RingKvCluster.connect(node.address())) {
            assertEquals(List.of(node.address()), c.ring().members());
            c.set("a", "1");
            c.set("b".getBytes(StandardCharsets.UTF_8), new byte[] {0, (byte) 0xff, 13, 10});
            assertEquals("1", c.get("a"));
            assertArrayEquals(new byte[] {0, (byte) 0xff, 13, 10}, c.get("b".getBytes(StandardCharsets.UTF_8)));
            assertEquals(java.util.Arrays.asList("1", null), c.mget("a", "c"));
            assertTrue(c.exists("a"));
            assertTrue(c.del("a"));
            assertFalse(c.del("a"));
            assertNull(c.get("a"));
            assertEquals("PUT_SUCCESS", c.put("p", "q"));
            assertEquals("DELETE_SUCCESS", c.put("p", "null"));
            assertFalse(c.exists("p"));
            assertEquals(node.address() + "", c.keyrange().split(",")[2].replace(";", ""));
            assertTrue(c.getAsync("b".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).length == 4);
            assertEquals(0, c.retries());
        } finally {
            node.close();
        }
    }

    @Test
    void whenEveryNodeIsDownTheDeadlineEndsTheRetriesWithAConnectionException() throws Exception {
        RingKvCluster.Options opts = RingKvCluster.Options.DEFAULT.withDeadline(Duration.ofMillis(800))
                .withMaxRetries(1_000).withBackoff(Duration.ofMillis(5), Duration.ofMillis(50));
        try (LoopbackCluster lc = LoopbackCluster.start(dir, 2);
             RingKvCluster c = RingKvCluster.connect(opts, lc.members.get(0).address())) {
            c.set("before", "ok");
            for (NioNode n : lc.members) {
                n.close();
            }
            lc.ecs.close();

            long start = System.nanoTime();
            ConnectionException e = assertThrows(ConnectionException.class, () -> c.get("before"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 800 + 1000, "gave up by the deadline, took " + ms + " ms");
            assertTrue(ms >= 400, "kept retrying until near the deadline, took " + ms + " ms: " + e);
            assertTrue(c.retries() > 5, "retried " + c.retries() + " times");

            long retries = c.retries();
            ExecutionException async = assertThrows(ExecutionException.class,
                    () -> c.setAsync("x".getBytes(), "y".getBytes()).get(5, TimeUnit.SECONDS));
            assertInstanceOf(ConnectionException.class, async.getCause());
            assertTrue(c.retries() > retries);
        }
    }

    @Test
    void noReachableSeedFailsConnectAtOnce() {
        long start = System.nanoTime();
        assertThrows(ConnectionException.class,
                () -> RingKvCluster.connect(new ServerAddress("127.0.0.1", 1), new ServerAddress("127.0.0.1", 2)));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 3000);
    }

    @Test
    void closingFailsWhatIsStillRunning() throws Exception {
        NioNode node = Servers.standalone(ServerOptions.loopback(0), dir);
        try {
            RingKvCluster c = RingKvCluster.connect(node.address());
            c.set("k", "v");
            c.close();
            assertFalse(c.isOpen());
            assertThrows(ConnectionException.class, () -> c.get("k"));
            c.close(); // idempotent
        } finally {
            node.close();
        }
    }
}
