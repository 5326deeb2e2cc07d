package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.application.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** The view-model without a stage. */
class MonitorViewModelTest {

    @BeforeAll
    static void toolkit() throws Exception {
        FxToolkit.registerPrimaryStage();
    }

    private static ClusterSnapshot snapshot(long version, long keys) {
        ServerAddress a = new ServerAddress("127.0.0.1", 5101);
        return new ClusterSnapshot(new Ring(version, 0, List.of(a)), Map.of(a.toString(), keys), a.toString(), null);
    }

    @Test
    void statusDescribesRingAndKeys() {
        assertEquals("1 server · ring version 3 · term 0 · 42 keys · watching 127.0.0.1:5101",
                MonitorViewModel.describe(snapshot(3, 42)));
        assertEquals("cannot reach x:1: refused", MonitorViewModel.describe(new ClusterSnapshot(null, Map.of(), "x:1", "refused")));
        assertEquals("connecting to x:1…", MonitorViewModel.describe(ClusterSnapshot.waiting("x:1")));
    }

    @Test
    void aBurstOfSnapshotsIsCoalescedAndTheNewestWins() throws Exception {
        MonitorViewModel model = new MonitorViewModel("127.0.0.1:5101");
        AtomicInteger updates = new AtomicInteger();
        WaitForAsyncUtils.asyncFx(() -> model.snapshotProperty().addListener((o, a, b) -> updates.incrementAndGet()))
                .get(5, TimeUnit.SECONDS);
        // hold the FX thread so the whole burst lands while one update is pending
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Platform.runLater(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 1; i <= 10_000; i++) {
            model.offer(snapshot(i, i));
        }
        release.countDown();
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(10_000, model.snapshotProperty().get().ring().version());
        assertTrue(updates.get() <= 2, "10,000 offers caused " + updates.get() + " FX updates");
    }
}
