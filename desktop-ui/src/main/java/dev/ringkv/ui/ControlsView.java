package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.util.List;
import java.util.function.Consumer;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * Put / get / delete a key (the answer names the node that answered and the key's holders), and — on
 * the local sandbox only — add a server, stop, crash or restart the selected one, crash the ECS; the
 * load toggle writes steadily so healing can be watched under traffic.
 */
public final class ControlsView extends VBox {

    private final TextField key = new TextField();
    private final TextField value = new TextField();
    private final Button put = button("put", "put-button", "write the value on the key's coordinator and replicas");
    private final Button get = button("get", "get-button", "read the key from its coordinator");
    private final Button delete = button("delete", "delete-button", "delete the key");
    private final Label result = new Label();
    private final Button add = button("add server", "add-server", "start one more server process; it joins the ring");
    private final Button stop = button("stop", "stop-server", "SIGTERM to the selected server: a graceful leave");
    private final Button crash = button("crash", "crash-server", "SIGKILL the selected server");
    private final Button restart = button("restart", "restart-server", "start the selected (stopped or crashed) server again");
    private final Button crashEcs = button("crash the ECS", "crash-ecs", "SIGKILL whoever holds the ECS role now");
    private final ToggleButton load = new ToggleButton("load");
    private final HBox sandboxBar;

    public ControlsView() {
        super(6);
        setId("controls");
        setPadding(new Insets(8, 12, 8, 12));
        getStyleClass().add("controls");
        key.setId("key-field");
        key.setPromptText("key");
        key.setPrefColumnCount(12);
        value.setId("value-field");
        value.setPromptText("value");
        value.setPrefColumnCount(16);
        result.setId("result");
        result.getStyleClass().add("result");
        load.setId("load-toggle");
        load.setTooltip(new Tooltip("steady writes of 100-byte values through the routing client"));
        crash.getStyleClass().add("danger");
        crashEcs.getStyleClass().add("danger");
        for (javafx.scene.control.Control c : List.of(put, get, delete, add, stop, crash, restart, crashEcs, load)) {
            c.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE); // the result's text must not squeeze the buttons
        }
        Label keyLabel = new Label("key");
        keyLabel.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        result.setMinWidth(0);
        HBox keys = new HBox(6, keyLabel, key, value, put, get, delete, result);
        keys.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(result, Priority.ALWAYS);
        sandboxBar = new HBox(6, new Label("sandbox"), add, new Separator(javafx.geometry.Orientation.VERTICAL),
                new Label("selected:"), stop, crash, restart, new Separator(javafx.geometry.Orientation.VERTICAL), crashEcs);
        sandboxBar.setAlignment(Pos.CENTER_LEFT);
        FlowPane rest = new FlowPane(12, 6, sandboxBar, load);
        rest.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(keys, rest);
    }

    private static Button button(String text, String id, String tip) {
        Button b = new Button(text);
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        return b;
    }

    public void bindToModel(MonitorViewModel model) {
        result.textProperty().bind(model.resultProperty());
        put.setOnAction(e -> model.put(key.getText(), value.getText()));
        get.setOnAction(e -> model.get(key.getText()));
        delete.setOnAction(e -> model.delete(key.getText()));
        key.setOnAction(e -> model.get(key.getText()));
        value.setOnAction(e -> model.put(key.getText(), value.getText()));
        Backend backend = model.backend();
        sandboxBar.setVisible(backend.sandbox());
        sandboxBar.setManaged(backend.sandbox());
        add.setOnAction(e -> backend.addServer());
        onSelected(model, stop, backend::stopServer);
        onSelected(model, crash, backend::crashServer);
        onSelected(model, restart, backend::restartServer);
        crashEcs.setOnAction(e -> backend.crashEcs());
        load.selectedProperty().addListener((o, a, b) -> {
            if (b != model.loadRunningProperty().get()) {
                model.toggleLoad();
            }
        });
    }

    private static void onSelected(MonitorViewModel model, Button b, Consumer<ServerAddress> action) {
        b.disableProperty().bind(model.selectedNodeProperty().isNull());
        b.setOnAction(e -> action.accept(model.selectedNodeProperty().get()));
    }
}
