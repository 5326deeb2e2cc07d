package dev.ringkv.ui;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import dev.ringkv.monitor.ClusterStatus.PlanStatus;
import dev.ringkv.monitor.ClusterStatus.TransferStatus;
import dev.ringkv.ring.Position;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;

/**
 * The monitor's state for the views (MVVM, DESIGN §10): read-only properties and lists, changed only
 * through command methods and the {@code offer…} inputs. Inputs arrive from background threads and are
 * coalesced: the newest status wins, events queue up, and at most one {@code Platform.runLater} is
 * outstanding at a time (STYLE.md). Everything else runs on the FX thread.
 */
public final class MonitorViewModel {

    /** The event kinds the timeline can be filtered to; "all" shows every one. */
    public static final List<String> EVENT_KINDS = List.of("all", "member", "ring", "plan", "transfer", "repair",
            "ecs", "election", "action");
    static final int KEEP_EVENTS = 5_000;
    static final int OPS_POINTS = 120;
    static final int PAGE_SIZE = 50;

    private final Backend backend;

    // ---- inputs from background threads, coalesced
    private final AtomicReference<ClusterStatus> latestStatus = new AtomicReference<>();
    private final AtomicReference<List<KeyDot>> latestKeys = new AtomicReference<>();
    private final AtomicReference<StoragePage> latestStorage = new AtomicReference<>();
    private final AtomicReference<KeyResult> latestResult = new AtomicReference<>();
    private final AtomicReference<String> latestConnection = new AtomicReference<>();
    private final AtomicReference<String> latestData = new AtomicReference<>();
    private final Queue<ClusterEvent> newEvents = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final long startNanos = System.nanoTime();

    // ---- state the views bind to (FX thread)
    private final ReadOnlyObjectWrapper<ClusterStatus> status = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Ring> ring = new ReadOnlyObjectWrapper<>();
    private final ObservableList<MemberRow> members = FXCollections.observableArrayList();
    // one read-only view per list: a fresh unmodifiable wrapper per call would drop its listeners when collected
    private final ObservableList<MemberRow> membersView = FXCollections.unmodifiableObservableList(members);
    private final ReadOnlyStringWrapper ecs = new ReadOnlyStringWrapper("");
    private final ReadOnlyLongWrapper term = new ReadOnlyLongWrapper();
    private final ReadOnlyStringWrapper headline = new ReadOnlyStringWrapper("connecting…");
    private final ReadOnlyStringWrapper connection = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper("RingKV monitor");
    private final ReadOnlyStringWrapper dataLocation = new ReadOnlyStringWrapper("");
    private final ObservableList<ClusterEvent> events = FXCollections.observableArrayList();
    private final FilteredList<ClusterEvent> shownEvents = new FilteredList<>(events);
    private final java.util.Set<ClusterEvent> seen = new java.util.LinkedHashSet<>();
    private String eventKind = "all";
    private String eventText = "";
    private final ObservableList<TransferRow> transfers = FXCollections.observableArrayList();
    private final ObservableList<TransferRow> transfersView = FXCollections.unmodifiableObservableList(transfers);
    private final ReadOnlyLongWrapper underReplicated = new ReadOnlyLongWrapper();
    private final ReadOnlyStringWrapper healing = new ReadOnlyStringWrapper("");
    private final ReadOnlyObjectWrapper<List<KeyDot>> keyDots = new ReadOnlyObjectWrapper<>(List.of());
    private final Map<ServerAddress, Deque<double[]>> opsHistory = new HashMap<>();
    private final ReadOnlyIntegerWrapper opsRevision = new ReadOnlyIntegerWrapper();
    private final Map<ServerAddress, Integer> colors = new HashMap<>();
    private final ReadOnlyObjectWrapper<ServerAddress> selectedNode = new ReadOnlyObjectWrapper<>();
    private final ObservableList<EntryRow> storageRows = FXCollections.observableArrayList();
    private final ObservableList<EntryRow> storageRowsView = FXCollections.unmodifiableObservableList(storageRows);
    private final ReadOnlyStringWrapper storageSummary = new ReadOnlyStringWrapper("select a server to list what it stores");
    private final Deque<String> pageStarts = new ArrayDeque<>();
    private String nextCursor = "";
    private final ReadOnlyBooleanWrapper hasNextPage = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper hasPreviousPage = new ReadOnlyBooleanWrapper();
    private final ReadOnlyObjectWrapper<KeyResult> highlight = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper result = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper loadRunning = new ReadOnlyBooleanWrapper();

