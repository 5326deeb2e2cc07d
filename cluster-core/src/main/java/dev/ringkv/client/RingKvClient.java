package dev.ringkv.client;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.OutBuffer;
import dev.ringkv.wire.ProtocolException;
import dev.ringkv.wire.ReplyDecoder;
import dev.ringkv.wire.RespValue;
import dev.ringkv.wire.WireLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection to one RingKV node (or any Redis-protocol server), sync and async, pipelined.
 *
 * <p>Threading: thread-safe. Commands may be sent from any thread; replies complete futures in send
 * order on the connection's reader thread (so do not block inside a callback). Error replies complete
 * futures of {@link #executeAsync} normally with a {@link RespValue.Error}; the sync methods and
 * {@link #check} turn them into typed {@link RingKvException}s.
 */
public final class RingKvClient implements AutoCloseable {

    private final ServerAddress address;
    private final SocketChannel ch;
    private final Duration timeout;
    /** Commands sent, in order, awaiting their replies. */
    private final ConcurrentLinkedQueue<InFlight> inFlight = new ConcurrentLinkedQueue<>();
    /** Whether this connection is on the timeout sweeper's list (it sent a command with a deadline). */
    private volatile boolean swept;
    /** Guards {@link #out}, the order of {@link #inFlight} and {@link #writing}; held only to append, never to write. */
    private final Object writeLock = new Object();
    /** Commands appended and not yet handed to the socket. */
    private OutBuffer out = new OutBuffer(8192);
    /** The writer's buffer (swapped with {@link #out}). */
    private OutBuffer writingOut = new OutBuffer(8192);
    /** A thread is writing: it also writes whatever others append meanwhile, in order. */
    private boolean writing;
    private final Thread reader;
    private volatile boolean closed;
    private volatile RingKvException failure;

    /** Bytes that may wait behind a write in progress before senders wait too. */
    static final int MAX_UNWRITTEN_BYTES = 1 << 20;

    private RingKvClient(ServerAddress address, SocketChannel ch, Duration timeout) {
        this.address = address;
        this.ch = ch;
        this.timeout = timeout;
        this.reader = new Thread(this::readLoop, "ringkv-client-" + address);
        reader.setDaemon(true);
        reader.start();
    }

    public static RingKvClient connect(String host, int port) {
        return connect(new ServerAddress(host, port), Duration.ofSeconds(10));
    }

    /**
     * Opens a connection.
     *
     * @param timeout for connecting and for each sync call's reply
     * @throws ConnectionException if the node cannot be reached
     */
    public static RingKvClient connect(ServerAddress address, Duration timeout) {
        try {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.socket().connect(new InetSocketAddress(address.host(), address.port()), (int) timeout.toMillis());
                ch.socket().setTcpNoDelay(true);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new RingKvClient(address, ch, timeout);
        } catch (IOException e) {
            throw new ConnectionException("cannot connect to " + address + ": " + e.getMessage(), e);
        }
    }

    public ServerAddress address() {
        return address;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Why the connection closed (null while open). */
    public String closeReason() {
        RingKvException f = failure;
        return f == null ? (closed ? "closed" : null) : f.getMessage();
    }

    // ---- async ------------------------------------------------------------------------------------

    /** Sends one command; the future completes with its reply (error replies included). */
    public CompletableFuture<RespValue> executeAsync(byte[]... args) {
        return pipeline(List.<byte[][]>of(args)).get(0);
    }

    /** Sends several commands in one write; futures complete in order. */
    public List<CompletableFuture<RespValue>> pipeline(List<byte[][]> commands) {
        return send(commands, 0);
    }

    /**
     * Sends one command whose future fails with a {@link TimeoutException} if no reply came within
     * {@code timeoutMillis} (checked every few milliseconds by one sweeper thread for all connections, so
     * a call costs no timer of its own). The connection stays open; a reply arriving later is dropped.
     */
    public CompletableFuture<RespValue> executeAsync(long timeoutMillis, byte[]... args) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be positive");
        }
        if (!swept) {
            swept = true;
            Sweeper.add(this);
            if (closed) {
                Sweeper.remove(this); // fail() may have run before we joined the list
            }
        }
        return send(List.<byte[][]>of(args), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis)).get(0);
    }

    /**
     * Appends the commands under the lock; the first thread to find no write in progress becomes the writer
     * and, outside the lock, writes everything appended until nothing is left. So threads never wait for
     * each other's system calls, and commands that arrive during a write go out together in the next one.
     * Appenders wait only when {@link #MAX_UNWRITTEN_BYTES} are queued behind a write (backpressure).
     */
    private List<CompletableFuture<RespValue>> send(List<byte[][]> commands, long deadline) {
        List<CompletableFuture<RespValue>> futures = new ArrayList<>(commands.size());
        boolean writer;
        synchronized (writeLock) {
            try {
                while (writing && out.size() >= MAX_UNWRITTEN_BYTES && !closed) {
                    writeLock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failedFutures(commands.size(), new ConnectionException("interrupted while waiting to send to " + address));
            }
            RingKvException f = failure;
            if (closed || f != null) {
                return failedFutures(commands.size(), f != null ? new ConnectionException(f.getMessage(), f)
                        : new ConnectionException("connection to " + address + " is closed"));
            }
            for (byte[][] c : commands) {
                out.command(c);
                CompletableFuture<RespValue> fut = new CompletableFuture<>();
                inFlight.add(new InFlight(fut, deadline));
                futures.add(fut);
            }
            writer = !writing;
            writing = true;
        }
        if (writer) {
            writeAll();
        }
        if (closed) {
            // the reader may have failed the queue before these futures joined it
            fail(failure != null ? failure : new ConnectionException("connection to " + address + " is closed"));
        }
        return futures;
    }

    /**
     * The writer's loop: takes what was appended (swapping buffers under the lock) and writes it outside the
     * lock, until nothing is left. Whatever way it ends, the connection is left with no writer; if it ends
     * by a failure, part of a command may have been written, so the connection is closed.
     */
    private void writeAll() {
        boolean clean = false;
        try {
            while (true) {
                OutBuffer batch;
                synchronized (writeLock) {
                    if (out.isEmpty() || closed) {
                        writing = false;
                        writeLock.notifyAll();
                        clean = true;
                        return;
                    }
                    batch = out;
                    out = writingOut;
                    writingOut = batch;
                    writeLock.notifyAll(); // room again for appenders held back
                }
                while (!batch.isEmpty()) {
                    batch.writeTo(ch); // a blocking channel: returns once all is written
                }
                batch.trim(64 * 1024);
            }
        } catch (IOException e) {
            fail(new ConnectionException("write to " + address + " failed: " + e.getMessage(), e));
        } finally {
            if (!clean) {
                synchronized (writeLock) {
                    writing = false;
                    writeLock.notifyAll();
                }
                if (!closed) {
                    fail(new ConnectionException("write to " + address + " failed"));
                }
            }
        }
    }

    private static List<CompletableFuture<RespValue>> failedFutures(int n, ConnectionException e) {
        List<CompletableFuture<RespValue>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            futures.add(CompletableFuture.failedFuture(e));
        }
        return futures;
    }

    // ---- sync -------------------------------------------------------------------------------------

    /** Sends a command and waits for its reply; error replies throw their typed exception. */
    public RespValue execute(byte[]... args) {
        return check(await(executeAsync(args)));
    }

    public RespValue execute(String... args) {
        return execute(command(args));
    }

    /** A command's arguments as UTF-8 bytes, as {@link #execute(byte[]...)} and {@link #pipeline} take them. */
    public static byte[][] command(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return b;
    }

    /** Waits for a reply with this client's timeout. */
    public RespValue await(CompletableFuture<RespValue> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ConnectionException("no reply from " + address + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting for " + address);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RingKvException r ? r : new ConnectionException(String.valueOf(c), c);
        }
    }

    /** Returns the value, or throws the typed exception for an error reply. */
    public static RespValue check(RespValue v) {
        if (v instanceof RespValue.Error e) {
            throw ServerErrorException.of(e.text());
        }
        return v;
    }

    public byte[] get(byte[] key) {
        RespValue v = execute("GET".getBytes(StandardCharsets.US_ASCII), key);
        return v instanceof RespValue.Bulk b ? b.bytes() : null;
    }

    /** The value as UTF-8, or null if the key does not exist. */
    public String get(String key) {
        byte[] v = get(key.getBytes(StandardCharsets.UTF_8));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    public void set(byte[] key, byte[] value) {
        execute("SET".getBytes(StandardCharsets.US_ASCII), key, value);
    }

    public void set(String key, String value) {
        set(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    /** Deletes the key; true if it existed. */
    public boolean del(String key) {
        RespValue v = execute("DEL", key);
        return v instanceof RespValue.Int i && i.value() > 0;
    }

    public boolean exists(String key) {
        RespValue v = execute("EXISTS", key);
        return v instanceof RespValue.Int i && i.value() > 0;
    }

    /** The original system's put: returns {@code PUT_SUCCESS} (new key) or {@code PUT_UPDATE}. */
    public String put(String key, String value) {
        return ((RespValue.Simple) execute("PUT", key, value)).text();
    }

    /** The original system's delete: {@code DELETE_SUCCESS}, or a ServerErrorException {@code DELETE_ERROR}. */
    public String delete(String key) {
        return ((RespValue.Simple) execute("DELETE", key)).text();
    }

    public String ping() {
        RespValue v = execute("PING");
        return v instanceof RespValue.Simple s ? s.text() : String.valueOf(v);
    }

    /** The ring as the original system printed it: {@code from,to,host:port;...}. */
    public String keyrange() {
        return ((RespValue.Bulk) execute("KEYRANGE")).utf8();
    }

    public String keyrangeRead() {
        return ((RespValue.Bulk) execute("KEYRANGE_READ")).utf8();
    }

    // ---- reading ----------------------------------------------------------------------------------

    private void readLoop() {
        ReplyDecoder decoder = new ReplyDecoder(WireLimits.DEFAULT);
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        try {
            while (!closed) {
                int need = decoder.bytesNeeded();
                if (need > in.capacity()) {
                    ByteBuffer bigger = ByteBuffer.allocate(need);
                    in.flip();
                    bigger.put(in);
                    in = bigger;
                } else if (!in.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                    in.flip();
                    bigger.put(in);
                    in = bigger;
                }
                int r = ch.read(in);
                if (r < 0) {
                    fail(new ConnectionException("connection closed by " + address));
                    return;
                }
                in.flip();
                RespValue v;
                while ((v = decoder.next(in)) != null) {
                    InFlight f = inFlight.poll();
                    if (f == null) {
                        fail(new ConnectionException("unexpected reply from " + address + ": " + v));
                        return;
                    }
                    f.future().complete(v); // a no-op if it timed out meanwhile
                }
                in.compact();
            }
        } catch (IOException e) {
            fail(new ConnectionException(closed ? "connection closed" : "read from " + address + " failed: "
                    + e.getMessage(), e));
        } catch (ProtocolException e) {
            fail(new ConnectionException("bad reply from " + address + ": " + e.getMessage(), e));
        }
    }

    private void fail(RingKvException e) {
        if (failure == null) {
            failure = e;
        }
        closed = true;
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
        InFlight f;
        while ((f = inFlight.poll()) != null) {
            f.future().completeExceptionally(e);
        }
        if (swept) {
            Sweeper.remove(this);
        }
        synchronized (writeLock) {
            writeLock.notifyAll(); // senders held back by a full buffer see the failure
        }
    }

    /** Fails the commands whose deadline has passed (they keep their place: replies come in order). */
    private void expire(long now) {
        for (InFlight f : inFlight) {
            if (f.deadline() != 0 && now - f.deadline() >= 0 && !f.future().isDone()) {
                f.future().completeExceptionally(new TimeoutException("no reply from " + address));
            }
        }
    }

    /** A command sent: its future and when it times out ({@link System#nanoTime}; 0: never, here). */
    private record InFlight(CompletableFuture<RespValue> future, long deadline) {
    }

    /** One daemon thread that expires timed commands of every connection every {@link #TICK_MILLIS} ms. */
    private static final class Sweeper {
        static final long TICK_MILLIS = 5;
        private static final java.util.Set<RingKvClient> CLIENTS = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static Thread thread;

        static synchronized void add(RingKvClient c) {
            CLIENTS.add(c);
            if (thread == null) {
                thread = new Thread(Sweeper::run, "ringkv-client-timeouts");
                thread.setDaemon(true);
                thread.start();
            }
        }

        static void remove(RingKvClient c) {
            CLIENTS.remove(c);
        }

        private static void run() {
            while (true) {
                try {
                    Thread.sleep(TICK_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                for (RingKvClient c : CLIENTS) {
                    c.expire(now);
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            fail(new ConnectionException("connection to " + address + " closed by the client"));
        }
    }
}
