package dev.ringkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import dev.ringkv.wire.RespValue;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One connection shared by many threads: whoever finds no write in progress writes for everybody
 * (RingKvClient#send). Replies must still reach their own callers, a full buffer must hold senders back,
 * and a connection that breaks must never leave a sender waiting.
 */
class RingKvClientWritesTest {

    @TempDir
    Path dir;

    @Test
    void everyThreadGetsItsOwnRepliesInOrder() throws Exception {
        NioNode node = Servers.standalone(ServerOptions.loopback(0), dir);
        try (node; RingKvClient c = RingKvClient.connect(node.address(), Duration.ofSeconds(10))) {
            int threads = 8;
            int each = 2_000;
            AtomicReference<Throwable> failed = new AtomicReference<>();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    try {
                        List<CompletableFuture<RespValue>> window = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            // sync calls and small async windows, mixed, so writes overlap in every way
                            byte[] payload = ("t" + id + "-" + i).getBytes(StandardCharsets.US_ASCII);
                            if (i % 3 == 0) {
                                RespValue v = c.execute("ECHO".getBytes(StandardCharsets.US_ASCII), payload);
                                assertArrayEquals(payload, ((RespValue.Bulk) v).bytes());
                            } else {
                                window.add(c.executeAsync("ECHO".getBytes(StandardCharsets.US_ASCII), payload));
                            }
                            if (window.size() == 16 || i == each - 1) {
                                for (CompletableFuture<RespValue> f : window) {
                                    String text = ((RespValue.Bulk) f.get(10, TimeUnit.SECONDS)).utf8();
                                    assertTrue(text.startsWith("t" + id + "-"), text + " reached thread " + id);
                                }
                                window.clear();
                            }
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                });
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join(60_000);
                assertFalse(th.isAlive(), "a sender is stuck");
            }
            if (failed.get() != null) {
                throw new AssertionError(failed.get());
            }
            assertTrue(c.isOpen());
        }
    }

    @Test
    void aFullBufferHoldsSendersBackAndClosingReleasesThem() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RingKvClient c = RingKvClient.connect(new ServerAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5));
            try (Socket accepted = server.accept()) { // accepted, never read: the socket buffers fill up
                accepted.setReceiveBufferSize(4096);
                byte[] big = new byte[64 * 1024];
                List<CompletableFuture<RespValue>> sent = new ArrayList<>();
                Thread sender = new Thread(() -> {
                    for (int i = 0; i < 10_000 && c.isOpen(); i++) { // at most ~640 MB: far more than any buffer
                        sent.add(c.executeAsync("SET".getBytes(StandardCharsets.US_ASCII), new byte[] {'k'}, big));
                    }
                });
                Thread other = new Thread(() -> {
                    // waits for the sender to be blocked in a write, then queues behind it until held back
                    for (int i = 0; i < 10_000 && c.isOpen(); i++) {
                        c.executeAsync("SET".getBytes(StandardCharsets.US_ASCII), new byte[] {'o'}, big);
                    }
                });
                sender.start();
                other.start();
                // held back: one thread blocked in the socket write, the other waiting for room behind it
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                // (judged on one sample each: a waiting sender woken to look again is still held back)
                boolean heldBack = false;
                while (!heldBack && System.nanoTime() < deadline) {
                    heldBack = held(sender) && held(other);
                    Thread.onSpinWait();
                }
                assertTrue(heldBack, "both are held back, not buffering without bound: " + sender.getState() + ", "
                        + other.getState());
                c.close();
                sender.join(10_000);
                other.join(10_000);
                assertFalse(sender.isAlive() || other.isAlive(), "closing released every sender");
                ExecutionException e = assertThrows(ExecutionException.class, () -> sent.get(0).get(5, TimeUnit.SECONDS));
                assertInstanceOf(ConnectionException.class, e.getCause());
            }
        }
    }

    /** Waiting for room (WAITING), or blocked in the write of a full socket (RUNNABLE in native code, no progress). */
    private static boolean held(Thread t) {
        if (t.getState() == Thread.State.WAITING) {
            return true;
        }
        StackTraceElement[] stack = t.getStackTrace();
        return t.getState() == Thread.State.RUNNABLE && stack.length > 0 && stack[0].isNativeMethod()
                && java.util.Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("writeAll"));
    }

    @Test
    void aBrokenConnectionFailsEverySenderAtOnce() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RingKvClient c = RingKvClient.connect(new ServerAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5));
            try (c) {
                server.accept().close(); // the peer vanishes
                ConnectionException first = null;
                for (int i = 0; i < 1_000 && first == null; i++) { // the first writes may still be accepted by the kernel
                    try {
                        c.execute("PING");
                    } catch (ConnectionException e) {
                        first = e;
                    }
                }
                assertTrue(first != null, "the broken connection was noticed");
                assertFalse(c.isOpen());
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> c.executeAsync("PING".getBytes(StandardCharsets.US_ASCII)).get(5, TimeUnit.SECONDS));
                assertInstanceOf(ConnectionException.class, e.getCause());
            }
        }
    }
}
