package dev.ringkv.ecs;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.Session;
import dev.ringkv.wire.RespValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * The ECS's event log (the newest 1,000) and its watchers: a {@code RINGKV WATCH} connection first gets
 * {@code ["status", json]} and the recent events, then every new {@code ["event", json]} and a fresh
 * {@code ["status", json]} each half second and shortly after each event (so a watcher sees a crash's
 * effect at once) — like Redis pub/sub pushes in RESP2. ECS thread only.
 */
final class ClusterEvents {
    private static final int KEEP = 1_000;
    private static final long STATUS_EVERY_MILLIS = 500;
    /** Events come in bursts (a plan and its transfers): one status after the burst. */
    private static final long STATUS_AFTER_EVENT_MILLIS = 20;

    private final NodeContext ctx;
    private final Deque<ClusterEvent> recent = new ArrayDeque<>();
    private final List<Session> watchers = new ArrayList<>();
    private Supplier<ClusterStatus> status;
    private boolean pushing;
    private boolean pushSoon;
    private long seq;

    ClusterEvents(NodeContext ctx) {
        this.ctx = ctx;
    }

    void add(String kind, String text) {
        ClusterEvent e = new ClusterEvent(++seq, ctx.now(), kind, text);
        recent.addLast(e);
        if (recent.size() > KEEP) {
            recent.removeFirst();
        }
        push(event(e));
        if (!watchers.isEmpty() && !pushSoon) {
            pushSoon = true;
            ctx.schedule(STATUS_AFTER_EVENT_MILLIS, () -> {
                pushSoon = false;
                push(statusMessage());
            });
        }
    }

    List<ClusterEvent> recent() {
        return List.copyOf(recent);
    }

    void watch(Session s, Supplier<ClusterStatus> statusSupplier) {
        this.status = statusSupplier;
        s.reply(statusMessage());
        for (ClusterEvent e : recent) {
            s.reply(event(e));
        }
        watchers.add(s);
        if (!pushing) {
            pushing = true;
            ctx.schedule(STATUS_EVERY_MILLIS, this::pushStatus);
        }
    }

    private void pushStatus() {
        watchers.removeIf(Session::isClosed);
        if (watchers.isEmpty()) {
            pushing = false;
            return;
        }
        push(statusMessage());
        ctx.schedule(STATUS_EVERY_MILLIS, this::pushStatus);
    }

    private void push(RespValue v) {
        watchers.removeIf(Session::isClosed);
        if (watchers.isEmpty()) {
            return;
        }
        for (Session w : watchers) {
            w.reply(v);
        }
    }

    private RespValue statusMessage() {
        return new RespValue.Array(List.of(RespValue.bulk("status"), RespValue.bulk(status.get().toJson())));
    }

    private static RespValue event(ClusterEvent e) {
        return new RespValue.Array(List.of(RespValue.bulk("event"), RespValue.bulk(e.toJson())));
    }
}
