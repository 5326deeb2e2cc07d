package dev.ringkv.runtime;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.OutBuffer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outbound, one-way message stream to a peer node. It identifies itself with {@code PEER <self>} and
 * then sends commands; the peer's replies are read and discarded. A broken link drops its queue — lost
 * messages are normal for the protocol (STYLE.md) — and the next send opens a new connection.
 */
final class PeerLink implements EventLoop.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
    private static final int MAX_QUEUED_BYTES = 64 * 1024 * 1024;

    private final NioNode node;
    private final ServerAddress peer;
    private final OutBuffer out = new OutBuffer(4096);
    private final ByteBuffer sink = ByteBuffer.allocate(4096);
    private SocketChannel ch;
    private SelectionKey key;
    private boolean connected;
    private boolean closed;
    private long dropped;

    PeerLink(NioNode node, ServerAddress peer) {
        this.node = node;
        this.peer = peer;
    }

    void open() throws IOException {
        ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.socket().setTcpNoDelay(true);
        out.command("PEER".getBytes(StandardCharsets.US_ASCII),
                node.self().toString().getBytes(StandardCharsets.UTF_8));
        if (ch.connect(new InetSocketAddress(peer.host(), peer.port()))) {
            connected = true;
            key = ch.register(node.loop().selector(), SelectionKey.OP_READ, this);
        } else {
            key = ch.register(node.loop().selector(), SelectionKey.OP_CONNECT, this);
        }
    }

    boolean isClosed() {
        return closed;
    }

    void send(byte[][] message) {
        if (out.size() > MAX_QUEUED_BYTES) {
            if (dropped++ % 10_000 == 0) {
                LOG.warn("{} dropping messages to {}: {} bytes queued", node.self(), peer, out.size());
            }
            return;
        }
        out.command(message);
        if (connected) {
            node.dirtyPeer(this);
        }
    }

    @Override
    public void onReady(SelectionKey k) throws IOException {
        if (k.isConnectable()) {
            ch.finishConnect();
            connected = true;
            k.interestOps(SelectionKey.OP_READ);
            flush();
        }
        if (k.isValid() && k.isWritable()) {
            flush();
        }
        if (k.isValid() && k.isReadable()) {
            sink.clear();
            if (ch.read(sink) < 0) {
                fail("closed by peer");
            }
        }
    }

    @Override
    public void onFailure(Exception e) {
        if (connected || e instanceof java.net.ConnectException) {
            fail(e.toString());
        } else {
            // a local failure (no route, no descriptors): says nothing about the peer's process
            close(e.toString());
        }
    }

    /**
     * The link broke — reset or closed by the peer, or the connection refused — which is evidence about
     * the peer's process: tell the logic, which may probe at once.
     */
    private void fail(String why) {
        if (!closed) {
            close(why);
            node.peerUnreachable(peer);
        }
    }

    void flush() {
        if (!connected || closed) {
            return;
        }
        try {
            out.writeTo(ch);
        } catch (IOException e) {
            fail(e.toString());
            return;
        }
        key.interestOps(out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    void close(String why) {
        if (closed) {
            return;
        }
        closed = true;
        LOG.debug("{} link to {} closed: {}", node.self(), peer, why);
        if (key != null) {
            key.cancel();
        }
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            LOG.debug("{} closing link to {}", node.self(), peer, e);
        }
        node.linkClosed(peer, this);
    }
}
