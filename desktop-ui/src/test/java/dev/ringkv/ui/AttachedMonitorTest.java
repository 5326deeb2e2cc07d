package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.ServerAddress;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** {@code --attach}: the monitor watches a cluster it did not start, found through a server, with no sandbox controls. */
@ExtendWith(ApplicationExtension.class)
class AttachedMonitorTest {

    @TempDir
    static Path dir;
    private static Sandbox cluster;
    private Monitor monitor;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = Sandbox.start(dir, 2);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Start
    void start(Stage stage) {
        ServerAddress aServer = cluster.nodes().get(2); // not the ECS: the server names it
        monitor = Monitor.open(stage, MonitorOptions.parse(List.of("--attach", aServer.toString())));
    }

    @AfterEach
    void stop() throws Exception {
        Fx.run(monitor::close);
    }

    @Test
    void itFindsTheEcsThroughAServerAndOffersNoSandboxControls(FxRobot robot) throws Exception {
        MonitorViewModel model = monitor.model();
        Fx.await("2 servers UP", () -> model.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count() == 2, 60);
        assertEquals(cluster.nodes().get(0).toString(), Fx.call(() -> model.ecsProperty().get()));
        assertEquals(2, Fx.call(() -> robot.lookup(".node-marker").queryAll().size()));
        assertFalse(Fx.call(() -> Fx.shown(robot.lookup("#add-server").query())), "no sandbox controls on a cluster we did not start");
        assertFalse(Fx.call(() -> Fx.shown(robot.lookup("#crash-ecs").query())));
        assertTrue(Fx.call(() -> Fx.shown(robot.lookup("#put-button").query())));
        assertEquals("", Fx.call(() -> robot.lookup("#data-location").queryAs(Label.class).getText()),
                "no sandbox directory to show");
        assertTrue(Fx.call(() -> robot.lookup("#connection").queryAs(Label.class).getText())
                .equals("watching the ECS " + cluster.nodes().get(0)));
    }
}
