package dev.ringkv.ui;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.animation.PauseTransition;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desktop monitor. By default it starts a local sandbox — an ECS and three servers as child
 * processes, data in a temporary directory it keeps — and watches it; with {@code --attach} it watches
 * a running cluster and offers no sandbox controls. The window appears at once; the sandbox starts on a
 * background thread.
 */
public final class MonitorApp extends Application {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorApp.class);

    private Monitor monitor;

    @Override
    public void start(Stage stage) {
        MonitorOptions options;
        try {
            options = MonitorOptions.parse(getParameters().getRaw());
        } catch (IllegalArgumentException e) {
            LOG.error("{}", e.getMessage());
            Platform.exit();
            return;
        }
        monitor = Monitor.open(stage, options);
        if (options.screenshot() != null) {
            screenshotWhenReady(monitor.model(), monitor.view(), options);
        }
    }

    private void screenshotWhenReady(MonitorViewModel model, MainView view, MonitorOptions options) {
        AtomicBoolean taken = new AtomicBoolean();
        int expected = options.sandbox() ? options.servers() : 1;
        model.statusProperty().addListener((obs, old, s) -> {
            long up = s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count();
            if (up >= expected && s.plan() == null && taken.compareAndSet(false, true)) {
                // let the key sample and the arcs' sweep arrive first
                PauseTransition settle = new PauseTransition(javafx.util.Duration.millis(2_500));
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
        if (monitor != null) {
            monitor.close();
        }
    }
}
