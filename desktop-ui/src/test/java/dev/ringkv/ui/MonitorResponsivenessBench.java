package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringkv.client.RingKvCluster;
import dev.ringkv.ring.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxToolkit;

/**
 * How responsive the monitor stays with 100,000 keys on 5 servers (issue 6): a probe posts a task to
 * the FX thread every 5 ms and records how long it waited, while the sandbox is loaded, browsed,
 * written to, crashed and failed over. Prints figures; asserts no timing (a busy 2-core machine is not
 * a stopwatch). Run: {@code ./mvnw -pl desktop-ui verify -Dtest=MonitorResponsivenessBench -Dringkv.bench=true}.
 */
class MonitorResponsivenessBench {

    private static final int KEYS = 100_000;

    @TempDir
    Path dir;

    /** Posts a no-op to the FX thread every 5 ms and records its wait, in microseconds. */
    private static final class Probe implements AutoCloseable {
        private final Histogram waits = new Histogram(60_000_000L, 3);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread = new Thread(this::run, "fx-probe");

        Probe() {
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running.get()) {
                long posted = System.nanoTime();
                CompletableFuture<Void> ran = new CompletableFuture<>();
                Platform.runLater(() -> ran.complete(null));
                try {
                    ran.get(60, TimeUnit.SECONDS);
                    synchronized (waits) {
                        waits.recordValue(Math.max(1, (System.nanoTime() - posted) / 1_000));
                    }
                    TimeUnit.MILLISECONDS.sleep(5);
                } catch (Exception e) {
                    return;
                }
            }
        }

        /** p50 / p99 / max of the waits since the last call, in ms; then starts afresh. */
        String phase() {
            synchronized (waits) {
                String s = String.format(Locale.ROOT, "FX wait p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d probes)",
                        waits.getValueAtPercentile(50) / 1000.0, waits.getValueAtPercentile(99) / 1000.0,
                        waits.getMaxValue() / 1000.0, waits.getTotalCount());
                waits.reset();
                return s;
            }
        }

        @Override
        public void close() {
            running.set(false);
        }
    }

    @Test
    void theMonitorStaysResponsiveWith100kKeysOn5Servers() throws Exception {
        assumeTrue(Boolean.getBoolean("ringkv.bench"), "a benchmark: run with -Dringkv.bench=true");
        Stage stage = FxToolkit.registerPrimaryStage();
        Monitor monitor = Fx.call(() -> Monitor.open(stage, MonitorOptions.parse(List.of("--data", dir.toString(), "--servers", "5"))));
        MonitorViewModel model = monitor.model();
        List<String> report = new ArrayList<>();
        try (Probe probe = new Probe()) {
            Fx.await("5 servers UP", () -> model.statusProperty().get() != null && model.statusProperty().get().members()
                    .stream().filter(x -> x.inRing() && x.state().equals("UP")).count() == 5
                    && model.statusProperty().get().plan() == null, 120);
            report.add("start-up (5 servers joining): " + probe.phase());

            List<ServerAddress> nodes = monitor.knownNodes();
            long t0 = System.nanoTime();
            try (RingKvCluster client = RingKvCluster.connect(nodes.toArray(new ServerAddress[0]))) {
                byte[] value = "v".repeat(100).getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < KEYS; i += 500) {
                    List<byte[]> ks = new ArrayList<>(500);
                    List<byte[]> vs = new ArrayList<>(500);
                    for (int j = i; j < i + 500; j++) {
                        ks.add(("bench:" + j).getBytes(StandardCharsets.US_ASCII));
                        vs.add(value);
                    }
                    client.mset(ks, vs);
                }
            }
            report.add(String.format(Locale.ROOT, "loading %,d keys (%.1f s): %s", KEYS,
                    (System.nanoTime() - t0) / 1e9, probe.phase()));
            Fx.await("300,000 copies counted", () -> model.members().stream().mapToLong(MemberRow::keys).sum() == 3L * KEYS, 60);
            Fx.await("key dots sampled", () -> model.keyDotsProperty().get().size() >= 5 * ClusterFeed.SLICES * 8, 30);
            TimeUnit.SECONDS.sleep(5);
            report.add(String.format(Locale.ROOT, "idle with %,d keys, %,d dots drawn: %s", KEYS,
                    model.keyDotsProperty().get().size(), probe.phase()));

            ServerAddress browse = nodes.get(2);
            Fx.run(() -> model.select(browse));
            for (int page = 0; page < 20; page++) {
                int p = page;
                Fx.await("page " + (p + 1), () -> model.storageSummaryProperty().get().endsWith("page " + (p + 1)), 30);
                Fx.run(model::nextPage);
            }
            report.add("browsing 20 storage pages of " + browse + ": " + probe.phase());

            Fx.run(model::toggleLoad);
            TimeUnit.SECONDS.sleep(5);
            report.add("load on (" + ClusterControl.LOAD_WRITES_PER_SECOND + " writes/s): " + probe.phase());

            ServerAddress victim = model.ringProperty().get().members().get(1);
            long crashed = System.nanoTime();
            monitor.sandbox().crash(victim);
            Fx.await(victim + " DOWN", () -> model.members().stream().anyMatch(r -> r.address().equals(victim)
                    && r.state().equals("DOWN")), 60);
            long shownDown = System.nanoTime();
            Fx.await("healed", () -> model.statusProperty().get().repair() == null
                    && model.underReplicatedProperty().get() == 0
                    && model.healingProperty().get().startsWith("healed"), 120);
            report.add(String.format(Locale.ROOT, "SIGKILL %s under load: DOWN on screen after %.0f ms, healed after %.1f s: %s",
                    victim, (shownDown - crashed) / 1e6, (System.nanoTime() - crashed) / 1e9, probe.phase()));

            String oldEcs = model.ecsProperty().get();
            long killed = System.nanoTime();
            monitor.sandbox().crashEcs();
            Fx.await("a new ECS", () -> !model.ecsProperty().get().equals(oldEcs), 60);
            report.add(String.format(Locale.ROOT, "SIGKILL of the ECS under load: new ECS %s on screen after %.0f ms: %s",
                    model.ecsProperty().get(), (System.nanoTime() - killed) / 1e6, probe.phase()));
            Fx.run(model::toggleLoad);
            assertEquals(4, model.ringProperty().get().size());
        } finally {
            Fx.run(monitor::close);
            System.out.println("== monitor responsiveness, " + KEYS + " keys, 5 servers ==");
            report.forEach(System.out::println);
        }
    }
}
