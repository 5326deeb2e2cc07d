package dev.ringkv.sim;

import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The result of one command a {@link SimClient} issued: pending until the reply arrives (any RESP value,
 * errors included: {@link #isReplied()}) or the connection fails without one ({@link #isFailed()}, e.g.
 * "connection reset" when the node crashed with the command pending). Completes once, on the simulation's
 * thread, at a virtual time ({@link #completedAt()}); nothing here blocks — drive the simulation instead.
 */
public final class Outcome {

    /** Where an outcome stands. */
    public enum State { PENDING, REPLIED, FAILED }

    private final String command;
    private final long issuedAt;
    private State state = State.PENDING;
    private RespValue reply;
    private String failure;
    private long completedAt = -1;
    private List<Consumer<Outcome>> listeners = new ArrayList<>();

    Outcome(String command, long issuedAt) {
        this.command = command;
        this.issuedAt = issuedAt;
    }

    public State state() {
        return state;
    }

    public boolean isPending() {
        return state == State.PENDING;
    }

    /** A reply arrived (it may be a RESP error such as {@code -ERR ...}). */
    public boolean isReplied() {
        return state == State.REPLIED;
    }

    /** The connection failed before a reply arrived: the command may or may not have taken effect. */
    public boolean isFailed() {
        return state == State.FAILED;
    }

    /** The reply; throws if there is none (yet). */
    public RespValue reply() {
        if (state != State.REPLIED) {
            throw new IllegalStateException(this + " has no reply");
        }
        return reply;
    }

    /** Why the command failed, or null. */
    public String failure() {
        return failure;
    }

    public long issuedAt() {
        return issuedAt;
    }

    /** Virtual time of completion, -1 while pending. */
    public long completedAt() {
        return completedAt;
    }

    /** Runs the callback on completion (at once if already complete), on the simulation's thread. */
    public Outcome whenDone(Consumer<Outcome> callback) {
        if (state == State.PENDING) {
            listeners.add(callback);
        } else {
            callback.accept(this);
        }
        return this;
    }

    void replied(RespValue value, long at) {
        complete(State.REPLIED, value, null, at);
    }

    void failed(String why, long at) {
        complete(State.FAILED, null, why, at);
    }

    private void complete(State s, RespValue value, String why, long at) {
        if (state != State.PENDING) {
            return;
        }
        state = s;
        reply = value;
        failure = why;
        completedAt = at;
        List<Consumer<Outcome>> run = listeners;
        listeners = List.of();
        run.forEach(l -> l.accept(this));
    }

    @Override
    public String toString() {
        return command + " -> " + switch (state) {
            case PENDING -> "pending";
            case REPLIED -> Render.value(reply) + " at t=" + completedAt;
            case FAILED -> "failed (" + failure + ") at t=" + completedAt;
        };
    }
}
