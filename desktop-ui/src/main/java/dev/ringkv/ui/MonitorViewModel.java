package dev.ringkv.ui;

import dev.ringkv.ring.Ring;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The monitor's state for the views (MVVM): read-only properties, changed only through
 * {@link #offer}. Snapshots arrive from background threads and are coalesced: the newest wins and at
 * most one {@code Platform.runLater} is outstanding at a time (STYLE.md).
 */
public final class MonitorViewModel {

    private final ReadOnlyObjectWrapper<ClusterSnapshot> snapshot;
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("connecting…");
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper("RingKV");
    private final ReadOnlyStringWrapper dataLocation = new ReadOnlyStringWrapper("");
    private final AtomicReference<ClusterSnapshot> latest = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    public MonitorViewModel(String source) {
        snapshot = new ReadOnlyObjectWrapper<>(ClusterSnapshot.waiting(source));
        title.set("RingKV — " + source);
    }

    public ReadOnlyObjectProperty<ClusterSnapshot> snapshotProperty() {
        return snapshot.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    /** Where the local sandbox keeps its data (empty when attached to a running cluster). */
    public ReadOnlyStringProperty dataLocationProperty() {
        return dataLocation.getReadOnlyProperty();
    }

    /** Shows where the sandbox's data lives, so the user knows what stays behind. */
    public void sandboxData(String path) {
        dataLocation.set("data: " + path);
    }

    /** Any thread: keeps the newest snapshot and schedules one FX update if none is pending. */
    public void offer(ClusterSnapshot s) {
        latest.set(s);
        if (scheduled.compareAndSet(false, true)) {
            Platform.runLater(this::applyLatest);
        }
    }

    /** FX thread: applies the newest snapshot. Package-visible so view-model tests can drive it directly. */
    void applyLatest() {
        scheduled.set(false);
        ClusterSnapshot s = latest.getAndSet(null);
        if (s != null) {
            apply(s);
        }
    }

    void apply(ClusterSnapshot s) {
        snapshot.set(s);
        status.set(describe(s));
    }

    static String describe(ClusterSnapshot s) {
        if (s.error() != null) {
            return "cannot reach " + s.source() + ": " + s.error();
        }
        Ring r = s.ring();
        if (r == null) {
            return "connecting to " + s.source() + "…";
        }
        long keys = s.keys().values().stream().mapToLong(Long::longValue).sum();
        return String.format(Locale.ROOT, "%d server%s · ring version %d · term %d · %d keys · watching %s",
                r.size(), r.size() == 1 ? "" : "s", r.version(), r.term(), keys, s.source());
    }
}
