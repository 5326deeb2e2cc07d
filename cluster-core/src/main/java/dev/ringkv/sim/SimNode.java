package dev.ringkv.sim;

import dev.ringkv.node.Cancellable;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.FsyncPolicy;
import dev.ringkv.storage.LogStore;
import dev.ringkv.storage.StorageException;
import dev.ringkv.storage.StoreOptions;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One simulated node process: its logic, its store (a {@link LogStore} in a directory the simulation owns,
 * fsync {@code no}), its timers and its client sessions.
 *
 * <p>Every event the node handles (start, timer, message, client command, unreachable notice) is one
 * <em>turn</em>, as in the NIO runtime's event loop: the logic runs, then the group commit flushes the
 * store if it has pending writes (which completes durable-write replies), then replies leave. So no reply
 * ever leaves before the flush that made its write durable.
 *
 * <p>Lifecycle (driven through {@link Simulation}): crash is SIGKILL (no {@code onStop}; timers, queued
 * and in-flight input die with the incarnation; the store is closed with every flushed write on disk);
 * restart reopens the same directory with fresh logic; pause is SIGSTOP (input queues, timers wait, nobody
 * is told) and resume processes the backlog in arrival order before anything newer. Every crash and
 * restart bumps the incarnation; events addressed to an older one are discarded.
 *
 * <p>Like the NIO runtime, a turn flushes once. Writes that a durability listener applies during that
 * flush stay pending until the node's next turn; if the node crashes first, closing the store writes
 * them, where a real SIGKILL would lose them. None of them can have been acknowledged, so in this one
 * corner the simulation is kinder than a real crash, never harsher.
 *
 * <p>Who hears of a crash (the rule of the NIO runtime, where only an outbound {@code PeerLink} reports a
 * reset): every live peer that has sent to this incarnation, unless a partition separates them, gets
 * {@code onPeerUnreachable} one latency later, after whatever the dead node had already sent it. Peers
 * that only received from it are not told; they learn on their next send (refused).
 */
public final class SimNode {

    private final Simulation sim;
    private final ServerAddress address;
    private final Function<NodeContext, NodeLogic> factory;
    private final Path dir;
    private final ArrayDeque<Event> backlog = new ArrayDeque<>();
    /** Peers this incarnation has an open outbound connection to, with the peer's incarnation. */
    private final Map<ServerAddress, Integer> openLinks = new LinkedHashMap<>();
    private final Set<SimClient> sessions = new LinkedHashSet<>();
    private final List<SimClient> dirty = new ArrayList<>();
    private int incarnation;
    private boolean up;
    private boolean paused;
    private boolean inTurn;
    private NodeLogic logic;
    private LogStore store;

    SimNode(Simulation sim, ServerAddress address, Function<NodeContext, NodeLogic> factory, Path dir) {
        this.sim = sim;
        this.address = address;
        this.factory = factory;
        this.dir = dir;
    }

    public ServerAddress address() {
        return address;
    }

    public boolean isUp() {
        return up;
    }

    public boolean isPaused() {
        return paused;
    }

    /** Starts at 1 and grows with every crash and restart. */
    public int incarnation() {
        return incarnation;
    }

    /** The current incarnation's logic; null while crashed. */
    public NodeLogic logic() {
        return logic;
    }

    /** The current incarnation's store; null while crashed. Read it between events, never during one. */
    public LogStore store() {
        return store;
    }

    /** Runs a task as a turn of this node, now (queued behind a pause), like {@code NioNode.execute}. */
    public void execute(Runnable task) {
        requireUp("execute on");
        sim.enqueue(new Event(sim.now(), sim.nextSeq(), this, incarnation, "execute " + address, task));
    }

