package dev.ringkv.runtime;

import dev.ringkv.node.Cancellable;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NIO runtime of one node (DESIGN §3): a listening socket, one selector thread, client and peer
 * connections, timers, and the node's store. It implements {@link NodeContext} for the node's logic.
 *
 * <p>Every loop turn ends with the group commit: the store writes the turn's batch (and fsyncs under
 * {@code always}), durable writes complete their replies, then replies are written to the sockets.
 * So no client sees an acknowledgement for a write the store does not hold.
 */
public final class NioNode implements NodeContext, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NioNode.class);

    private final ServerOptions options;
    private final Store store;
    private final EventLoop loop;
    private final ServerSocketChannel server;
    private final ServerAddress self;
    private final Random random = new Random(new SecureRandom().nextLong());
    private final NodeLogic logic;
    private final List<ClientConnection> dirty = new ArrayList<>();
    private final LinkedHashSet<PeerLink> dirtyPeers = new LinkedHashSet<>();
    private final Map<ServerAddress, PeerLink> links = new HashMap<>();
    private final Map<Long, ClientConnection> connections = new HashMap<>();
    private volatile int connectionCount;
    private volatile long totalConnections;
    private long nextId = 1;
    private volatile boolean closing;

    private NioNode(ServerOptions options, Store store, Function<NodeContext, NodeLogic> logicFactory)
            throws IOException {
        this.options = options;
        this.store = store;
        this.server = ServerSocketChannel.open();
        server.socket().setReuseAddress(true);
        server.bind(new InetSocketAddress(options.bindHost(), options.port()), 1024);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        this.self = new ServerAddress(options.advertisedHost(), port);
        this.loop = new EventLoop("ringkv-" + self);
        server.configureBlocking(false);
        server.register(loop.selector(), SelectionKey.OP_ACCEPT, new Acceptor());
        this.logic = logicFactory.apply(this);
        loop.turnEnd(this::endTurn);
        loop.onExit(this::shutdown);
    }

    /**
     * Binds, starts the loop thread and runs the logic's {@code onStart}; returns once the node serves.
     *
     * @throws UncheckedIOException if the port cannot be bound (the message names the address)
     */
    public static NioNode start(ServerOptions options, Store store, Function<NodeContext, NodeLogic> logic) {
        NioNode node;
        try {
            node = new NioNode(options, store, logic);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + options.bindHost() + ":" + options.port()
                    + ": " + e.getMessage(), e);
        }
        CompletableFuture<Void> started = new CompletableFuture<>();
        node.loop.execute(() -> {
            try {
                node.logic.onStart();
                started.complete(null);
            } catch (RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        node.loop.start();
        try {
            started.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            node.close();
            throw new IllegalStateException("node " + node.self + " failed to start: " + e, e);
        }
        LOG.info("{} listening on {}:{}", node.self, options.bindHost(), node.self.port());
        return node;
    }

    public ServerAddress address() {
        return self;
    }

    public NodeLogic logic() {
        return logic;
    }

    /** Runs a task on the node's thread (from any thread), e.g. to read a snapshot. */
    public void execute(Runnable task) {
        loop.execute(task);
    }

    public int connectionCount() {
        return connectionCount;
    }

    /** Runtime facts for INFO: process id, connections. Any thread. */
    public Map<String, String> runtimeInfo() {
        return Map.of("process_id", String.valueOf(ProcessHandle.current().pid()),
                "connected_clients", String.valueOf(connectionCount),
                "total_connections", String.valueOf(totalConnections));
    }

    /**
     * Stops gracefully: no new connections, the last batch flushed, replies written where possible, the
     * store closed. Blocks until done. Idempotent.
     */
    @Override
    public void close() {
        if (!closing) {
            closing = true;
            loop.execute(() -> {
                try {
                    logic.onStop();
                } finally {
                    loop.stop();
                }
            });
        }
        if (!loop.inLoop()) {
            try {
                loop.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Blocks until the node has stopped. */
    public void awaitTermination() throws InterruptedException {
        loop.awaitStop();
    }

    // ---- NodeContext -------------------------------------------------------------------------------

    @Override
    public ServerAddress self() {
        return self;
    }

    @Override
    public void send(ServerAddress peer, byte[][] message) {
        PeerLink link = links.get(peer);
        if (link == null || link.isClosed()) {
            link = new PeerLink(this, peer);
            try {
                link.open();
            } catch (IOException | RuntimeException e) {
                if (e instanceof java.net.ConnectException) {
                    loop.runSoon(() -> peerUnreachable(peer)); // refused at once: nobody listens there
                } else {
                    // a local failure (out of descriptors, no route): not evidence that the peer is dead
                    LOG.warn("{} cannot open a connection to {}: {}", self, peer, e.toString());
                }
                return;
            }
            links.put(peer, link);
        }
        link.send(message);
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        return loop.schedule(delayMillis, task);
    }

    @Override
    public long now() {
        return loop.now();
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Store storage() {
        return store;
    }

    // ---- runtime internals ------------------------------------------------------------------------

    ServerOptions options() {
        return options;
    }

    EventLoop loop() {
        return loop;
    }

    void command(Session session, byte[][] args) {
        logic.onCommand(session, args);
    }

    void peerMessage(ServerAddress from, byte[][] message) {
        try {
            logic.onPeerMessage(from, message);
        } catch (RuntimeException e) {
            LOG.error("{} failed on a message from {}", self, from, e);
        }
    }

    void peerUnreachable(ServerAddress peer) {
        if (closing) {
            return;
        }
        try {
            logic.onPeerUnreachable(peer);
        } catch (RuntimeException e) {
            LOG.error("{} failed handling the loss of {}", self, peer, e);
        }
    }

    void dirty(ClientConnection c) {
        dirty.add(c);
    }

    void dirtyPeer(PeerLink link) {
        dirtyPeers.add(link);
    }

    void closed(ClientConnection c) {
        connections.remove(c.id());
        connectionCount = connections.size();
    }

    void linkClosed(ServerAddress peer, PeerLink link) {
        links.remove(peer, link);
        dirtyPeers.remove(link);
    }

    /** The group commit: flush the store's batch, which completes durable replies, then write replies. */
    private void endTurn() {
        if (store.hasPendingWrites()) {
            store.flush();
        }
        try {
            logic.onTurnEnd();
        } catch (RuntimeException e) {
            LOG.error("{} failed at the end of a turn", self, e);
        }
        if (!dirty.isEmpty()) {
            // flushOut may mark connections dirty again (it never adds to this list while iterating)
            ClientConnection[] batch = dirty.toArray(new ClientConnection[0]);
            dirty.clear();
            for (ClientConnection c : batch) {
                c.flushOut();
            }
        }
        if (!dirtyPeers.isEmpty()) {
            PeerLink[] batch = dirtyPeers.toArray(new PeerLink[0]);
            dirtyPeers.clear();
            for (PeerLink l : batch) {
                l.flush();
            }
        }
    }

    private void shutdown() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("{} closing the listener", self, e);
        }
        endTurn();
        for (ClientConnection c : new ArrayList<>(connections.values())) {
            c.close();
        }
        for (PeerLink l : new ArrayList<>(links.values())) {
            l.close("node stopping");
        }
        store.close();
        LOG.info("{} stopped", self);
    }

    private final class Acceptor implements EventLoop.Handler {
        @Override
        public void onReady(SelectionKey key) throws IOException {
            for (int i = 0; i < 64; i++) {
                SocketChannel ch = server.accept();
                if (ch == null) {
                    return;
                }
                try {
                    ClientConnection c = new ClientConnection(NioNode.this, nextId++, ch);
                    connections.put(c.id(), c);
                    connectionCount = connections.size();
                    totalConnections++;
                } catch (IOException e) {
                    LOG.debug("{} could not set up an accepted connection: {}", self, e.toString());
                    ch.close();
                }
            }
        }

        @Override
        public void onFailure(Exception e) {
            // accept failures (e.g. too many open files) must not kill the listener: log and go on
            LOG.warn("{} accept failed: {}", self, e.toString());
        }
    }
}