    /**
     * The answer to a put/get/delete, or a key picked in the storage table: where the key sits and who holds it.
     *
     * @param answeredBy the node that answered (null for a key picked in the table)
     * @param holders the key's coordinator and replicas in the ring the monitor showed
     */
    public record KeyResult(String key, Position position, List<ServerAddress> holders, ServerAddress answeredBy,
                            String text) {
    }

    /** @param backend makes the backend that answers this view-model's commands (it offers its results here) */
    public MonitorViewModel(String source, java.util.function.Function<MonitorViewModel, Backend> backend) {
        this.backend = backend.apply(this);
        title.set("RingKV monitor — " + source);
        headline.set("connecting to " + source + "…");
    }

    // ======================================================================== inputs (any thread)

    public void offerStatus(ClusterStatus s) {
        latestStatus.set(s);
        schedule();
    }

    public void offerEvent(ClusterEvent e) {
        newEvents.add(e);
        schedule();
    }

    /** A line about the monitor's own connection: which ECS it watches, or why it cannot. */
    public void offerConnection(String text) {
        latestConnection.set(text);
        schedule();
    }

    public void offerKeys(List<KeyDot> sample) {
        latestKeys.set(List.copyOf(sample));
        schedule();
    }

    public void offerStorage(StoragePage page) {
        latestStorage.set(page);
        schedule();
    }

    public void offerResult(KeyResult r) {
        latestResult.set(r);
        schedule();
    }

