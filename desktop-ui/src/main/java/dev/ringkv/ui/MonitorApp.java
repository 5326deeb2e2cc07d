package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import javafx.animation.PauseTransition;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desktop monitor. By default it starts a local sandbox (for now one embedded node with its data in
 * a temporary directory) and shows it; with {@code --attach HOST:PORT} it watches a running node.
 */
public final class MonitorApp extends Application {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorApp.class);

    private LocalSandbox sandbox;
    private ClusterPoller poller;

    @Override
    public void start(Stage stage) throws IOException {
        MonitorOptions options;
        try {
            options = MonitorOptions.parse(getParameters().getRaw());
        } catch (IllegalArgumentException e) {
            LOG.error("{}", e.getMessage());
            Platform.exit();
            return;
        }
        ServerAddress target = options.attach();
        if (target == null) {
            sandbox = LocalSandbox.start(options.dataDir());
            target = sandbox.address();
        }
        MonitorViewModel model = new MonitorViewModel(target.toString());
        if (sandbox != null) {
            model.sandboxData(sandbox.dataDir().toAbsolutePath().toString());
        }
        MainView view = new MainView();
        view.bindToModel(model);
        Scene scene = new Scene(view, 900, 760);
        scene.getStylesheets().add(Objects.requireNonNull(
                MonitorApp.class.getResource("/dev/ringkv/assets/theme.css")).toExternalForm());
        stage.titleProperty().bind(model.titleProperty());
        stage.setScene(scene);
        stage.show();
        poller = new ClusterPoller(target, model::offer);
        poller.start(Duration.ofMillis(500));
        if (options.screenshot() != null) {
            screenshotWhenReady(model, view, options);
        }
    }

    private void screenshotWhenReady(MonitorViewModel model, MainView view, MonitorOptions options) {
        java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
        model.snapshotProperty().addListener((obs, old, s) -> {
            if ((s.ring() != null || s.error() != null) && taken.compareAndSet(false, true)) {
                PauseTransition settle = new PauseTransition(javafx.util.Duration.millis(200));
                settle.setOnFinished(e -> {
                    try {
                        Screenshot.write(view, options.screenshot());
                        LOG.info("screenshot written to {}", options.screenshot().toAbsolutePath());
                    } catch (IOException ex) {
                        LOG.error("screenshot failed: {}", ex.toString());
                    }
                    Platform.exit();
                });
                settle.play();
            }
        });
    }

    @Override
    public void stop() {
        if (poller != null) {
            poller.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }
}
