package dev.ringkv.ui;

import dev.ringkv.monitor.ClusterEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.stage.FileChooser;

/**
 * The cluster's events as the ECS streams them (joins, suspicions, crashes, elections, ring versions,
 * transfers) and the user's own actions: scrollable, filtered by kind and text, exportable as text.
 * It scrolls to each new event.
 */
public final class TimelineView extends BorderPane {

    private final ListView<ClusterEvent> list = new ListView<>();
    private final ComboBox<String> kind = new ComboBox<>();
    private final TextField text = new TextField();
    private final Button export = new Button("export…");
    private boolean scrollPending;

    public TimelineView() {
        setId("timeline");
        list.setId("timeline-list");
        kind.setId("timeline-kind");
        text.setId("timeline-filter");
        export.setId("timeline-export");
        kind.getItems().setAll(MonitorViewModel.EVENT_KINDS);
        kind.getSelectionModel().select("all");
        text.setPromptText("filter text");
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(ClusterEvent e, boolean empty) {
                super.updateItem(e, empty);
                setText(empty || e == null ? null : MonitorViewModel.eventLine(e));
                getStyleClass().removeIf(s -> s.startsWith("event-"));
                if (!empty && e != null) {
                    getStyleClass().add("event-" + e.kind());
                }
            }
        });
        HBox.setHgrow(text, Priority.ALWAYS);
        HBox bar = new HBox(8, kind, text, export);
        bar.setPadding(new Insets(0, 0, 6, 0));
        setTop(bar);
        setCenter(list);
        setPadding(new Insets(8));
    }

    public void bindToModel(MonitorViewModel model) {
        list.setItems(model.events());
        kind.valueProperty().addListener((o, a, b) -> model.filterEvents(b, text.getText()));
        text.textProperty().addListener((o, a, b) -> model.filterEvents(kind.getValue(), b));
        // scroll once the list has taken the change in (scrolling inside the change event uses the old size)
        model.events().addListener((ListChangeListener<ClusterEvent>) c -> {
            if (!scrollPending) {
                scrollPending = true;
                javafx.application.Platform.runLater(() -> {
                    scrollPending = false;
                    if (!list.getItems().isEmpty()) {
                        list.scrollTo(list.getItems().size() - 1);
                    }
                });
            }
        });
        export.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.setTitle("Export the timeline");
            chooser.setInitialFileName("ringkv-events.txt");
            java.io.File f = chooser.showSaveDialog(getScene().getWindow());
            if (f != null) {
                save(model, f.toPath());
            }
        });
    }

    /**
     * Writes the timeline as shown (filtered) to {@code file} on a background thread (the FX thread never
     * waits for a disk); the outcome is reported in the timeline itself.
     */
    static java.util.concurrent.CompletableFuture<Void> save(MonitorViewModel model, Path file) {
        String text = model.exportEvents();
        return java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                Files.writeString(file, text, StandardCharsets.UTF_8);
                model.offerAction("timeline exported to " + file.toAbsolutePath());
            } catch (IOException ex) {
                model.offerAction("cannot export the timeline to " + file + ": " + ex.getMessage());
            }
        });
    }
}
