package dev.ringkv.sim;

import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.ring.ServerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The deterministic simulation runtime (DESIGN §3): node logic written against {@link NodeContext} runs
 * here unchanged, on virtual time, with a simulated network ({@link #network()}), crashes, restarts and
 * pauses, and simulated clients ({@link #client}).
 *
 * <p>Determinism: one seeded {@link Random} is the only source of chance (latencies, faults, each node
 * incarnation's own {@code random()}, and whatever the test draws from {@link #random()}); events run in
 * (virtual time, insertion order); there are no threads, no wall clock and no sleeps. The same seed and
 * the same test code give the same trace and the same outcomes, so a failing seed replays exactly.
 *
 * <p>Time stands still between events: {@link #now()} is the time of the event being handled. Nothing
 * happens unless the test drives it with {@link #step()}, {@link #runFor} or {@link #runUntil}.
 *
 * <p>An exception escaping node logic stops the run: it is rethrown (wrapped, naming the node, the event
 * and the seed) from the driving call. The NIO runtime would log it and go on; here it is a bug to see.
 *
 * <p>Threading: one thread, the test's. Not thread-safe. Close it to close the stores and delete the
 * temporary directory holding them.
 */
public final class Simulation implements AutoCloseable {

    /** More events than this at one virtual instant is a livelock (a zero-delay timer loop, say). */
    static final int MAX_EVENTS_PER_INSTANT = 1_000_000;

    private long maxEventsPerInstant = MAX_EVENTS_PER_INSTANT;

    private final long seed;
    private final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(Event.ORDER);
    private final Map<ServerAddress, SimNode> nodes = new LinkedHashMap<>();
    private final Network network = new Network(this);
    private final Path root;
    private Consumer<String> trace;
    private long now;
    private long seq;
    private long nextClientId = 1;
    private long instantEvents;
    private boolean closed;

    public Simulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        try {
            this.root = Files.createTempDirectory("ringkv-sim-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the simulation's data directory", e);
        }
    }

    public long seed() {
        return seed;
    }

    /** Virtual milliseconds since the start (0). */
    public long now() {
        return now;
    }

    /** The simulation's seeded random: draw test choices (what to crash, when) from it to keep replays exact. */
    public Random random() {
        return random;
    }

    public Network network() {
        return network;
    }

    /** Sends every trace line ("t=12 send a:1 -> b:2 [PING]") to the sink; null turns tracing off (the default). */
    public Simulation trace(Consumer<String> sink) {
        this.trace = sink;
        return this;
    }

    public boolean tracing() {
        return trace != null;
    }

    // ---- nodes ----------------------------------------------------------------------------------

    /**
     * Adds a node and starts it: its store opens in a fresh directory, the factory builds its logic, and
     * {@code onStart} runs as its first turn (at the current time, once the simulation runs).
     */
    public SimNode addNode(ServerAddress address, Function<NodeContext, NodeLogic> factory) {
        requireOpen();
        if (nodes.containsKey(address)) {
            throw new IllegalArgumentException(address + " is already in the simulation");
        }
        SimNode node = new SimNode(this, address, factory, root.resolve(address.host() + "_" + address.port()));
        nodes.put(address, node);
        node.start();
        return node;
    }

    /** The node at that address; throws if there is none. */
    public SimNode node(ServerAddress address) {
        SimNode n = nodes.get(address);
        if (n == null) {
            throw new IllegalArgumentException("no node " + address + " in the simulation");
        }
        return n;
    }

    /** Every node, in the order added. */
    public List<SimNode> nodes() {
        return List.copyOf(nodes.values());
    }

    /** SIGKILL: see {@link SimNode}. Peers with a connection to it hear {@code onPeerUnreachable} one latency later. */
    public void crash(ServerAddress address) {
        node(address).crash();
    }

    /** Starts a crashed node again on its store: new logic from the factory, then {@code onStart}. */
    public void restart(ServerAddress address) {
        requireOpen();
        node(address).start();
    }

    /** SIGSTOP: the node handles nothing until {@link #resume}; its input queues, its timers wait. */
    public void pause(ServerAddress address) {
        node(address).pause();
    }

    /** SIGCONT: the node handles its backlog in arrival order, then carries on. */
    public void resume(ServerAddress address) {
        node(address).resume();
    }

    /** Opens a client connection to the node (refused, one latency later, if the node is down). */
    public SimClient client(ServerAddress address) {
        return new SimClient(this, node(address), nextClientId++);
    }

    /** Runs a test action at {@code now + delayMillis} of virtual time (e.g. a crash in the middle of a run). */
    public void schedule(long delayMillis, Runnable action) {
        at(now + Math.max(0, delayMillis), "harness action", action);
    }

    // ---- driving --------------------------------------------------------------------------------

    /** Handles the next event, advancing time to it. Returns false if nothing is left to happen. */
    public boolean step() {
        Event e = queue.poll();
        if (e == null) {
            return false;
        }
        if (e.time == now) {
            if (++instantEvents > maxEventsPerInstant) {
                throw new IllegalStateException("livelock: more than " + maxEventsPerInstant
                        + " events at t=" + now + ", the last " + e.label + " (seed " + seed + ")");
            }
        } else {
            now = e.time;
            instantEvents = 1;
        }
        if (e.cancelled) {
            return true;
        }
        if (e.node != null) {
            e.node.accept(e);
        } else {
            e.action.run();
        }
        return true;
    }

    /** Handles every event due within the next {@code millis}, then sets the clock to exactly now + millis. */
    public void runFor(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("negative duration " + millis);
        }
        long deadline = now + millis;
        while (!queue.isEmpty() && queue.peek().time <= deadline) {
            step();
        }
        advanceTo(deadline);
    }

    /**
     * Handles events until the condition holds (checked before the first and after every event) or the next
     * event lies beyond {@code now + maxMillis}; in the latter case the clock ends at exactly that deadline.
     *
     * @return whether the condition held
     */
    public boolean runUntil(BooleanSupplier condition, long maxMillis) {
        if (maxMillis < 0) {
            throw new IllegalArgumentException("negative duration " + maxMillis);
        }
        long deadline = now + maxMillis;
        while (!condition.getAsBoolean()) {
            if (queue.isEmpty() || queue.peek().time > deadline) {
                advanceTo(deadline);
                return condition.getAsBoolean();
            }
            step();
        }
        return true;
    }

    /** Closes every store (no {@code onStop}: the processes are simply gone) and deletes the data directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.clear();
        nodes.values().forEach(SimNode::shutdown);
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the simulation's data directory " + root, e);
        }
    }

    // ---- package internals ----------------------------------------------------------------------

    void trace(Supplier<String> line) {
        if (trace != null) {
            trace.accept("t=" + now + " " + line.get());
        }
    }

    long nextSeq() {
        return seq++;
    }

    void enqueue(Event e) {
        queue.add(e);
    }

    /** Schedules a simulation-level event (network arrival, client-side delivery, harness action). */
    void at(long time, String label, Runnable action) {
        queue.add(new Event(time, seq++, null, 0, label, action));
    }

    SimNode nodeOrNull(ServerAddress address) {
        return nodes.get(address);
    }

    private void advanceTo(long time) {
        if (time != now) {
            now = time;
            instantEvents = 0;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the simulation is closed");
        }
    }

    /** For diagnostics: how many events are waiting. */
    int queued() {
        return queue.size();
    }

    /** Lowers the livelock limit (tests of the guard itself). */
    void maxEventsPerInstant(long limit) {
        this.maxEventsPerInstant = limit;
    }
}
