package dev.ringkv.runtime;

import dev.ringkv.node.ReplyQueue;
import dev.ringkv.node.Session;
import dev.ringkv.node.SessionState;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.CommandDecoder;
import dev.ringkv.wire.OutBuffer;
import dev.ringkv.wire.ProtocolException;
import dev.ringkv.wire.RespValue;
import dev.ringkv.wire.WireLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted connection: decodes pipelined commands, hands them to the node, and writes the replies
 * in order. Backpressure: when too many replies are pending or unwritten, it stops reading (the kernel's
 * buffers then push back on the client) until the output drains.
 */
final class ClientConnection implements Session, EventLoop.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final int READ_BUFFER = 16 * 1024;
    private static final int READ_BUDGET = 256 * 1024;
    private static final int OUT_INITIAL = 16 * 1024;

    private final NioNode node;
    private final long id;
    private final SocketChannel ch;
    private final SelectionKey key;
    private static final WireLimits PEER_LIMITS = new WireLimits(1 << 30, 16 * 1024 * 1024, 64 * 1024);
    private CommandDecoder decoder;
    /** The node at the other end, once the connection said {@code PEER host:port} (then it carries messages). */
    private ServerAddress peer;
    private final SessionState state = new SessionState();
    private final OutBuffer out = new OutBuffer(OUT_INITIAL);
    private final ReplyQueue replies = new ReplyQueue(v -> {
        out.value(v);
        markDirty();
    });
    private final String remote;
    private ByteBuffer in = ByteBuffer.allocate(READ_BUFFER);
    private boolean dirty;
    private boolean paused;
    private boolean inputClosed;
    private boolean closeAfterReplies;
    private boolean closed;

    ClientConnection(NioNode node, long id, SocketChannel ch) throws IOException {
        this.node = node;
        this.id = id;
        this.ch = ch;
        this.decoder = new CommandDecoder(node.options().wireLimits());
        this.remote = String.valueOf(ch.getRemoteAddress()).replaceFirst("^/", "");
        ch.configureBlocking(false);
        ch.socket().setTcpNoDelay(true);
        this.key = ch.register(node.loop().selector(), SelectionKey.OP_READ, this);
        in.flip(); // empty, in read mode
    }

    @Override
    public void onReady(SelectionKey k) throws IOException {
        if (k.isWritable()) {
            flushOut();
        }
        if (k.isValid() && k.isReadable()) {
            readInput();
        }
    }

    @Override
    public void onFailure(Exception e) {
        LOG.debug("{} connection {} from {} failed: {}", node.self(), id, remote, e.toString());
        close();
    }

    private void readInput() throws IOException {
        int total = 0;
        while (total < READ_BUDGET && !paused && !closed) {
            in.compact();
            if (!in.hasRemaining()) {
                grow();
            }
            int room = in.remaining();
            int r;
            try {
                r = ch.read(in);
            } finally {
                in.flip();
            }
            if (r < 0) {
                inputClosed = true;
                break;
            }
            if (r == 0) {
                break;
            }
            total += r;
            processInput();
            if (r < room) {
                // the socket had less than the buffer could take: it is drained, and asking again would
                // almost always be a wasted system call (the selector reports whatever arrives next)
                break;
            }
        }
        if (inputClosed) {
            processInput();
            // the client is gone for reading; replies still pending are dropped with the socket
            if (replies.pending() == 0 && out.isEmpty()) {
                close();
            } else {
                closeAfterReplies = true;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
            }
        }
    }

    /** A header or inline line longer than the buffer: grow up to the inline limit (then the decoder refuses). */
    private void grow() {
        int max = node.options().wireLimits().maxInlineBytes() + 64;
        if (in.capacity() >= max) {
            return;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(max, in.capacity() * 2));
        in.flip();
        bigger.put(in);
        in = bigger;
    }

    /** Decodes and runs every complete command buffered, unless backpressure pauses it. */
    void processInput() {
        while (!paused && !closed && !closeAfterReplies) {
            byte[][] cmd;
            try {
                cmd = decoder.next(in);
            } catch (ProtocolException e) {
                LOG.debug("{} protocol error from {}: {}", node.self(), remote, e.getMessage());
                reply(RespValue.error("ERR Protocol error: " + e.getMessage()));
                closeAfterReplies();
                return;
            }
            if (cmd == null) {
                return;
            }
            dispatch(cmd);
            if (replies.pending() >= node.options().maxPendingReplies() || out.size() >= node.options().maxOutputBytes()) {
                pause();
            }
        }
    }

    private void dispatch(byte[][] cmd) {
        if (peer != null) {
            node.peerMessage(peer, cmd);
            return;
        }
        if (cmd.length == 2 && new String(cmd[0], StandardCharsets.ISO_8859_1).equalsIgnoreCase("PEER")) {
            try {
                peer = ServerAddress.parse(new String(cmd[1], StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                reply(RespValue.error("ERR PEER needs HOST:PORT: " + e.getMessage()));
                return;
            }
            state.peerId(new String(cmd[1], StandardCharsets.UTF_8));
            // peers carry whole replies and chunks of large values: a client's per-value limit is too small
            decoder = new CommandDecoder(PEER_LIMITS);
            LOG.debug("{} connection {} identified as peer {}", node.self(), id, state.peerId());
            return;
        }
        node.command(this, cmd);
    }

    private void pause() {
        if (!paused) {
            paused = true;
            key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        }
    }

    private void resume() {
        if (paused && !closed) {
            paused = false;
            if (!inputClosed) {
                key.interestOps(key.interestOps() | SelectionKey.OP_READ);
            }
            node.loop().runSoon(this::processInput);
        }
    }

    private void markDirty() {
        if (!dirty && !closed) {
            dirty = true;
            node.dirty(this);
        }
    }

    /** Writes what it can; called at the end of the loop turn (after the store flush) and on OP_WRITE. */
    void flushOut() {
        dirty = false;
        if (closed) {
            return;
        }
        try {
            if (!out.isEmpty()) {
                out.writeTo(ch);
            }
        } catch (IOException e) {
            LOG.debug("{} write to {} failed: {}", node.self(), remote, e.toString());
            close();
            return;
        }
        if (out.isEmpty()) {
            out.trim(1024 * 1024);
            if (closeAfterReplies && replies.pending() == 0) {
                close();
                return;
            }
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            if (replies.pending() < node.options().maxPendingReplies() / 2) {
                resume();
            }
        } else {
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        key.cancel();
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("{} close of {} failed", node.self(), remote, e);
        }
        replies.close();
        node.closed(this);
    }

    // ---- Session -----------------------------------------------------------------------------

    @Override
    public long id() {
        return id;
    }

    @Override
    public void reply(RespValue value) {
        replies.reply(value);
    }

    @Override
    public PendingReply defer() {
        return replies.defer();
    }

    @Override
    public void closeAfterReplies() {
        closeAfterReplies = true;
        pause();
        markDirty();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    @Override
    public SessionState state() {
        return state;
    }
}
