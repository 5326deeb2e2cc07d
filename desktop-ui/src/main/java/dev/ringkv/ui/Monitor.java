package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One monitor window and what feeds it: the view-model and views, the backend, the feed, and (by
 * default) the local sandbox. The window appears at once; the sandbox and the feed start on a
 * background thread, so the FX thread never waits for a process or the network.
 */
public final class Monitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

    private final MonitorOptions options;
    private final MonitorViewModel model;
    private final MainView view;
    private ClusterControl control;
    private volatile Sandbox sandbox;
    private volatile ClusterFeed feed;
    private volatile boolean closed;

    private Monitor(MonitorOptions options) {
        this.options = options;
        String source = options.sandbox() ? "local sandbox" : options.attach().get(0).toString();
        this.model = new MonitorViewModel(source, m -> control = new ClusterControl(m, options.sandbox(), this::knownNodes));
        this.view = new MainView();
        view.bindToModel(model);
    }

    /** FX thread: shows the window on {@code stage} and starts the sandbox (unless attaching) and the feed. */
    public static Monitor open(Stage stage, MonitorOptions options) {
        Monitor m = new Monitor(options);
        Scene scene = new Scene(m.view, 1440, 900);
        scene.getStylesheets().add(Objects.requireNonNull(
                Monitor.class.getResource("/dev/ringkv/assets/theme.css")).toExternalForm());
        stage.titleProperty().bind(m.model.titleProperty());
        stage.setScene(scene);
        stage.show();
        Thread starter = new Thread(m::connect, "ringkv-monitor-start");
        starter.setDaemon(true);
        starter.start();
        return m;
    }

    /** Background thread: starts the sandbox if asked, then the feed. */
    private void connect() {
        List<ServerAddress> bootstrap = options.attach();
        if (options.sandbox()) {
            model.offerConnection("starting the sandbox: an ECS and " + options.servers() + " servers…");
            try {
                Sandbox s = Sandbox.start(options.dataDir(), options.servers());
                sandbox = s;
                Runtime.getRuntime().addShutdownHook(new Thread(s::close, "ringkv-sandbox-stop"));
                control.sandboxStarted(s);
                model.offerSandboxData(s.dataDir().toAbsolutePath().toString());
                bootstrap = s.nodes();
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot start the sandbox: {}", e.toString());
                model.offerConnection("cannot start the sandbox: " + e.getMessage());
                return;
            }
        }
        ClusterFeed f = new ClusterFeed(bootstrap, model);
        synchronized (this) {
            if (closed) {
                return;
            }
            feed = f;
            f.start();
        }
    }

    /** Every node the monitor knows: the sandbox's processes, and what the feed heard of. */
    List<ServerAddress> knownNodes() {
        Set<ServerAddress> out = new LinkedHashSet<>();
        Sandbox s = sandbox;
        if (s != null) {
            out.addAll(s.nodes());
        }
        ClusterFeed f = feed;
        out.addAll(f != null ? f.known() : options.attach());
        return new ArrayList<>(out);
    }

    public MonitorViewModel model() {
        return model;
    }

    public MainView view() {
        return view;
    }

    /** The sandbox, once started (null before, and when attached). */
    Sandbox sandbox() {
        return sandbox;
    }

    /** Stops the feed, the backend and the sandbox's processes; the sandbox's directory stays. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        ClusterFeed f = feed;
        if (f != null) {
            f.close();
        }
        control.close();
        Sandbox s = sandbox;
        if (s != null) {
            s.close();
        }
    }
}
