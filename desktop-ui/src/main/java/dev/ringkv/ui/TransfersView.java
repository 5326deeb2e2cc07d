package dev.ringkv.ui;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/** Range transfers of the plan and re-replication in progress, a bar each, and the under-replicated count. */
public final class TransfersView extends VBox {

    private final Label healing = new Label();
    private final VBox bars = new VBox(4);
    private final Label idle = new Label("no transfers in progress");

    public TransfersView() {
        super(8);
        setId("transfers");
        setPadding(new Insets(8));
        healing.setId("healing");
        healing.getStyleClass().add("healing");
        idle.getStyleClass().add("muted");
        getChildren().addAll(healing, bars);
    }

    public void bindToModel(MonitorViewModel model) {
        healing.textProperty().bind(model.healingProperty());
        model.underReplicatedProperty().addListener((o, a, b) ->
                healing.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("healing"), b.longValue() > 0));
        model.transfers().addListener((ListChangeListener<TransferRow>) c -> show(model));
        show(model);
    }

    private void show(MonitorViewModel model) {
        bars.getChildren().clear();
        if (model.transfers().isEmpty()) {
            bars.getChildren().add(idle);
            return;
        }
        for (TransferRow t : model.transfers()) {
            ProgressBar bar = new ProgressBar(t.progress());
            bar.getStyleClass().add("transfer-bar");
            bar.setPrefWidth(120);
            Label l = new Label(t.label());
            l.getStyleClass().add(t.done() ? "muted" : "transfer-label");
            HBox row = new HBox(8, bar, l);
            HBox.setHgrow(l, Priority.ALWAYS);
            bars.getChildren().add(row);
        }
    }
}
