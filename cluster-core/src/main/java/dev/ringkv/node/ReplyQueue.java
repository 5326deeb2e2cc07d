package dev.ringkv.node;

import dev.ringkv.wire.RespValue;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The reply order of one connection (RESP pipelining): replies leave in the order their commands
 * arrived, whether given at once or later through a reserved slot. Every runtime's sessions share it.
 * Node thread only.
 */
public final class ReplyQueue {
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final Consumer<RespValue> emit;
    private boolean closed;

    /** @param emit receives each reply, in order, once everything before it has been emitted */
    public ReplyQueue(Consumer<RespValue> emit) {
        this.emit = emit;
    }

    public void reply(RespValue value) {
        if (closed) {
            return;
        }
        if (slots.isEmpty()) {
            emit.accept(value);
        } else {
            Slot s = new Slot();
            s.value = value;
            slots.add(s);
        }
    }

    public Session.PendingReply defer() {
        Slot s = new Slot();
        if (!closed) {
            slots.add(s);
        }
        return s;
    }

    /** Replies reserved or queued behind a reserved one, not yet emitted. */
    public int pending() {
        return slots.size();
    }

    /** The connection is gone: nothing more is emitted. */
    public void close() {
        closed = true;
        slots.clear();
    }

    private void drain() {
        while (!slots.isEmpty() && slots.peek().value != null) {
            emit.accept(slots.poll().value);
        }
    }

    private final class Slot implements Session.PendingReply {
        RespValue value;

        @Override
        public void complete(RespValue v) {
            if (value != null || closed) {
                return;
            }
            value = v;
            if (slots.peek() == this) {
                drain();
            }
        }
    }
}
