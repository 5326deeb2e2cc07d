package dev.ringkv.launcher;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.Closeable;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Follows the ECS's {@code RINGKV WATCH} stream (DESIGN §10) wherever the ECS role goes: when the
 * connection drops or falls silent, it asks every node it has heard of (the bootstrap and the members
 * of each pushed status) until one is or names the new ECS (DESIGN §8), and goes on there. Used by
 * {@code ringkv watch} and the desktop monitor. Blocking; one thread calls {@link #follow}, any thread
 * may {@link #close}.
 */
public final class ClusterWatch implements Closeable {

    /** The ECS pushes a status at least each half second; this long without a push means the connection is gone. */
    public static final int SILENCE_LIMIT_MILLIS = 10_000;

    /** What the stream delivers, on the thread calling {@link #follow}. */
    public interface Listener {
        void connected(ServerAddress ecs);

        void status(ClusterStatus status);

        void event(ClusterEvent event);

        /** The connection to {@code ecs} was lost; the watch is looking for the ECS now. */
        void lost(ServerAddress ecs, String why);
    }

    /** Why the stream cannot go on: no node names an ECS, or the ECS sent something unreadable. */
    public static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private final Set<ServerAddress> known = new LinkedHashSet<>();
    private final int timeoutMillis;
    private final Listener listener;
    private volatile EcsLink link;
    private volatile boolean closed;

    public ClusterWatch(List<ServerAddress> bootstrap, int timeoutMillis, Listener listener) {
        this.known.addAll(bootstrap);
        this.timeoutMillis = timeoutMillis;
        this.listener = listener;
    }

    /** Connects to the ECS through the bootstrap nodes, in order; the first push is delivered by {@link #follow}. */
    public void connect() throws Failure {
        try {
            link = EcsLink.askAny(new ArrayList<>(known), "WATCH", timeoutMillis);
        } catch (EcsLink.Failure e) {
            throw new Failure(e.getMessage());
        }
        listener.connected(link.address());
    }

    /** The ECS this watch is connected to, or null. */
    public ServerAddress ecs() {
        EcsLink l = link;
        return l == null ? null : l.address();
    }

    /** How many nodes the watch has heard of: where it looks for the ECS when the connection is lost. */
    public int knownNodes() {
        return known.size();
    }

    /**
     * Delivers pushes for {@code limit} (null: until {@link #close}), finding the ECS again whenever the
     * connection is lost.
     *
     * @throws Failure if no known node named an ECS within {@link #SILENCE_LIMIT_MILLIS} ms, or a push
     *     could not be read
     */
    public void follow(java.time.Duration limit) throws Failure {
        long deadlineNanos = limit == null ? 0 : System.nanoTime() + limit.toNanos();
        if (link == null) {
            connect();
        }
        RespValue push = link.firstReply();
        while (!closed) {
            deliver(push);
            int wait = SILENCE_LIMIT_MILLIS;
            if (limit != null) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                wait = (int) Math.min(wait, TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
            String why;
            try {
                push = link.read(wait);
                continue;
            } catch (SocketTimeoutException e) {
                if (wait < SILENCE_LIMIT_MILLIS) {
                    return; // the deadline is over (the wait was cut to it), not a silent ECS
                }
                why = "silent for " + SILENCE_LIMIT_MILLIS / 1000 + " s";
            } catch (IOException e) {
                why = EcsLink.why(e);
            }
            if (closed) {
                return;
            }
            ServerAddress lostAt = link.address();
            link.close();
            listener.lost(lostAt, why);
            link = findEcs(lostAt);
            if (link == null) {
                if (closed) {
                    return;
                }
                throw new Failure("no node named an ECS within " + SILENCE_LIMIT_MILLIS / 1000 + " s");
            }
            listener.connected(link.address());
            push = link.firstReply();
        }
    }

    /** Asks every known node (the lost ECS last) until one is or names the ECS; null after the silence limit. */
    private EcsLink findEcs(ServerAddress lost) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SILENCE_LIMIT_MILLIS);
        while (!closed && System.nanoTime() < until) {
            List<ServerAddress> ask = new ArrayList<>(known);
            ask.remove(lost);
            ask.add(lost);
            for (ServerAddress a : ask) {
                try {
                    return EcsLink.ask(a, "WATCH", timeoutMillis);
                } catch (EcsLink.Failure e) {
                    // not reachable, or no ECS yet (an election under way): the next one
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void deliver(RespValue push) throws Failure {
        if (!(push instanceof RespValue.Array a) || a.items().size() != 2
                || !(a.items().get(0) instanceof RespValue.Bulk kind)
                || !(a.items().get(1) instanceof RespValue.Bulk payload)) {
            throw new Failure(link.address() + " sent something that is not a watch push: " + push);
        }
        try {
            switch (kind.utf8()) {
                case "status" -> {
                    ClusterStatus st = ClusterStatus.fromJson(payload.utf8());
                    st.members().forEach(m -> known.add(ServerAddress.parse(m.address())));
                    listener.status(st);
                }
                case "event" -> listener.event(ClusterEvent.fromJson(payload.utf8()));
                default -> {
                    // a kind of push this version does not know: skip it, the stream goes on
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Failure(link.address() + " sent a " + kind.utf8() + " push that cannot be read: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        EcsLink l = link;
        if (l != null) {
            l.close();
        }
    }
}
