package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import dev.ringkv.monitor.ClusterStatus.PlanStatus;
import dev.ringkv.monitor.ClusterStatus.TransferStatus;
import dev.ringkv.ring.Position;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.application.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** The view-model without a stage: statuses, events, storage pages and commands in, properties out. */
class MonitorViewModelTest {

    private static final ServerAddress A = new ServerAddress("127.0.0.1", 5101);
    private static final ServerAddress B = new ServerAddress("127.0.0.1", 5102);
    private static final ServerAddress C = new ServerAddress("127.0.0.1", 5103);
    private static final ServerAddress D = new ServerAddress("127.0.0.1", 5104);

    @BeforeAll
    static void toolkit() throws Exception {
        FxToolkit.registerPrimaryStage();
    }

    /** Records what the view-model asks of the cluster (a view-model test checks the asking, not the cluster). */
    static final class Requests implements Backend {
        final List<String> calls = new ArrayList<>();

        @Override
        public void loadStorage(ServerAddress node, String cursor, Ring ring, int replicas) {
            calls.add("storage " + node + " " + cursor);
        }

        @Override
        public void keyCommand(String command, String key, String value, Ring ring, int replicas) {
            calls.add(command + " " + key + (value == null ? "" : " " + value));
        }

        @Override
        public boolean sandbox() {
            return true;
        }

        @Override
        public void addServer() {
            calls.add("add");
        }

        @Override
        public void stopServer(ServerAddress server) {
            calls.add("stop " + server);
        }

        @Override
        public void crashServer(ServerAddress server) {
            calls.add("crash " + server);
        }

        @Override
        public void restartServer(ServerAddress server) {
            calls.add("restart " + server);
        }

        @Override
        public void crashEcs() {
            calls.add("crash ecs");
        }

        @Override
        public void load(boolean on) {
            calls.add("load " + on);
        }

        @Override
        public void close() {
        }
    }

    private final Requests requests = new Requests();
    private final MonitorViewModel model = new MonitorViewModel("test", m -> requests);

    private static MemberStatus member(ServerAddress a, String state, boolean inRing, long keys, long ops, long age) {
        return new MemberStatus(a.toString(), state, inRing, a.position().hex(), 0.25, keys, keys * 10, ops, age, 1);
    }

    private static ClusterStatus status(String ecs, long term, long version, List<MemberStatus> members,
                                        PlanStatus repair, long underReplicated) {
        return new ClusterStatus(ecs, term, version, members, null, 3, underReplicated, repair, null);
    }

    private static ClusterStatus threeUp(long version) {
        return status("127.0.0.1:5100", 1, version, List.of(member(A, "UP", true, 10, 5, 20),
                member(B, "UP", true, 10, 6, 20), member(C, "UP", true, 10, 7, 20)), null, 0);
    }

    private static void fx(Runnable r) throws Exception {
        WaitForAsyncUtils.asyncFx(r).get(10, TimeUnit.SECONDS);
    }