    @Override
    public String toString() {
        return address + (up ? (paused ? " (paused)" : "") : " (down)") + " #" + incarnation;
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    void start() {
        if (up) {
            throw new IllegalStateException(address + " is already up");
        }
        incarnation++;
        // members keep their tombstones, as Servers.kvServer configures them
        store = LogStore.open(StoreOptions.builder(dir).fsyncPolicy(FsyncPolicy.NO).tombstoneRetention(Long.MAX_VALUE).build());
        Random random = new Random(sim.random().nextLong());
        up = true;
        paused = false;
        logic = factory.apply(new SimContext(sim, this, incarnation, random, store));
        sim.trace(() -> (incarnation == 1 ? "start " : "restart ") + address + " #" + incarnation);
        sim.enqueue(new Event(sim.now(), sim.nextSeq(), this, incarnation, "onStart " + address,
                () -> logic.onStart()));
    }

    void crash() {
        requireUp("crash");
        if (inTurn) {
            throw new IllegalStateException(address + " cannot crash from inside its own turn");
        }
        sim.trace(() -> "crash " + address + " #" + incarnation);
        int dead = incarnation++;
        up = false;
        paused = false;
        backlog.clear();
        dirty.clear();
        for (SimClient c : sessions) {
            c.resetByServer();
        }
        sessions.clear();
        closeStore();
        logic = null;
        openLinks.clear();
        for (SimNode peer : sim.nodes()) {
            // the kernel resets the connections peers had opened to this process (as PeerLink sees it)
            if (peer != this && peer.up && Integer.valueOf(dead).equals(peer.openLinks.remove(address))
                    && sim.network().connected(address, peer.address)) {
                long at = sim.network().link(address, peer.address).deliveryTime(sim.now(), sim.network().latency());
                peer.notifyUnreachableAt(address, at);
            }
        }
    }

    void pause() {
        requireUp("pause");
        paused = true;
        sim.trace(() -> "pause " + address);
    }

    void resume() {
        requireUp("resume");
        if (!paused) {
            return;
        }
        paused = false;
        sim.trace(() -> "resume " + address + " with " + backlog.size() + " queued");
        if (!backlog.isEmpty()) {
            drainLater();
        }
    }

    /** Closes the store at the end of the simulation, as a kill would (no onStop). */
    void shutdown() {
        if (up) {
            up = false;
            closeStore();
            logic = null;
        }
    }

    private void closeStore() {
        try {
            store.close();
        } catch (StorageException e) {
            sim.trace(() -> "store close failed on " + address + ": " + e.getMessage());
        }
        store = null;
    }

    // ---- events ---------------------------------------------------------------------------------

    Cancellable schedule(long delayMillis, Runnable task) {
        Event e = new Event(sim.now() + Math.max(0, delayMillis), sim.nextSeq(), this, incarnation,
                "timer " + address, task);
        sim.enqueue(e);
        return () -> e.cancelled = true;
    }

    /** Input (a message, a command) reaching this node now, addressed to the given incarnation. */
    void arrive(int forIncarnation, String label, Consumer<NodeLogic> action) {
        accept(new Event(sim.now(), sim.nextSeq(), this, forIncarnation, label, () -> action.accept(logic)));
    }

    /** A send to a peer that is down was refused: the logic hears of it after the given delay. */
    void notifyUnreachable(ServerAddress peer, long delay) {
        notifyUnreachableAt(peer, sim.now() + delay);
    }

    private void notifyUnreachableAt(ServerAddress peer, long at) {
        sim.enqueue(new Event(at, sim.nextSeq(), this, incarnation, "unreachable " + peer + " told " + address,
                () -> logic.onPeerUnreachable(peer)));
    }

    void linkOpened(SimNode peer) {
        openLinks.put(peer.address, peer.incarnation);
    }

    void attach(SimClient client) {
        sessions.add(client);
    }

    void detach(SimClient client) {
        sessions.remove(client);
    }

    void dirty(SimClient client) {
        dirty.add(client);
    }

    /** An event of this node is due: run it as a turn, queue it behind a pause, or drop it if stale. */
    void accept(Event e) {
        if (e.incarnation != incarnation || !up) {
            sim.trace(() -> "discard (dead incarnation) " + e.label);
            return;
        }
        if (e.cancelled) {
            return;
        }
        if (paused || !backlog.isEmpty()) {
            backlog.add(e);
            return;
        }
        turn(e);
    }

    /** One backlog event per simulation event, so arrivals during the drain queue behind it. */
    private void drainLater() {
        int inc = incarnation;
        sim.at(sim.now(), "drain " + address, () -> {
            if (inc != incarnation || paused || backlog.isEmpty()) {
                return;
            }
            Event e = backlog.poll();
            if (!e.cancelled) {
                turn(e);
            }
            if (!backlog.isEmpty() && inc == incarnation) {
                drainLater();
            }
        });
    }

    private void turn(Event e) {
        inTurn = true;
        try {
            sim.trace(() -> e.label);
            e.action.run();
            if (store.hasPendingWrites()) {
                sim.trace(() -> "flush " + address);
                store.flush(); // the group commit: durable-write replies complete here
            }
            if (logic != null) {
                logic.onTurnEnd();
            }
            for (SimClient c : dirty) {
                c.shipReplies();
            }
            dirty.clear();
        } catch (RuntimeException ex) {
            throw new IllegalStateException("t=" + sim.now() + " " + address + " failed in " + e.label
                    + " (seed " + sim.seed() + ")", ex);
        } finally {
            inTurn = false;
        }
    }

    private void requireUp(String what) {
        if (!up) {
            throw new IllegalStateException("cannot " + what + " " + address + ": it is down");
        }
    }
}
