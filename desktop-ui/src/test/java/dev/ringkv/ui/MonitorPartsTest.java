package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.ServerAddress;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** The monitor's smaller parts: its command line, the key sampler's slices, the FX-thread guard, the export. */
class MonitorPartsTest {

    @TempDir
    Path dir;

    @Test
    void optionsDefaultToASandboxOfThreeServers() {
        MonitorOptions o = MonitorOptions.parse(List.of());
        assertTrue(o.sandbox());
        assertEquals(3, o.servers());
        MonitorOptions a = MonitorOptions.parse(List.of("--attach", "127.0.0.1:5100, 127.0.0.1:5101", "--screenshot", "x.png"));
        assertEquals(List.of(new ServerAddress("127.0.0.1", 5100), new ServerAddress("127.0.0.1", 5101)), a.attach());
        assertEquals(Path.of("x.png"), a.screenshot());
    }

    @Test
    void badOptionsAreRefusedWithTheUsage() {
        for (List<String> bad : List.of(List.of("--bogus"), List.of("--servers", "0"), List.of("--servers", "nine"),
                List.of("--servers", "9"), List.of("--attach"), List.of("--attach", "nohost"),
                List.of("--attach", "127.0.0.1:5100", "--data", "d"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MonitorOptions.parse(bad));
            assertTrue(e.getMessage().contains("usage: ringkv-monitor"), bad + ": " + e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MonitorOptions.parse(List.of("--servers", "0")))
                .getMessage().startsWith("--servers must be 1..8, not '0'"));
    }

    @Property(tries = 300)
    void slicesCoverTheRangeInOrderWithoutGapsOrOverlaps(@ForAll long fromHi, @ForAll long toHi,
                                                         @ForAll @IntRange(min = 1, max = 64) int n) {
        Range range = new Range(new Position(fromHi, 0), new Position(toHi, 7));
        List<Range> slices = ClusterFeed.slices(range, n);
        assertEquals(n, slices.size());
        assertEquals(range.from(), slices.get(0).from());
        assertEquals(range.to(), slices.get(n - 1).to());
        BigInteger ring = BigInteger.ONE.shiftLeft(128);
        BigInteger total = BigInteger.ZERO;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                assertEquals(slices.get(i - 1).to(), slices.get(i).from(), "slices adjoin");
            }
            total = total.add(slices.get(i).to().toBigInteger().subtract(slices.get(i).from().toBigInteger()).mod(ring));
        }
        assertEquals(range.to().toBigInteger().subtract(range.from().toBigInteger()).mod(ring), total, "lengths add up");
    }

    @Test
    void theFullRingIsSlicedIntoEqualParts() {
        List<Range> slices = ClusterFeed.slices(Range.full(Position.ZERO), 4);
        assertEquals(Position.fromHex("40000000000000000000000000000000"), slices.get(0).to());
        assertEquals(Position.ZERO, slices.get(3).to());
    }

    @Test
    void theFxThreadMayNotTouchTheNetwork() throws Exception {
        FxToolkit.registerPrimaryStage();
        try (Connections c = new Connections()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> WaitForAsyncUtils.asyncFx(
                    () -> c.to(new ServerAddress("127.0.0.1", 1))).get(10, TimeUnit.SECONDS));
            assertEquals("network call on the FX thread", e.getCause().getMessage());
        }
    }

    @Test
    void anExportThatCannotBeWrittenIsReportedInTheTimeline() throws Exception {
        FxToolkit.registerPrimaryStage();
        MonitorViewModel model = new MonitorViewModel("t", m -> new MonitorViewModelTest.Requests());
        model.offerEvent(new dev.ringkv.monitor.ClusterEvent(1, 5, "ring", "ring version 1"));
        WaitForAsyncUtils.waitForFxEvents();
        Path file = dir.resolve("events.txt");
        WaitForAsyncUtils.asyncFx(() -> TimelineView.save(model, file)).get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        assertEquals("+00:00:00.005  ring      ring version 1\n", java.nio.file.Files.readString(file));
        Path missing = dir.resolve("no-such-dir").resolve("events.txt");
        WaitForAsyncUtils.asyncFx(() -> TimelineView.save(model, missing)).get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        String last = model.events().get(model.events().size() - 1).text();
        assertTrue(last.startsWith("cannot export the timeline to " + missing), last);
    }
}
