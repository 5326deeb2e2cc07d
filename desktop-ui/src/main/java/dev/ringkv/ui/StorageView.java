package dev.ringkv.ui;

import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;

/**
 * What the selected server stores, a page at a time in ring order: each key with its role there
 * (coordinator, or replica of which server), value, size and version; the counts per role above.
 * Picking a key rings its holders on the ring.
 */
public final class StorageView extends BorderPane {

    private final Label summary = new Label();
    private final TableView<EntryRow> table = new TableView<>();
    private final Button previous = new Button("◀ previous");
    private final Button next = new Button("next ▶");
    private final Button refresh = new Button("refresh");

    public StorageView() {
        setId("storage");
        summary.setId("storage-summary");
        summary.setWrapText(true);
        summary.getStyleClass().add("muted");
        table.setId("storage-table");
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
        table.setPlaceholder(new Label("no entries"));
        table.getColumns().add(column("key", EntryRow::key, 140));
        table.getColumns().add(column("role here", EntryRow::role, 170));
        table.getColumns().add(column("value", EntryRow::value, 140));
        table.getColumns().add(column("bytes", r -> String.valueOf(r.bytes()), 50));
        table.getColumns().add(column("position", r -> r.position().hex().substring(0, 8) + "…", 80));
        previous.setId("storage-previous");
        next.setId("storage-next");
        refresh.setId("storage-refresh");
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox pager = new HBox(8, previous, next, grow, refresh);
        pager.setPadding(new Insets(6, 0, 0, 0));
        BorderPane.setMargin(summary, new Insets(0, 0, 6, 0));
        setTop(summary);
        setCenter(table);
        setBottom(pager);
        setPadding(new Insets(8));
    }

    private static TableColumn<EntryRow, String> column(String title, Function<EntryRow, String> value, double width) {
        TableColumn<EntryRow, String> c = new TableColumn<>(title);
        c.setCellValueFactory(f -> new ReadOnlyObjectWrapper<>(value.apply(f.getValue())));
        c.setPrefWidth(width);
        c.setSortable(false);
        return c;
    }

    public void bindToModel(MonitorViewModel model) {
        summary.textProperty().bind(model.storageSummaryProperty());
        table.setItems(model.storageRows());
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.selectEntry(b);
            }
        });
        previous.disableProperty().bind(model.hasPreviousPageProperty().not());
        next.disableProperty().bind(model.hasNextPageProperty().not());
        refresh.disableProperty().bind(model.selectedNodeProperty().isNull());
        previous.setOnAction(e -> model.previousPage());
        next.setOnAction(e -> model.nextPage());
        refresh.setOnAction(e -> model.refreshStorage());
    }

    TableView<EntryRow> table() {
        return table;
    }
}
