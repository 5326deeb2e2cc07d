package dev.ringkv.ui;

import java.util.Locale;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.value.ObservableValue;
import javafx.css.PseudoClass;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;

/** The servers the ECS knows: state (with heartbeat age when SUSPECT), the ECS badge, ownership, keys, bytes, ops/s. */
public final class MembersView extends TableView<MemberRow> {

    public MembersView() {
        setId("members");
        getStyleClass().add("members");
        setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
        setPlaceholder(new javafx.scene.control.Label("no servers yet"));
        getColumns().add(column("server", r -> r.address() + (r.ecs() ? "  [ECS]" : ""), 150));
        TableColumn<MemberRow, String> state = column("state", MemberRow::stateText, 110);
        state.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String text, boolean empty) {
                super.updateItem(text, empty);
                setText(empty ? null : text);
                MemberRow row = empty || getTableRow() == null ? null : getTableRow().getItem();
                for (String s : new String[] {"up", "suspect", "down", "joining", "leaving"}) {
                    pseudoClassStateChanged(PseudoClass.getPseudoClass(s), row != null && row.pseudoClass().equals(s));
                }
            }
        });
        getColumns().add(state);
        getColumns().add(column("owns", r -> r.inRing() ? String.format(Locale.ROOT, "%.1f%%", r.ownership() * 100) : "—", 60));
        getColumns().add(column("keys", r -> String.format(Locale.ROOT, "%,d", r.keys()), 70));
        getColumns().add(column("bytes", r -> MonitorViewModel.bytes(r.bytes()), 70));
        getColumns().add(column("ops/s", r -> r.state().equals("DOWN") ? "—" : String.format(Locale.ROOT, "%,d", r.opsPerSecond()), 60));
        setRowFactory(t -> new TableRow<>() {
            @Override
            protected void updateItem(MemberRow item, boolean empty) {
                super.updateItem(item, empty);
                pseudoClassStateChanged(PseudoClass.getPseudoClass("ecs"), !empty && item != null && item.ecs());
            }
        });
    }

    private static TableColumn<MemberRow, String> column(String title, Function<MemberRow, String> value, double width) {
        TableColumn<MemberRow, String> c = new TableColumn<>(title);
        c.setCellValueFactory(f -> (ObservableValue<String>) new ReadOnlyObjectWrapper<>(value.apply(f.getValue())));
        c.setPrefWidth(width);
        c.setSortable(false);
        return c;
    }

    public void bindToModel(MonitorViewModel model) {
        setItems(model.members());
        // selection follows the model (a click on the ring selects too), and a click here selects in the model
        getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null && !b.address().equals(model.selectedNodeProperty().get())) {
                model.select(b.address());
            }
        });
        model.selectedNodeProperty().addListener((o, a, b) -> selectIn(model, b));
        model.members().addListener((javafx.collections.ListChangeListener<MemberRow>) c ->
                selectIn(model, model.selectedNodeProperty().get()));
    }

    private void selectIn(MonitorViewModel model, dev.ringkv.ring.ServerAddress a) {
        for (int i = 0; i < getItems().size(); i++) {
            if (getItems().get(i).address().equals(a)) {
                if (getSelectionModel().getSelectedIndex() != i) {
                    getSelectionModel().select(i);
                }
                return;
            }
        }
        getSelectionModel().clearSelection();
    }
}
