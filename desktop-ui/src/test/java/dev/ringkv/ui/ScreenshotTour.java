package dev.ringkv.ui;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringkv.client.RingKvCluster;
import dev.ringkv.ring.ServerAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Regenerates the README's screenshots in {@code assets/screenshots/} from a real sandbox: 5 servers,
 * 3,000 keys and the load on; a server's storage with a key's holders ringed; a crashed server; the
 * ECS killed and replaced. Run: {@code ./mvnw -pl desktop-ui verify -Dtest=ScreenshotTour -Dringkv.screenshots=true}.
 */
class ScreenshotTour {

    private static final Path OUT = Path.of("..", "assets", "screenshots");

    @TempDir
    Path dir;

    private static void shoot(Monitor m, String name) throws Exception {
        TimeUnit.MILLISECONDS.sleep(1_200); // a key sample and a chart point or two
        WaitForAsyncUtils.asyncFx(() -> {
            Screenshot.write(m.view(), OUT.resolve(name + ".png"));
            return null;
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void takeTheReadmeScreenshots() throws Exception {
        assumeTrue(Boolean.getBoolean("ringkv.screenshots"), "run with -Dringkv.screenshots=true");
        Stage stage = FxToolkit.registerPrimaryStage();
        Monitor m = Fx.call(() -> Monitor.open(stage, MonitorOptions.parse(List.of("--data", dir.toString(), "--servers", "5"))));
        MonitorViewModel model = m.model();
        try {
            Fx.await("5 servers UP", () -> model.statusProperty().get() != null && model.statusProperty().get().plan() == null
                    && model.members().stream().filter(x -> x.inRing() && x.state().equals("UP")).count() == 5);
            try (RingKvCluster c = RingKvCluster.connect(m.knownNodes().toArray(new ServerAddress[0]))) {
                for (int i = 0; i < 3_000; i++) {
                    c.set("user:" + i, "{\"name\":\"user " + i + "\",\"visits\":" + i * 7 % 101 + "}");
                }
            }
            Fx.run(model::toggleLoad);
            ServerAddress shown = model.ringProperty().get().members().get(2);
            Fx.run(() -> model.select(shown));
            Fx.await("a storage page", () -> model.storageRows().size() == MonitorViewModel.PAGE_SIZE
                    && model.storageSummaryProperty().get().contains("coordinates"));
            Fx.run(() -> model.selectEntry(model.storageRows().get(7)));
            Fx.run(() -> model.put("greeting", "hello"));
            shoot(m, "monitor-storage");

            ServerAddress victim = model.ringProperty().get().members().get(0);
            Fx.run(() -> model.select(victim));
            Fx.run(() -> m.view().tabs().getSelectionModel().select(0));
            m.sandbox().crash(victim);
            model.offerAction("SIGKILL to " + victim);
            Fx.await(victim + " DOWN", () -> model.members().stream().anyMatch(r -> r.address().equals(victim) && r.state().equals("DOWN")));
            shoot(m, "monitor-crash");

            String old = model.ecsProperty().get();
            Fx.run(() -> model.filterEvents("all", ""));
            m.sandbox().crashEcs();
            model.offerAction("SIGKILL to the ECS " + old);
            Fx.await("a new ECS", () -> !model.ecsProperty().get().equals(old));
            Fx.run(() -> model.select(ServerAddress.parse(model.ecsProperty().get())));
            Fx.run(() -> m.view().tabs().getSelectionModel().select(0));
            shoot(m, "monitor-ecs-takeover");
            Fx.run(model::toggleLoad);
        } finally {
            Fx.run(m::close);
        }
    }
}
