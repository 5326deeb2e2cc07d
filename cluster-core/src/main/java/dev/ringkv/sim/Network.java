package dev.ringkv.sim;

import dev.ringkv.ring.ServerAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The simulated network between nodes (DESIGN §3): seeded latency, per-link FIFO, partitions, random loss
 * and duplication. Client connections ({@link SimClient}) see latency and FIFO but none of the faults.
 *
 * <p>Rules, chosen to match TCP and the NIO runtime's {@code PeerLink}:
 * <ul>
 *   <li>Latency is drawn per message, uniformly from {@code [min, max]} ms (default 1–3); a message never
 *       overtakes an earlier one on the same directed link.</li>
 *   <li>{@link #cut}/{@link #isolate} is a partition: messages sent while cut, and those in flight when the
 *       cut happens, are lost silently. Nobody is told: only timeouts reveal a partition. A node can always
 *       reach itself.</li>
 *   <li>{@link #refuse}/{@link #isolateRefusing} is a partition that <em>refuses</em>, as a firewall
 *       rule {@code REJECT --reject-with tcp-reset} does: what is in flight is lost and every send across
 *       it is refused — the sender hears {@code onPeerUnreachable} one latency later, exactly as if the
 *       peer's process were dead. The peer is alive.</li>
 *   <li>{@link #dropOneWay} loses what goes one way only (the other direction delivers).</li>
 *   <li>{@link #slow} delays one direction of a link by a fixed extra time (seconds, say), in order: a
 *       late message still never overtakes an earlier one.</li>
 *   <li>{@link #dropProbability} loses each message independently, silently (the sender is not told).
 *       The survivors keep their order, so a receiver always gets an in-order subsequence of what was
 *       sent. This is harsher than TCP, where a hole means the connection broke and the next send opens a
 *       new one (usually with an {@code onPeerUnreachable}); it was chosen over dropping the link's whole
 *       in-flight window because then {@code p} stays the fraction of messages lost, whatever the load.</li>
 *   <li>{@link #duplicateProbability} delivers a copy of the message once more, one extra latency after the
 *       original; the copy is not held to FIFO, so it may arrive after later messages (a stale re-send).</li>
 *   <li>A send to a node that is down (or unknown) is refused: the message is lost and the sender's
 *       {@code onPeerUnreachable} runs one latency later, once per refused send.</li>
 * </ul>
 * Each send copies the message, so a sender cannot change what is delivered.
 *
 * <p>Threading: the simulation's thread only, like everything in this package.
 */
public final class Network {

    private record Pair(ServerAddress a, ServerAddress b) {
        /** The same key for both directions. */
        static Pair unordered(ServerAddress x, ServerAddress y) {
            return x.compareTo(y) <= 0 ? new Pair(x, y) : new Pair(y, x);
        }
    }

    private final Simulation sim;
    private final Map<Pair, Link> links = new HashMap<>();
    /** Partitioned pairs (both directions), each silent (false) or refusing (true). */
    private final Map<Pair, Boolean> cuts = new HashMap<>();
    /** Isolated nodes, each silent (false) or refusing (true). */
    private final Map<ServerAddress, Boolean> isolated = new HashMap<>();
    /** Directed pairs (from, to) whose messages are lost. */
    private final Set<Pair> oneWay = new HashSet<>();
    /** Directed pairs (from, to) with an extra delay, in ms. */
    private final Map<Pair, Long> slow = new HashMap<>();
    private int minLatency = 1;
    private int maxLatency = 3;
    private double dropProbability;
    private double duplicateProbability;

    Network(Simulation sim) {
        this.sim = sim;
    }

    /** Sets the latency range in ms for messages sent from now on (node links and client links). */
    public Network latency(int minMillis, int maxMillis) {
        if (minMillis < 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("latency range must be 0 <= min <= max, got " + minMillis + ".." + maxMillis);
        }
        this.minLatency = minMillis;
        this.maxLatency = maxMillis;
        return this;
    }

    /** Partitions a from b in both directions, silently, losing what is in flight between them. */
    public Network cut(ServerAddress a, ServerAddress b) {
        return cut(a, b, false);
    }

    /**
     * Partitions a from b in both directions, losing what is in flight, and refuses every send across the
     * cut: each side sees what a dead peer looks like ({@code onPeerUnreachable}), but both are alive.
     */
    public Network refuse(ServerAddress a, ServerAddress b) {
        return cut(a, b, true);
    }

    private Network cut(ServerAddress a, ServerAddress b, boolean refusing) {
        cuts.put(Pair.unordered(a, b), refusing);
        link(a, b).reset();
        link(b, a).reset();
        sim.trace(() -> (refusing ? "refuse " : "cut ") + a + " <-> " + b);
        return this;
    }

    /** Loses every message from {@code from} to {@code to} (and what is in flight that way); the other way works. */
    public Network dropOneWay(ServerAddress from, ServerAddress to) {
        oneWay.add(new Pair(from, to));
        link(from, to).reset();
        sim.trace(() -> "drop one way " + from + " -> " + to);
        return this;
    }

    /**
     * Delays every message sent from now on from {@code from} to {@code to} by {@code extraMillis} more,
     * in order (0 removes the delay; what is already in flight keeps its time).
     */
    public Network slow(ServerAddress from, ServerAddress to, long extraMillis) {
        if (extraMillis < 0) {
            throw new IllegalArgumentException("extra delay must be >= 0, got " + extraMillis);
        }
        if (extraMillis == 0) {
            slow.remove(new Pair(from, to));
        } else {
            slow.put(new Pair(from, to), extraMillis);
        }
        sim.trace(() -> "slow " + from + " -> " + to + " by " + extraMillis + " ms");
        return this;
    }

    /** Undoes {@link #cut}, {@link #refuse}, {@link #dropOneWay} and {@link #slow} between a and b, both ways; an isolated node stays isolated. */
    public Network heal(ServerAddress a, ServerAddress b) {
        cuts.remove(Pair.unordered(a, b));
        oneWay.remove(new Pair(a, b));
        oneWay.remove(new Pair(b, a));
        slow.remove(new Pair(a, b));
        slow.remove(new Pair(b, a));
        sim.trace(() -> "heal " + a + " <-> " + b);
        return this;
    }

    /** Cuts the node off from every other node, silently, losing what is in flight to or from it. */
    public Network isolate(ServerAddress node) {
        return isolate(node, false);
    }

    /** Cuts the node off from every other node and refuses every send to or from it (see {@link #refuse}). */
    public Network isolateRefusing(ServerAddress node) {
        return isolate(node, true);
    }

    private Network isolate(ServerAddress node, boolean refusing) {
        isolated.put(node, refusing);
        links.forEach((pair, link) -> {
            if (pair.a().equals(node) || pair.b().equals(node)) {
                link.reset();
            }
        });
        sim.trace(() -> (refusing ? "isolate refusing " : "isolate ") + node);
        return this;
    }

    /** Undoes {@link #isolate} / {@link #isolateRefusing} of one node. */
    public Network rejoin(ServerAddress node) {
        isolated.remove(node);
        sim.trace(() -> "rejoin " + node);
        return this;
    }

    /** Removes every cut, isolation, one-way drop and slow link. */
    public Network healAll() {
        cuts.clear();
        isolated.clear();
        oneWay.clear();
        slow.clear();
        sim.trace(() -> "heal all");
        return this;
    }

    /** Probability in [0, 1] that a message is lost (independently, silently; see the class notes). */
    public Network dropProbability(double p) {
        this.dropProbability = probability(p);
        return this;
    }

    /** Probability in [0, 1] that a delivered message is delivered a second time, later. */
    public Network duplicateProbability(double p) {
        this.duplicateProbability = probability(p);
        return this;
    }

    /** True unless a cut or an isolation separates the two nodes. */
    public boolean connected(ServerAddress a, ServerAddress b) {
        if (a.equals(b)) {
            return true;
        }
        return !isolated.containsKey(a) && !isolated.containsKey(b) && !cuts.containsKey(Pair.unordered(a, b));
    }

    /** True if a send from a to b is refused (a refusing cut or isolation between them). */
    private boolean refusing(ServerAddress a, ServerAddress b) {
        return Boolean.TRUE.equals(isolated.get(a)) || Boolean.TRUE.equals(isolated.get(b))
                || Boolean.TRUE.equals(cuts.get(Pair.unordered(a, b)));
    }

    // ---- package internals ----------------------------------------------------------------------

    /** One latency drawn from the seeded random. */
    long latency() {
        return maxLatency == minLatency ? minLatency : minLatency + sim.random().nextInt(maxLatency - minLatency + 1);
    }

    Link link(ServerAddress from, ServerAddress to) {
        return links.computeIfAbsent(new Pair(from, to), p -> new Link());
    }

    /** A node's send, from its current incarnation. */
    void send(SimNode from, ServerAddress to, byte[][] message) {
        byte[][] copy = copy(message);
        SimNode dest = sim.nodeOrNull(to);
        if (!connected(from.address(), to)) {
            if (refusing(from.address(), to)) {
                sim.trace(() -> "refused (partition) " + from.address() + " -> " + to + " " + Render.message(copy));
                from.notifyUnreachable(to, latency());
            } else {
                sim.trace(() -> "drop (cut) " + from.address() + " -> " + to + " " + Render.message(copy));
            }
            return;
        }
        if (!oneWay.isEmpty() && oneWay.contains(new Pair(from.address(), to))) {
            sim.trace(() -> "drop (one way) " + from.address() + " -> " + to + " " + Render.message(copy));
            return;
        }
        if (dest == null || !dest.isUp()) {
            sim.trace(() -> "refused " + from.address() + " -> " + to + " " + Render.message(copy));
            from.notifyUnreachable(to, latency());
            return;
        }
        from.linkOpened(dest);
        if (dropProbability > 0 && sim.random().nextDouble() < dropProbability) {
            sim.trace(() -> "drop (loss) " + from.address() + " -> " + to + " " + Render.message(copy));
            return;
        }
        Link link = link(from.address(), to);
        sim.trace(() -> "send " + from.address() + " -> " + to + " " + Render.message(copy));
        long at = link.deliveryTime(sim.now(), latency() + (slow.isEmpty() ? 0 : slow.getOrDefault(new Pair(from.address(), to), 0L)));
        deliverAt(at, from.address(), dest, link, copy, "deliver");
        if (duplicateProbability > 0 && sim.random().nextDouble() < duplicateProbability) {
            deliverAt(at + latency(), from.address(), dest, link, copy(copy), "deliver duplicate");
        }
    }

    private void deliverAt(long at, ServerAddress from, SimNode dest, Link link, byte[][] message, String what) {
        int epoch = link.epoch();
        int incarnation = dest.incarnation();
        sim.at(at, "arrive " + from + " -> " + dest.address(), () -> {
            if (link.epoch() != epoch) {
                sim.trace(() -> "drop (link reset) " + from + " -> " + dest.address() + " " + Render.message(message));
            } else if (dest.incarnation() != incarnation) {
                sim.trace(() -> "drop (receiver died) " + from + " -> " + dest.address() + " " + Render.message(message));
            } else {
                dest.arrive(incarnation, sim.tracing() ? what + " " + from + " -> " + dest.address() + " " + Render.message(message) : what,
                        logic -> logic.onPeerMessage(from, message));
            }
        });
    }

    private static byte[][] copy(byte[][] message) {
        byte[][] c = new byte[message.length][];
        for (int i = 0; i < message.length; i++) {
            c[i] = message[i].clone();
        }
        return c;
    }

    private static double probability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
        return p;
    }
}
