package dev.ringkv.sim;

import dev.ringkv.node.Cancellable;
import dev.ringkv.node.NodeContext;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.Store;
import java.util.Random;

/**
 * The {@link NodeContext} of one incarnation of a simulated node. Once that incarnation has crashed, the
 * context goes inert: sends are dropped and timers never fire, so a callback the dead logic left behind
 * (a durability listener run while its store closes, say) cannot act in the next life.
 */
final class SimContext implements NodeContext {

    private static final Cancellable NOTHING = () -> { };

    private final Simulation sim;
    private final SimNode node;
    private final int incarnation;
    private final Random random;
    private final Store store;

    SimContext(Simulation sim, SimNode node, int incarnation, Random random, Store store) {
        this.sim = sim;
        this.node = node;
        this.incarnation = incarnation;
        this.random = random;
        this.store = store;
    }

    private boolean alive() {
        return node.isUp() && node.incarnation() == incarnation;
    }

    @Override
    public ServerAddress self() {
        return node.address();
    }

    @Override
    public void send(ServerAddress peer, byte[][] message) {
        if (alive()) {
            sim.network().send(node, peer, message);
        }
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        return alive() ? node.schedule(delayMillis, task) : NOTHING;
    }

    @Override
    public long now() {
        return sim.now();
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Store storage() {
        return store;
    }
}