    /** Offers on this thread, then lets the coalesced update run on the FX thread. */
    private void offer(Runnable offers) throws Exception {
        offers.run();
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void aBurstOfStatusesIsCoalescedAndTheNewestWins() throws Exception {
        AtomicInteger updates = new AtomicInteger();
        fx(() -> model.statusProperty().addListener((o, a, b) -> updates.incrementAndGet()));
        CountDownLatch release = new CountDownLatch(1);
        Platform.runLater(() -> {
            try {
                release.await(10, TimeUnit.SECONDS); // hold the FX thread so the whole burst lands at once
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 1; i <= 10_000; i++) {
            model.offerStatus(threeUp(i));
        }
        release.countDown();
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(10_000, model.statusProperty().get().ringVersion());
        assertTrue(updates.get() <= 2, "10,000 offers caused " + updates.get() + " FX updates");
    }

    @Test
    void aStatusBecomesTheRingTheRowsAndTheHeadline() throws Exception {
        offer(() -> model.offerStatus(status("127.0.0.1:5100", 1, 7, List.of(member(A, "UP", true, 10, 5, 20),
                member(B, "SUSPECT", true, 12, 0, 812), member(D, "DOWN", false, 0, 0, 9000)), null, 0)));
        assertEquals(new Ring(7, 1, List.of(A, B)), model.ringProperty().get());
        assertEquals(List.of("UP", "SUSPECT · 812 ms", "DOWN"), model.members().stream().map(MemberRow::stateText).toList());
        assertEquals(List.of("up", "suspect", "down"), model.members().stream().map(MemberRow::pseudoClass).toList());
        assertEquals("ECS 127.0.0.1:5100 · term 1 · ring v7 · 2 servers in the ring, 1 up · 22 key copies",
                model.headlineProperty().get());
        assertFalse(model.members().stream().anyMatch(MemberRow::ecs), "the dedicated ECS is not a server");
    }

    @Test
    void whenAServerTakesTheEcsRoleItsRowCarriesTheBadgeAndTheTermGoesUp() throws Exception {
        offer(() -> model.offerStatus(threeUp(3)));
        assertEquals("127.0.0.1:5100", model.ecsProperty().get());
        offer(() -> model.offerStatus(status(B.toString(), 2, 2_000_000, List.of(member(A, "UP", true, 10, 5, 20),
                member(B, "UP", true, 10, 6, 20), member(C, "UP", true, 10, 7, 20)), null, 0)));
        assertEquals(B.toString(), model.ecsProperty().get());
        assertEquals(2, model.termProperty().get());
        assertEquals(List.of(false, true, false), model.members().stream().map(MemberRow::ecs).toList());
    }

    @Test
    void eachServerKeepsItsColourWhileOthersComeAndGo() throws Exception {
        offer(() -> model.offerStatus(threeUp(3)));
        Map<ServerAddress, Integer> before = new java.util.HashMap<>();
        model.members().forEach(m -> before.put(m.address(), m.color()));
        offer(() -> model.offerStatus(status("127.0.0.1:5100", 1, 4, List.of(member(D, "JOINING", false, 0, 0, 0),
                member(C, "UP", true, 10, 7, 20), member(A, "UP", true, 10, 5, 20)), null, 0)));
        for (MemberRow m : model.members()) {
            if (before.containsKey(m.address())) {
                assertEquals(before.get(m.address()), m.color(), m.address() + " changed colour");
            } else {
                assertEquals(3, m.color(), "a new server gets the next colour");
            }
        }
    }

    @Test
    void transfersShowProgressAndHealingCountsDownToZero() throws Exception {
        PlanStatus repair = new PlanStatus(9, "REPAIR", B.toString(), 4, List.of(
                new TransferStatus(0, A.toString(), C.toString(), "00aa00", "ff00ff", false, 250, 1000),
                new TransferStatus(1, A.toString(), D.toString(), "ff00ff", "00aa00", false, 0, -1),
                new TransferStatus(2, C.toString(), D.toString(), "112233", "445566", true, 10, 10)));
        offer(() -> model.offerStatus(status("127.0.0.1:5100", 1, 4, List.of(member(A, "UP", true, 10, 5, 20)), repair, 1_750)));
        assertEquals(List.of(0.25, -1.0, 1.0), model.transfers().stream().map(TransferRow::progress).toList());
        assertEquals("repair 127.0.0.1:5101 → 127.0.0.1:5103  (00aa00..ff00ff)  250/1000", model.transfers().get(0).label());
        assertEquals("healing: 1,750 key copies to rebuild", model.healingProperty().get());
        assertEquals(1_750, model.underReplicatedProperty().get());
        offer(() -> model.offerStatus(threeUp(4)));
        assertTrue(model.transfers().isEmpty());
        assertEquals("healed: every key has its 3 copies", model.healingProperty().get());
    }

    @Test
    void theTimelineFiltersByKindAndTextExportsWhatItShowsAndKeepsAReplayOnce() throws Exception {
        ClusterEvent join = new ClusterEvent(1, 1_234, "member", "127.0.0.1:5101 asked to join");
        ClusterEvent ring = new ClusterEvent(2, 61_002, "ring", "ring version 1: join of 127.0.0.1:5101");
        ClusterEvent suspect = new ClusterEvent(3, 3_723_004, "member", "127.0.0.1:5102 UP -> SUSPECT");
        offer(() -> List.of(join, ring, suspect).forEach(model::offerEvent));
        offer(() -> List.of(join, ring, suspect).forEach(model::offerEvent)); // a reconnect replays the recent events
        assertEquals(3, model.events().size());
        fx(() -> model.filterEvents("member", ""));
        assertEquals(List.of(join, suspect), List.copyOf(model.events()));
        fx(() -> model.filterEvents("member", "suspect"));
        assertEquals(List.of(suspect), List.copyOf(model.events()));
        assertEquals("+01:02:03.004  member    127.0.0.1:5102 UP -> SUSPECT\n", model.exportEvents());
        fx(() -> model.filterEvents("all", ""));
        assertEquals(3, model.exportEvents().lines().count());
        assertEquals("+00:01:01.002  ring      ring version 1: join of 127.0.0.1:5101", model.exportEvents().lines().toList().get(1));
    }

    @Test
    void theTimelineKeepsTheNewestEventsOnly() throws Exception {
        offer(() -> {
            for (int i = 1; i <= MonitorViewModel.KEEP_EVENTS + 100; i++) {
                model.offerEvent(new ClusterEvent(i, i, "ring", "ring version " + i));
            }
        });
        assertEquals(MonitorViewModel.KEEP_EVENTS, model.events().size());
        assertEquals(101, model.events().get(0).seq());
    }

    @Test
    void storagePagesFollowTheCursorsForwardAndBack() throws Exception {
        offer(() -> model.offerStatus(threeUp(3)));
        fx(() -> model.select(B));
        assertEquals(List.of("storage 127.0.0.1:5102 -"), requests.calls);
        EntryRow row = new EntryRow("k", Position.fromHex("0123456789abcdef0123456789abcdef"), "coordinator", "v", 2, "1.1");
        offer(() -> model.offerStorage(new StoragePage(B, "-", List.of(row), "0123:6b", 4, Map.of(A.toString(), 6L), null)));
        assertEquals(List.of(row), List.copyOf(model.storageRows()));
        assertTrue(model.hasNextPageProperty().get());
        assertFalse(model.hasPreviousPageProperty().get());
        assertTrue(model.storageSummaryProperty().get().startsWith(
                "127.0.0.1:5102 coordinates 4 keys and holds 6 replicas (6 for 127.0.0.1:5101) · 10 entries"),
                model.storageSummaryProperty().get());
        fx(model::nextPage);
        offer(() -> model.offerStorage(new StoragePage(B, "0123:6b", List.of(row), "", 4, Map.of(), null)));
        assertTrue(model.hasPreviousPageProperty().get());
        assertFalse(model.hasNextPageProperty().get());
        fx(model::previousPage);
        assertEquals(List.of("storage 127.0.0.1:5102 -", "storage 127.0.0.1:5102 0123:6b", "storage 127.0.0.1:5102 -"),
                requests.calls);
        // a late page of a server no longer selected is dropped
        fx(() -> model.select(C));
        offer(() -> model.offerStorage(new StoragePage(B, "-", List.of(row), "", 4, Map.of(), null)));
        assertTrue(model.storageRows().isEmpty());
        offer(() -> model.offerStorage(StoragePage.failed(C, "-", "Connection refused")));
        assertEquals("cannot read 127.0.0.1:5103: Connection refused", model.storageSummaryProperty().get());
    }

    @Test
    void pickingAnEntryHighlightsItsThreeHolders() throws Exception {
        offer(() -> model.offerStatus(threeUp(3)));
        Position p = D.position(); // D joins below and becomes this position's coordinator
        fx(() -> model.selectEntry(new EntryRow("k", p, "coordinator", "v", 2, "1.1")));
        Ring ring = model.ringProperty().get();
        assertEquals(ring.replicasOf(p, 3), model.highlightProperty().get().holders());
        offer(() -> model.offerStatus(status("127.0.0.1:5100", 1, 4, List.of(member(A, "UP", true, 10, 5, 20),
                member(B, "UP", true, 10, 6, 20), member(C, "UP", true, 10, 7, 20), member(D, "UP", true, 0, 0, 20)),
                null, 0)));
        assertEquals(D, model.highlightProperty().get().holders().get(0), "the holders follow the ring");
        fx(() -> model.selectEntry(null));
        assertNull(model.highlightProperty().get());
    }

    @Test
    void keyCommandsAreCheckedBeforeAnythingIsSent() throws Exception {
        fx(() -> model.get("k"));
        assertEquals("no ring yet: nothing can answer", model.resultProperty().get());
        offer(() -> model.offerStatus(threeUp(3)));
        fx(() -> model.get(" "));
        assertEquals("type a key first", model.resultProperty().get());
        fx(() -> model.put("two words", "v"));
        assertTrue(model.resultProperty().get().startsWith("a key has no spaces"));
        fx(() -> model.put("k", ""));
        assertTrue(model.resultProperty().get().startsWith("type a value to put"));
        assertTrue(requests.calls.isEmpty(), "nothing sent: " + requests.calls);
        fx(() -> model.put("k", "v w"));
        fx(() -> model.get("k"));
        fx(() -> model.delete("k"));
        assertEquals(List.of("PUT k v w", "GET k", "DELETE k"), requests.calls);
        assertEquals("delete k…", model.resultProperty().get());
    }

    @Test
    void theLoadToggleStartsAndStopsTheBackendsLoad() throws Exception {
        fx(model::toggleLoad);
        assertTrue(model.loadRunningProperty().get());
        fx(model::toggleLoad);
        assertEquals(List.of("load true", "load false"), requests.calls);
    }

    @Test
    void opsPerSecondKeepTheLastPointsPerServer() throws Exception {
        offer(() -> {
            for (int i = 0; i < MonitorViewModel.OPS_POINTS + 30; i++) {
                model.offerStatus(threeUp(i));
                WaitForAsyncUtils.waitForFxEvents();
            }
        });
        Map<ServerAddress, List<double[]>> h = model.opsHistory();
        assertEquals(MonitorViewModel.OPS_POINTS, h.get(A).size());
        assertEquals(7.0, h.get(C).get(0)[1]);
    }

    @Test
    void anActionOfTheUserAppearsInTheTimeline() throws Exception {
        offer(() -> model.offerAction("SIGKILL to 127.0.0.1:5101 (pid 42)"));
        assertEquals("monitor        action    SIGKILL to 127.0.0.1:5101 (pid 42)", MonitorViewModel.eventLine(model.events().get(0)));
    }
}
