package dev.ringkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A command with a deadline fails with a TimeoutException when the node is silent, the connection stays
 * open, and a reply that arrives late is dropped: the next command still gets its own reply.
 */
class RingKvClientTimeoutTest {

    @Test
    void aLateReplyIsDroppedAndTheNextCommandGetsItsOwn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread fake = new Thread(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    int commands = 0;
                    while (commands < 2) { // each PING arrives as "*1\r\n$4\r\nPING\r\n": 3 lines
                        int lines = 0;
                        for (int c = in.read(); c >= 0; c = in.read()) {
                            if (c == '\n' && ++lines == 3) {
                                break;
                            }
                        }
                        commands++;
                    }
                    release.await(10, TimeUnit.SECONDS); // silent until the first command timed out
                    out.write("+ONE\r\n+TWO\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    in.read(); // hold the connection until the client closes it
                } catch (Exception e) {
                    // the test ends the connection
                }
            });
            fake.setDaemon(true);
            fake.start();
            try (RingKvClient c = RingKvClient.connect(new ServerAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5))) {
                long t0 = System.nanoTime();
                CompletableFuture<RespValue> first = c.executeAsync(100, RingKvClient.command("PING")[0]);
                CompletableFuture<RespValue> second = c.executeAsync(10_000, RingKvClient.command("PING")[0]);
                ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(5, TimeUnit.SECONDS));
                assertInstanceOf(TimeoutException.class, e.getCause());
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(tookMs >= 100, "timed out after " + tookMs + " ms, before its deadline");
                assertTrue(c.isOpen(), "a timeout does not close the connection");
                release.countDown();
                assertEquals(new RespValue.Simple("TWO"), second.get(5, TimeUnit.SECONDS));
                assertTrue(c.isOpen());
            }
        }
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 RingKvClient c = RingKvClient.connect(new ServerAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5))) {
                c.executeAsync(0, RingKvClient.command("PING")[0]);
            }
        });
    }
}
