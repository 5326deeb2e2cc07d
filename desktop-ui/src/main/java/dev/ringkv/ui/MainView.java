package dev.ringkv.ui;

import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The monitor window: the ring on the left; on the right the servers, then storage / timeline /
 * transfers tabs and the load chart; key and sandbox controls below; the connection and the sandbox's
 * data directory in the status bar.
 */
public final class MainView extends BorderPane {

    private final RingView ring = new RingView();
    private final MembersView members = new MembersView();
    private final StorageView storage = new StorageView();
    private final TimelineView timeline = new TimelineView();
    private final TransfersView transfers = new TransfersView();
    private final LoadChart load = new LoadChart();
    private final ControlsView controls = new ControlsView();
    private final TabPane tabs = new TabPane();
    private final Label title = new Label("RingKV");
    private final Label headline = new Label();
    private final Label connection = new Label();
    private final Label data = new Label();

    public MainView() {
        createView();
    }

    private void createView() {
        title.getStyleClass().add("title");
        headline.setId("headline");
        headline.getStyleClass().add("headline");
        HBox top = new HBox(16, title, headline);
        top.getStyleClass().add("top-bar");
        top.setPadding(new Insets(10, 16, 6, 16));
        Tab storageTab = new Tab("storage", storage);
        storageTab.setId("storage-tab");
        Tab timelineTab = new Tab("timeline", timeline);
        timelineTab.setId("timeline-tab");
        Tab transfersTab = new Tab("transfers & healing", transfers);
        transfersTab.setId("transfers-tab");
        tabs.getTabs().addAll(timelineTab, storageTab, transfersTab);
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        members.setPrefHeight(190);
        members.setMinHeight(120);
        VBox right = new VBox(8, members, tabs, load);
        VBox.setVgrow(tabs, Priority.ALWAYS);
        right.setPadding(new Insets(0, 12, 0, 0));
        right.setMinWidth(420);
        SplitPane split = new SplitPane(ring, right);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.5);
        connection.setId("connection");
        connection.getStyleClass().add("muted");
        data.setId("data-location");
        data.getStyleClass().add("muted");
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox bar = new HBox(connection, grow, data);
        bar.getStyleClass().add("status-bar");
        setTop(top);
        setCenter(split);
        setBottom(new VBox(controls, bar));
    }

    public void bindToModel(MonitorViewModel model) {
        headline.textProperty().bind(model.headlineProperty());
        connection.textProperty().bind(model.connectionProperty());
        data.textProperty().bind(model.dataLocationProperty());
        ring.bindToModel(model);
        members.bindToModel(model);
        storage.bindToModel(model);
        timeline.bindToModel(model);
        transfers.bindToModel(model);
        load.bindToModel(model);
        controls.bindToModel(model);
        // selecting a server shows what it stores
        model.selectedNodeProperty().addListener((o, a, b) -> {
            if (b != null) {
                tabs.getSelectionModel().select(1);
            }
        });
    }

    public RingView ring() {
        return ring;
    }

    TabPane tabs() {
        return tabs;
    }
}