    /** Something the user did (or that failed), shown in the timeline as an {@code action} event. */
    public void offerAction(String text) {
        newEvents.add(new ClusterEvent(-1, System.nanoTime() / 1_000_000, "action", text));
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            Platform.runLater(this::applyPending);
        }
    }

    /** FX thread: applies everything that arrived since the last update. Package-visible for tests. */
    void applyPending() {
        scheduled.set(false);
        String c = latestConnection.getAndSet(null);
        if (c != null) {
            connection.set(c);
        }
        String d = latestData.getAndSet(null);
        if (d != null) {
            dataLocation.set(d);
        }
        List<ClusterEvent> batch = new ArrayList<>();
        for (ClusterEvent e; (e = newEvents.poll()) != null; ) {
            batch.add(e);
        }
        if (!batch.isEmpty()) {
            appendEvents(batch);
        }
        ClusterStatus s = latestStatus.getAndSet(null);
        if (s != null) {
            applyStatus(s);
        }
        List<KeyDot> k = latestKeys.getAndSet(null);
        if (k != null) {
            keyDots.set(k);
        }
        StoragePage p = latestStorage.getAndSet(null);
        if (p != null) {
            applyStorage(p);
        }
        KeyResult r = latestResult.getAndSet(null);
        if (r != null) {
            highlight.set(r.holders().isEmpty() ? null : r);
            result.set(r.text());
        }
    }

    private void appendEvents(List<ClusterEvent> batch) {
        // a reconnect replays the ECS's recent events: keep each (seq, time, kind, text) once
        List<ClusterEvent> fresh = new ArrayList<>(batch.size());
        for (ClusterEvent e : batch) {
            if (e.seq() < 0 || seen.add(e)) {
                fresh.add(e);
            }
        }
        while (seen.size() > KEEP_EVENTS) {
            seen.remove(seen.iterator().next());
        }
        events.addAll(fresh);
        if (events.size() > KEEP_EVENTS) {
            events.remove(0, events.size() - KEEP_EVENTS);
        }
    }

    void applyStatus(ClusterStatus s) {
        status.set(s);
        Ring r = ringOf(s);
        if (!r.equals(ring.get())) {
            ring.set(r);
            KeyResult h = highlight.get();
            if (h != null && !r.isEmpty()) {
                // the highlighted key's holders follow the ring
                highlight.set(new KeyResult(h.key(), h.position(), r.replicasOf(h.position(), s.replicas()),
                        h.answeredBy(), h.text()));
            }
        }
        ecs.set(s.ecs());
        term.set(s.term());
        List<MemberRow> rows = new ArrayList<>();
        double t = (System.nanoTime() - startNanos) / 1e9;
        for (MemberStatus m : s.members()) {
            ServerAddress a = ServerAddress.parse(m.address());
            rows.add(MemberRow.of(m, m.address().equals(s.ecs()), colorOf(a)));
            Deque<double[]> h = opsHistory.computeIfAbsent(a, x -> new ArrayDeque<>());
            h.addLast(new double[] {t, m.state().equals("DOWN") ? 0 : m.opsPerSecond()});
            while (h.size() > OPS_POINTS) {
                h.removeFirst();
            }
        }
        opsRevision.set(opsRevision.get() + 1);
        updateInPlace(members, rows);
        List<TransferRow> tr = new ArrayList<>();
        addTransfers(tr, s.plan());
        addTransfers(tr, s.repair());
        if (!tr.equals(transfers)) {
            transfers.setAll(tr);
        }
        long before = underReplicated.get();
        underReplicated.set(s.underReplicatedKeys());
        if (s.underReplicatedKeys() > 0 || s.repair() != null) {
            healing.set(String.format(Locale.ROOT, "healing: %,d key copies to rebuild", s.underReplicatedKeys()));
        } else if (before > 0 || healing.get().startsWith("healing")) {
            healing.set(String.format(Locale.ROOT, "healed: every key has its %d copies", s.replicas()));
        } else {
            healing.set(String.format(Locale.ROOT, "every key has its %d copies", s.replicas()));
        }
        headline.set(describe(s));
    }

    /** The published ring a status describes: its members in the ring, its version and term. */
    static Ring ringOf(ClusterStatus s) {
        return new Ring(s.ringVersion(), s.term(), s.members().stream().filter(MemberStatus::inRing)
                .map(m -> ServerAddress.parse(m.address())).toList());
    }

    /**
     * Replaces only the rows that changed when the servers are the same as before: replacing the whole
     * list twice a second would make the table rebuild its rows and lose a click that lands meanwhile.
     */
    private static void updateInPlace(ObservableList<MemberRow> list, List<MemberRow> rows) {
        boolean sameServers = list.size() == rows.size();
        for (int i = 0; sameServers && i < rows.size(); i++) {
            sameServers = list.get(i).address().equals(rows.get(i).address());
        }
        if (!sameServers) {
            list.setAll(rows);
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            if (!list.get(i).equals(rows.get(i))) {
                list.set(i, rows.get(i));
            }
        }
    }

    private static void addTransfers(List<TransferRow> out, PlanStatus p) {
        if (p == null) {
            return;
        }
        for (TransferStatus t : p.transfers()) {
            double progress = t.done() ? 1 : t.entriesTotal() <= 0 ? -1
                    : Math.min(1, (double) t.entriesSent() / t.entriesTotal());
            String count = t.entriesTotal() < 0 ? t.entriesSent() + " sent"
                    : t.entriesSent() + "/" + t.entriesTotal();
            out.add(new TransferRow(String.format(Locale.ROOT, "%s %s → %s  (%s..%s)  %s", p.kind().toLowerCase(Locale.ROOT),
                    t.from(), t.to(), t.rangeFrom().substring(0, 6), t.rangeTo().substring(0, 6), count),
                    progress, t.done()));
        }
    }

    static String describe(ClusterStatus s) {
        long up = s.members().stream().filter(m -> m.state().equals("UP")).count();
        long keys = s.members().stream().filter(MemberStatus::inRing).mapToLong(MemberStatus::keys).sum();
        long servers = s.members().stream().filter(MemberStatus::inRing).count();
        return String.format(Locale.ROOT, "ECS %s · term %d · ring v%d · %d server%s in the ring, %d up · %,d key copies",
                s.ecs(), s.term(), s.ringVersion(), servers, servers == 1 ? "" : "s", up, keys);
    }

    private void applyStorage(StoragePage p) {
        if (!p.node().equals(selectedNode.get())) {
            return; // an answer for a node no longer selected
        }
        if (p.error() != null) {
            storageRows.clear();
            storageSummary.set("cannot read " + p.node() + ": " + p.error());
            hasNextPage.set(false);
            return;
        }
        storageRows.setAll(p.rows());
        nextCursor = p.nextCursor();
        hasNextPage.set(!nextCursor.isEmpty());
        hasPreviousPage.set(pageStarts.size() > 1);
        long replicas = p.replicasFor().values().stream().mapToLong(Long::longValue).sum();
        String forWhom = p.replicasFor().entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%,d for %s", e.getValue(), e.getKey()))
                .collect(Collectors.joining(", "));
        MemberRow m = members.stream().filter(x -> x.address().equals(p.node())).findFirst().orElse(null);
        storageSummary.set(String.format(Locale.ROOT, "%s coordinates %,d keys and holds %,d replicas%s%s · page %d",
                p.node(), p.coordinated(), replicas, forWhom.isEmpty() ? "" : " (" + forWhom + ")",
                m == null ? "" : String.format(Locale.ROOT, " · %,d entries, %s on disk", m.keys(), bytes(m.bytes())),
                pageStarts.size()));
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / 1024.0 / 1024.0);
    }

    /** A stable colour index per server, in the order the monitor first saw them. */
    int colorOf(ServerAddress a) {
        return colors.computeIfAbsent(a, x -> colors.size());
    }

    // ======================================================================== commands (FX thread)

    /** Selects a server: the ring shows its replica ranges, the storage table lists its first page. */
    public void select(ServerAddress node) {
        selectedNode.set(node);
        pageStarts.clear();
        storageRows.clear();
        if (node == null) {
            storageSummary.set("select a server to list what it stores");
            return;
        }
        storageSummary.set("reading " + node + "…");
        loadPage("-");
    }

    public void nextPage() {
        if (!nextCursor.isEmpty()) {
            loadPage(nextCursor);
        }
    }

    public void previousPage() {
        if (pageStarts.size() > 1) {
            pageStarts.removeLast();
            String start = pageStarts.removeLast();
            loadPage(start);
        }
    }

    /** Reads the selected node's current page again (after writes, or a ring change). */
    public void refreshStorage() {
        if (selectedNode.get() != null && !pageStarts.isEmpty()) {
            String start = pageStarts.removeLast();
            loadPage(start);
        }
    }

    private void loadPage(String cursor) {
        Ring r = ring.get();
        ClusterStatus s = status.get();
        if (r == null || s == null) {
            return;
        }
        pageStarts.addLast(cursor);
        backend.loadStorage(selectedNode.get(), cursor, r, s.replicas());
    }

    /** Highlights a stored key's holders on the ring. */
    public void selectEntry(EntryRow row) {
        Ring r = ring.get();
        ClusterStatus s = status.get();
        if (row == null || r == null || s == null || r.isEmpty()) {
            highlight.set(null);
            return;
        }
        List<ServerAddress> holders = r.replicasOf(row.position(), s.replicas());
        highlight.set(new KeyResult(row.key(), row.position(), holders, null, ""));
    }

    public void put(String key, String value) {
        keyCommand("PUT", key, value);
    }

    public void get(String key) {
        keyCommand("GET", key, null);
    }

    public void delete(String key) {
        keyCommand("DELETE", key, null);
    }

    private void keyCommand(String command, String key, String value) {
        if (key == null || key.isBlank()) {
            result.set("type a key first");
            return;
        }
        if (key.chars().anyMatch(Character::isWhitespace)) {
            result.set("a key has no spaces (the original system's rule; redis-cli takes any key)");
            return;
        }
        if (command.equals("PUT") && (value == null || value.isEmpty())) {
            result.set("type a value to put (delete removes a key)");
            return;
        }
        Ring r = ring.get();
        ClusterStatus s = status.get();
        if (r == null || s == null || r.isEmpty()) {
            result.set("no ring yet: nothing can answer");
            return;
        }
        result.set(command.toLowerCase(Locale.ROOT) + " " + key + "…");
        backend.keyCommand(command, key, value, r, s.replicas());
    }

    public void toggleLoad() {
        loadRunning.set(!loadRunning.get());
        backend.load(loadRunning.get());
    }

    /** Filters the timeline to one kind ({@code all}: every kind) and to events whose text contains {@code text}. */
    public void filterEvents(String kind, String text) {
        eventKind = kind == null ? "all" : kind;
        eventText = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        shownEvents.setPredicate(e -> (eventKind.equals("all") || e.kind().equals(eventKind))
                && (eventText.isEmpty() || e.text().toLowerCase(Locale.ROOT).contains(eventText)));
    }

    /** The timeline as shown (filtered), one event per line, ready to save or paste. */
    public String exportEvents() {
        StringBuilder b = new StringBuilder();
        for (ClusterEvent e : shownEvents) {
            b.append(eventLine(e)).append('\n');
        }
        return b.toString();
    }

    /** {@code +00:01:02.345  member    127.0.0.1:5101 is SUSPECT}: ECS time (the ECS's clock), kind, text. */
    public static String eventLine(ClusterEvent e) {
        long ms = e.atMillis();
        String when = e.seq() < 0 ? "monitor      " : String.format(Locale.ROOT, "+%02d:%02d:%02d.%03d",
                ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        return String.format(Locale.ROOT, "%s  %-8s  %s", when, e.kind(), e.text());
    }

    /** Any thread: shows where the sandbox keeps its data, so the user knows what stays behind. */
    public void offerSandboxData(String path) {
        latestData.set("sandbox data and logs: " + path + " (kept when the window closes)");
        schedule();
    }

    // ======================================================================== properties

    public Backend backend() {
        return backend;
    }

    public ReadOnlyObjectProperty<ClusterStatus> statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<Ring> ringProperty() {
        return ring.getReadOnlyProperty();
    }

    public ObservableList<MemberRow> members() {
        return membersView;
    }

    public ReadOnlyStringProperty ecsProperty() {
        return ecs.getReadOnlyProperty();
    }

    public ReadOnlyLongProperty termProperty() {
        return term.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty headlineProperty() {
        return headline.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty connectionProperty() {
        return connection.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty dataLocationProperty() {
        return dataLocation.getReadOnlyProperty();
    }

    /** The timeline, filtered by {@link #filterEvents}. */
    public ObservableList<ClusterEvent> events() {
        return shownEvents;
    }

    public ObservableList<TransferRow> transfers() {
        return transfersView;
    }

    public ReadOnlyLongProperty underReplicatedProperty() {
        return underReplicated.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty healingProperty() {
        return healing.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<List<KeyDot>> keyDotsProperty() {
        return keyDots.getReadOnlyProperty();
    }

    /** Changes each time a status adds a point to {@link #opsHistory}. */
    public ReadOnlyIntegerProperty opsRevisionProperty() {
        return opsRevision.getReadOnlyProperty();
    }

    /** Per server, its last {@value #OPS_POINTS} samples of {@code [seconds since start, ops/s]}. */
    public Map<ServerAddress, List<double[]>> opsHistory() {
        Map<ServerAddress, List<double[]>> out = new HashMap<>();
        opsHistory.forEach((a, h) -> out.put(a, List.copyOf(h)));
        return out;
    }

    public ReadOnlyObjectProperty<ServerAddress> selectedNodeProperty() {
        return selectedNode.getReadOnlyProperty();
    }

    public ObservableList<EntryRow> storageRows() {
        return storageRowsView;
    }

    public ReadOnlyStringProperty storageSummaryProperty() {
        return storageSummary.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty hasNextPageProperty() {
        return hasNextPage.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty hasPreviousPageProperty() {
        return hasPreviousPage.getReadOnlyProperty();
    }

    /** The key whose holders the ring highlights (the last put/get/delete, or the entry picked), or null. */
    public ReadOnlyObjectProperty<KeyResult> highlightProperty() {
        return highlight.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty resultProperty() {
        return result.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty loadRunningProperty() {
        return loadRunning.getReadOnlyProperty();
    }
}
