package dev.ringkv.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Hashing;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javafx.css.PseudoClass;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.shape.Arc;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The monitor as a user runs it: its own sandbox (an ECS and three servers as child processes on
 * loopback), driven through its buttons, headless (Monocle). Each test starts a fresh sandbox.
 */
@ExtendWith(ApplicationExtension.class)
class SandboxMonitorTest {

    private static final Path SHOTS = Path.of("target", "screenshots");

    @TempDir
    Path dir;
    private Monitor monitor;
    private final java.util.concurrent.atomic.AtomicReference<Throwable> uncaught = new java.util.concurrent.atomic.AtomicReference<>();

    @Start
    void start(Stage stage) {
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> uncaught.compareAndSet(null, e));
        monitor = Monitor.open(stage, MonitorOptions.parse(List.of("--data", dir.toString())));
    }

    @AfterEach
    void stop() throws Exception {
        fx(() -> {
            monitor.close();
            return null;
        });
        if (uncaught.get() != null) {
            throw new AssertionError("uncaught exception on the FX thread", uncaught.get());
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    /** Runs {@code c} on the FX thread (at once if already there) and returns its result. */
    private static <T> T fx(Callable<T> c) throws Exception {
        return javafx.application.Platform.isFxApplicationThread() ? c.call() : Fx.call(c);
    }

    /**
     * The one node matching {@code query}, looked up on the FX thread: TestFX walks the scene graph's child
     * lists, and a walk from the test thread while the monitor redraws can fail (an index out of bounds).
     */
    private static <T extends Node> T find(FxRobot robot, String query) {
        return onFx(() -> robot.lookup(query).query());
    }

    /** {@link #fx} for lambdas that may not throw: a failure comes back unchecked. */
    private static <T> T onFx(Callable<T> c) {
        try {
            return fx(c);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        Fx.await(what, condition);
    }

    private MonitorViewModel model() {
        return monitor.model();
    }

    /** The ring as the monitor shows it, once it has {@code n} servers in it, all UP and no plan running. */
    private Ring settledRing(int n) throws Exception {
        try {
            await(n + " servers UP in the ring", () -> {
                var s = model().statusProperty().get();
                return s != null && s.plan() == null
                        && s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count() == n;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; status " + fx(() -> model().statusProperty().get())
                    + "; connection: " + fx(() -> model().connectionProperty().get()) + "\n" + logs(), e);
        }
        return fx(() -> model().ringProperty().get());
    }

    /** The sandbox's process logs, for a failure message. */
    private String logs() throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                b.append("---- ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
        }
        return b.toString();
    }

    private Node node(FxRobot robot, String kind, ServerAddress a) {
        return find(robot, "#" + RingView.cssId(kind, a));
    }

    private double arcLength(FxRobot robot, ServerAddress a) throws Exception {
        Arc arc = (Arc) node(robot, "arc", a);
        return fx(() -> Math.abs(arc.getLength()));
    }

    /**
     * Selects a server by clicking its row in the servers table (markers of close servers may overlap).
     * It clicks the screen position of the server's index: the table reuses its row nodes for other
     * indices as the rows update twice a second, but an index stays at its place.
     */
    private void select(FxRobot robot, ServerAddress a) throws Exception {
        await("a row for " + a, () -> rowAt(robot, a) != null);
        javafx.geometry.Point2D at = fx(() -> {
            Node row = rowAt(robot, a);
            javafx.geometry.Bounds b = row.localToScreen(row.getBoundsInLocal());
            return new javafx.geometry.Point2D(b.getMinX() + 40, b.getCenterY());
        });
        robot.clickOn(at);
        await(a + " selected", () -> a.equals(model().selectedNodeProperty().get()));
    }

    /** The table row on screen at {@code a}'s index (the table also keeps an invisible row for measuring). */
    private Node rowAt(FxRobot robot, ServerAddress a) {
        int index = -1;
        for (int i = 0; i < model().members().size(); i++) {
            if (model().members().get(i).address().equals(a)) {
                index = i;
            }
        }
        int wanted = index;
        return onFx(() -> robot.lookup("#members .table-row-cell").queryAll().stream()
                .filter(r -> r instanceof javafx.scene.control.TableRow<?> tr && tr.getIndex() == wanted && Fx.shown(r))
                .findFirst().orElse(null));
    }

    private static boolean has(Node n, String pseudoClass) {
        return n.getPseudoClassStates().contains(PseudoClass.getPseudoClass(pseudoClass));
    }

    private void screenshot(String name) throws Exception {
        fx(() -> {
            Screenshot.write(monitor.view(), SHOTS.resolve(name + ".png"));
            return null;
        });
    }

    // --------------------------------------------------------------------------------------- tests

    @Test
    void theRingShowsEveryServerAtItsPositionWithItsArc(FxRobot robot) throws Exception {
        Ring ring = settledRing(3);
        await("3 markers", () -> robot.lookup(".node-marker").queryAll().size() == 3);
        double total = 0;
        for (ServerAddress a : ring.members()) {
            double arc = arcLength(robot, a);
            assertEquals(ring.ownership(a) * 360, arc, 0.5, "the arc of " + a + " spans its ownership");
            total += arc;
        }
        assertEquals(360, total, 0.5, "the arcs cover the ring exactly once");
        // a click on a marker selects its server (one far enough from the others that nothing overlaps it)
        ServerAddress alone = null;
        for (ServerAddress a : ring.members()) {
            javafx.geometry.Bounds b = node(robot, "node", a).localToScreen(node(robot, "node", a).getBoundsInLocal());
            boolean clear = ring.members().stream().filter(o -> !o.equals(a)).allMatch(o -> {
                javafx.geometry.Bounds ob = node(robot, "node", o).localToScreen(node(robot, "node", o).getBoundsInLocal());
                return Math.hypot(ob.getCenterX() - b.getCenterX(), ob.getCenterY() - b.getCenterY()) > 30;
            });
            if (clear) {
                alone = a;
            }
        }
        if (alone != null) {
            ServerAddress clicked = alone;
            robot.clickOn(node(robot, "node", clicked));
            await("the clicked server selected", () -> clicked.equals(model().selectedNodeProperty().get()));
            assertTrue(fx(() -> has(node(robot, "node", clicked), "selected")), "its marker shows it");
            assertTrue(fx(() -> robot.lookup("#replica-arc").query().isVisible()), "its replica range is drawn");
        }
        String headline = fx(() -> robot.lookup("#headline").queryAs(Label.class).getText());
        assertTrue(headline.contains("3 servers in the ring, 3 up"), headline);
        String data = fx(() -> robot.lookup("#data-location").queryAs(Label.class).getText());
        assertTrue(data.contains(dir.toAbsolutePath().toString()), "the sandbox's data directory is shown: " + data);
    }

    @Test
    void addingAServerAddsAMarkerAndChangesOwnership(FxRobot robot) throws Exception {
        Ring before = settledRing(3);
        robot.clickOn("#add-server");
        Ring after = settledRing(4);
        await("4 markers", () -> robot.lookup(".node-marker").queryAll().size() == 4);
        ServerAddress added = after.members().stream().filter(a -> !before.contains(a)).findFirst().orElseThrow();
        ServerAddress shrunk = after.successorOf(added);
        assertTrue(arcLength(robot, added) > 0, "the new server has an arc");
        assertEquals(after.ownership(shrunk) * 360, arcLength(robot, shrunk), 0.5,
                "its successor's arc shrank to its new ownership");
        assertTrue(after.ownership(shrunk) < before.ownership(shrunk), "the successor gave part of its range away");
        String label = fx(() -> ((javafx.scene.text.Text) node(robot, "label", added)).getText());
        assertTrue(label.contains(String.format(java.util.Locale.ROOT, "%.1f%%", after.ownership(added) * 100)), label);
    }

    @Test
    void crashingAServerTurnsItDownAndItsArcPassesToItsSuccessor(FxRobot robot) throws Exception {
        Ring ring = settledRing(3);
        ServerAddress victim = ring.members().get(0);
        ServerAddress successor = ring.successorOf(victim);
        double expected = arcLength(robot, victim) + arcLength(robot, successor);
        select(robot, victim);
        await("the victim selected", () -> victim.equals(model().selectedNodeProperty().get()));
        robot.clickOn("#crash-server");
        Node marker = node(robot, "node", victim);
        await(victim + " DOWN on the ring", () -> has(marker, "down"));
        await("the arc passed on", () -> {
            try {
                return arcLength(robot, victim) < 0.01 && Math.abs(arcLength(robot, successor) - expected) < 0.5;
            } catch (Exception e) {
                return false;
            }
        });
        await("the crash in the timeline", () -> model().events().stream()
                .anyMatch(e -> e.kind().equals("action") && e.text().startsWith("SIGKILL to " + victim)));
        screenshot("monitor-crash");
    }

    @Test
    void stoppingAServerIsAGracefulLeaveItsArcPassesOnAndItLeavesTheView(FxRobot robot) throws Exception {
        Ring ring = settledRing(3);
        ServerAddress leaver = ring.members().get(2);
        select(robot, leaver);
        await("the leaver selected", () -> leaver.equals(model().selectedNodeProperty().get()));
        robot.clickOn("#stop-server");
        Ring after = settledRing(2);
        assertTrue(!after.contains(leaver), "left the ring");
        await("its marker gone or DOWN", () -> robot.lookup("#" + RingView.cssId("node", leaver)).tryQuery()
                .map(n -> !has(n, "up")).orElse(true));
        double total = 0;
        for (ServerAddress a : after.members()) {
            total += arcLength(robot, a);
        }
        assertEquals(360, total, 0.5, "the two servers left cover the ring");
        await("the leave in the timeline", () -> model().events().stream()
                .anyMatch(e -> e.kind().equals("action") && e.text().startsWith("SIGTERM to " + leaver)));
    }

    @Test
    void crashingTheEcsMovesTheBadgeAndBumpsTheTerm(FxRobot robot) throws Exception {
        Ring ring = settledRing(3);
        Label badge = find(robot, "#ecs-badge");
        ServerAddress dedicated = monitor.sandbox().nodes().get(0);
        await("the badge on the dedicated ECS", () -> dedicated.equals(badge.getUserData()));
        long term = fx(() -> model().termProperty().get());
        robot.clickOn("#crash-ecs");
        await("the badge on a server that took the ECS role", () -> ring.contains((ServerAddress) badge.getUserData()));
        ServerAddress newEcs = (ServerAddress) fx(badge::getUserData);
        assertTrue(fx(() -> model().termProperty().get()) > term, "the term went up");
        await("the new ECS's marker carries :ecs", () -> has(node(robot, "node", newEcs), "ecs"));
        String text = fx(badge::getText);
        assertTrue(text.matches("ECS · term \\d+"), text);
        assertNotEquals("ECS · term " + term, text);
        // the badge moves to just above the new ECS's marker (at the next layout pass)
        Node marker = node(robot, "node", newEcs);
        await("the badge above " + newEcs + "'s marker", () -> {
            javafx.geometry.Bounds b = badge.getBoundsInParent();
            javafx.geometry.Bounds m = marker.getBoundsInParent();
            return Math.abs(b.getCenterX() - m.getCenterX()) < 2 && b.getMaxY() <= m.getMinY() + 1;
        });
        await("the election in the timeline", () -> model().events().stream()
                .anyMatch(e -> e.kind().equals("election") && e.text().startsWith(newEcs + " elected ECS in term")));
        screenshot("monitor-ecs-takeover");
    }

    @Test
    void putThenGetShowsTheValueTheAnsweringNodeAndTheReplicaSet(FxRobot robot) throws Exception {
        Ring ring = settledRing(3);
        robot.clickOn("#key-field").write("greeting");
        robot.clickOn("#value-field").write("hello-ring");
        robot.clickOn("#put-button");
        Label result = find(robot, "#result");
        await("the put answered", () -> result.getText().startsWith("put greeting = hello-ring · answered by"));
        robot.clickOn("#get-button");
        List<ServerAddress> holders = ring.replicasOf(Hashing.position("greeting".getBytes(StandardCharsets.UTF_8)), 3);
        String expected = "get greeting = hello-ring · answered by " + holders.get(0) + " · holders "
                + holders.get(0) + " (coordinator), " + holders.get(1) + ", " + holders.get(2);
        await("the get answered", () -> result.getText().equals(expected));
        Set<ServerAddress> ringed = fx(() -> ring.members().stream()
                .filter(a -> has(node(robot, "node", a), "holder")).collect(Collectors.toSet()));
        assertEquals(Set.copyOf(holders), ringed, "the key's three holders are ringed");
        assertTrue(fx(() -> robot.lookup("#key-marker").query().isVisible()), "the key's position is marked");
        robot.clickOn("#delete-button");
        await("the delete answered", () -> result.getText().startsWith("deleted greeting · answered by"));
        robot.clickOn("#get-button");
        await("the key is gone", () -> result.getText().startsWith("get greeting: no such key"));
    }

    @Test
    void theStorageTableListsWhatTheSelectedServerHoldsAndWhyAndAKeyRingsItsHolders(FxRobot robot) throws Exception {
        Ring ring = settledRing(3);
        try (var client = dev.ringkv.client.RingKvCluster.connect(ring.members().toArray(new ServerAddress[0]))) {
            for (int i = 0; i < 120; i++) {
                client.set("user:" + i, "value-" + i);
            }
        }
        ServerAddress node = ring.members().get(1);
        select(robot, node);
        await("the first page", () -> model().storageRows().size() == MonitorViewModel.PAGE_SIZE);
        // three copies on three servers: every server holds every key, as coordinator or replica
        await("the counts", () -> model().storageSummaryProperty().get().contains("coordinates"));
        String summary = fx(() -> model().storageSummaryProperty().get());
        assertTrue(summary.matches("(?s)" + java.util.regex.Pattern.quote(node.toString()) + " coordinates \\d+ keys and holds \\d+ replicas .*"), summary);
        for (EntryRow r : model().storageRows()) {
            ServerAddress coordinator = ring.coordinatorOf(r.position());
            assertEquals(coordinator.equals(node) ? "coordinator" : "replica of " + coordinator, r.role(), r.key());
            assertEquals(r.key().replace("user:", "value-"), r.value());
        }
        robot.clickOn("#storage-next");
        await("the second page", () -> model().hasPreviousPageProperty().get()
                && model().storageRows().size() == MonitorViewModel.PAGE_SIZE);
        robot.clickOn("#storage-next");
        await("the last page: 120 - 2 × 50", () -> model().storageRows().size() == 20 && !model().hasNextPageProperty().get());
        EntryRow picked = fx(() -> model().storageRows().get(0));
        robot.clickOn(fx(() -> robot.lookup("#storage-table .table-row-cell").nth(0).queryAs(Node.class)));
        await("the picked key highlighted", () -> model().highlightProperty().get() != null
                && model().highlightProperty().get().key().equals(picked.key()));
        Set<ServerAddress> ringed = fx(() -> ring.members().stream()
                .filter(a -> has(node(robot, "node", a), "holder")).collect(Collectors.toSet()));
        assertEquals(Set.copyOf(ring.replicasOf(picked.position(), 3)), ringed);
        try {
            await("key dots sampled", () -> model().keyDotsProperty().get().size() == 120);
        } catch (AssertionError e) {
            // say what it saw: too few (a server not sampled) or too many (keys of another kind)
            throw new AssertionError(e.getMessage() + ": " + fx(() -> model().keyDotsProperty().get().size())
                    + " dots; status " + fx(() -> model().statusProperty().get()), e);
        }
        screenshot("monitor-storage");
        assertTrue(Files.size(SHOTS.resolve("monitor-storage.png")) > 20_000, "a real image");
    }
}
