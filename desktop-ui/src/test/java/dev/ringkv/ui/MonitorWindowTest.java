package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.shape.Circle;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The monitor window against a real node on loopback, headless (Monocle). */
@ExtendWith(ApplicationExtension.class)
class MonitorWindowTest {

    @TempDir
    static Path dir;
    private NioNode node;
    private ClusterPoller poller;
    private MainView view;

    @Start
    void start(Stage stage) {
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> uncaught.compareAndSet(null, e));
        node = Servers.standalone(ServerOptions.loopback(0), dir.resolve("node-" + System.nanoTime()));
        MonitorViewModel model = new MonitorViewModel(node.address().toString());
        view = new MainView();
        view.bindToModel(model);
        Scene scene = new Scene(view, 900, 760);
        scene.getStylesheets().add(Objects.requireNonNull(
                MonitorApp.class.getResource("/dev/ringkv/assets/theme.css")).toExternalForm());
        stage.setScene(scene);
        stage.show();
        poller = new ClusterPoller(node.address(), model::offer);
        poller.start(Duration.ofMillis(100));
    }

    private final java.util.concurrent.atomic.AtomicReference<Throwable> uncaught = new java.util.concurrent.atomic.AtomicReference<>();

    @AfterEach
    void stop() {
        poller.close();
        node.close();
        if (uncaught.get() != null) {
            throw new AssertionError("uncaught exception on the FX thread", uncaught.get());
        }
    }

    private Node marker(FxRobot robot) throws Exception {
        String id = "#" + RingView.cssId("node", node.address());
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup(id).tryQuery().isPresent());
        return robot.lookup(id).query();
    }

    @Test
    void theRingShowsTheEmbeddedNodeAtItsPosition(FxRobot robot) throws Exception {
        Circle c = (Circle) marker(robot);
        assertEquals(1, robot.lookup(".node-marker").queryAll().size());
        // the marker sits on the ring at the node's MD5 angle (0 at the top, clockwise)
        double f = RingView.fraction(node.address().position());
        double cx = view.ring().getWidth() / 2;
        double cy = view.ring().getHeight() / 2;
        double angle = Math.atan2(c.getCenterY() - cy, c.getCenterX() - cx);
        double expected = Math.toRadians(f * 360 - 90);
        assertEquals(Math.cos(expected), Math.cos(angle), 1e-3);
        assertEquals(Math.sin(expected), Math.sin(angle), 1e-3);
    }

    @Test
    void theStatusBarCountsKeysLive(FxRobot robot) throws Exception {
        marker(robot);
        try (RingKvClient client = RingKvClient.connect(node.address(), Duration.ofSeconds(5))) {
            for (int i = 0; i < 25; i++) {
                client.set("k" + i, "v");
            }
        }
        Label status = robot.lookup("#status").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> status.getText().contains("25 keys"));
        assertTrue(status.getText().startsWith("1 server · ring version 1"), status.getText());
    }

    @Test
    void aScreenshotCanBeWrittenHeadless(FxRobot robot) throws Exception {
        marker(robot);
        Path png = Path.of("target", "screenshots", "monitor-one-node.png");
        WaitForAsyncUtils.asyncFx(() -> {
            Screenshot.write(view, png);
            return null;
        }).get(10, TimeUnit.SECONDS);
        assertTrue(Files.size(png) > 10_000, "a real image, not an empty file");
    }
}
