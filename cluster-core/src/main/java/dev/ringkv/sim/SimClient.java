package dev.ringkv.sim;

import dev.ringkv.node.ReplyQueue;
import dev.ringkv.node.Session;
import dev.ringkv.node.SessionState;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated client connection to one node: the test's side issues commands ({@link #call}) and gets
 * {@link Outcome}s; the node's side is this object as its {@link Session}.
 *
 * <p>Contract: commands reach the node after a network latency, in order (pipelining: the client need
 * not wait for replies); replies leave the node in command order at the end of the turn that produced
 * them (after the store's flush), a deferred slot holding back the replies behind it, and reach the client
 * one latency later. If the node is down when the client connects, or crashes, every pending command
 * fails one latency later ("connection refused" / "connection reset"); so does anything issued before
 * the failure arrives. After that the connection is closed for good: commands fail at once, and a new
 * {@link Simulation#client} is needed (after a restart, say). A paused node just holds the commands.
 * Client links see latency and FIFO but no partitions, loss or duplication.
 *
 * <p>{@link #isClosed()} is the node's view (as {@link Session} defines it); {@link #isConnected()} the
 * client's.
 */
public final class SimClient implements Session {

    private final Simulation sim;
    private final SimNode node;
    private final long id;
    private final int incarnation;
    private final SessionState state = new SessionState();
    private final Link toNode = new Link();
    private final Link fromNode = new Link();
    // node side
    private final List<RespValue> ready = new ArrayList<>();
    private final ReplyQueue replies = new ReplyQueue(v -> {
        ready.add(v);
        markDirty();
    });
    private boolean dirty;
    private boolean closing;
    private boolean nodeClosed;
    // client side
    private final ArrayDeque<Outcome> pending = new ArrayDeque<>();
    private boolean clientClosed;
    private String closeReason;

    SimClient(Simulation sim, SimNode node, long id) {
        this.sim = sim;
        this.node = node;
        this.id = id;
        if (node.isUp()) {
            this.incarnation = node.incarnation();
            node.attach(this);
        } else {
            this.incarnation = -1;
            nodeClosed = true;
            sim.at(fromNode.deliveryTime(sim.now(), sim.network().latency()), "refuse " + name(),
                    () -> closeClientSide("connection refused by " + node.address()));
        }
    }

    /** The node this connection goes to. */
    public ServerAddress server() {
        return node.address();
    }

    /** Issues a command (text arguments, UTF-8). */
    public Outcome call(String... args) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return call(bytes);
    }

    /** Issues a command (binary-safe arguments, copied). */
    public Outcome call(byte[]... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("a command needs at least one argument");
        }
        byte[][] copy = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            copy[i] = args[i].clone();
        }
        String text = name() + " " + Render.message(copy);
        Outcome outcome = new Outcome(text, sim.now());
        if (clientClosed) {
            outcome.failed(closeReason, sim.now());
            return outcome;
        }
        pending.add(outcome);
        sim.trace(() -> "call " + text + " -> " + node.address());
        long at = toNode.deliveryTime(sim.now(), sim.network().latency());
        sim.at(at, "arrive " + name(), () -> node.arrive(incarnation, "command " + text + " at " + node.address(),
                logic -> {
                    if (!nodeClosed && !closing) {
                        logic.onCommand(this, copy);
                    }
                }));
        return outcome;
    }

    /** The client closes its socket: pending commands fail now, the node sees the close one latency later. */
    public void close() {
        if (clientClosed) {
            return;
        }
        closeClientSide("closed by the client");
        sim.at(toNode.deliveryTime(sim.now(), sim.network().latency()), "close " + name(), () -> {
            nodeClosed = true;
            node.detach(this);
        });
    }

    /** The client's view: false once the connection was refused, reset, or closed by either side. */
    public boolean isConnected() {
        return !clientClosed;
    }

    /** Commands issued and not yet answered or failed. */
    public int pendingCount() {
        return pending.size();
    }

    // ---- Session (the node's side) ---------------------------------------------------------------

    @Override
    public long id() {
        return id;
    }

    @Override
    public void reply(RespValue value) {
        if (!nodeClosed) {
            replies.reply(value);
        }
    }

    @Override
    public PendingReply defer() {
        return replies.defer();
    }

    @Override
    public void closeAfterReplies() {
        closing = true;
        markDirty();
    }

    @Override
    public boolean isClosed() {
        return nodeClosed;
    }

    @Override
    public String remoteAddress() {
        return "sim-client-" + id;
    }

    @Override
    public SessionState state() {
        return state;
    }

    @Override
    public String toString() {
        return name() + " -> " + node.address();
    }

    // ---- internals ----------------------------------------------------------------------------------

    private String name() {
        return "c" + id;
    }

    private void markDirty() {
        if (!dirty && !nodeClosed) {
            dirty = true;
            node.dirty(this);
        }
    }

    /** End of the node's turn (after the flush): ready replies go on the wire, in order. */
    void shipReplies() {
        dirty = false;
        if (nodeClosed) {
            return;
        }
        for (RespValue v : ready) {
            sim.trace(() -> "reply " + node.address() + " -> " + name() + " " + Render.value(v));
            sim.at(fromNode.deliveryTime(sim.now(), sim.network().latency()), "reply to " + name(), () -> {
                Outcome o = pending.poll();
                if (o != null) {
                    o.replied(v, sim.now());
                }
            });
        }
        ready.clear();
        if (closing && replies.pending() == 0) {
            nodeClosed = true;
            node.detach(this);
            sim.at(fromNode.deliveryTime(sim.now(), sim.network().latency()), "server closed " + name(),
                    () -> closeClientSide("connection closed by " + node.address()));
        }
    }

    /** The node crashed: its side is gone now; the client hears the reset after the replies in flight. */
    void resetByServer() {
        nodeClosed = true;
        replies.close();
        ready.clear();
        sim.at(fromNode.deliveryTime(sim.now(), sim.network().latency()), "reset " + name(),
                () -> closeClientSide("connection reset by " + node.address()));
    }

    private void closeClientSide(String why) {
        if (clientClosed) {
            return;
        }
        clientClosed = true;
        closeReason = why;
        sim.trace(() -> name() + " " + why + ", failing " + pending.size() + " pending");
        Outcome o;
        while ((o = pending.poll()) != null) {
            o.failed(why, sim.now());
        }
    }
}
