package dev.ringkv.ui;

import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

/** The monitor window's content: a title, the ring, and a status bar. */
public final class MainView extends BorderPane {

    private final RingView ring = new RingView();
    private final Label title = new Label();
    private final Label status = new Label();
    private final Label data = new Label();

    public MainView() {
        createView();
    }

    private void createView() {
        title.getStyleClass().add("title");
        title.setId("title");
        status.getStyleClass().add("muted");
        status.setId("status");
        BorderPane.setMargin(title, new Insets(12, 16, 0, 16));
        data.getStyleClass().add("muted");
        data.setId("data-location");
        HBox bar = new HBox(status, data);
        bar.getStyleClass().add("status-bar");
        setTop(title);
        setCenter(ring);
        setBottom(bar);
    }

    public void bindToModel(MonitorViewModel model) {
        title.textProperty().bind(model.titleProperty());
        status.textProperty().bind(model.statusProperty());
        data.textProperty().bind(model.dataLocationProperty());
        ring.bindToModel(model);
    }

    public RingView ring() {
        return ring;
    }
}
