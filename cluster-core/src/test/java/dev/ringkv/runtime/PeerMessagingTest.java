package dev.ringkv.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.LogStore;
import dev.ringkv.storage.StoreOptions;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NodeContext.send over the NIO runtime: messages reach the peer's logic in order, tagged with the sender. */
class PeerMessagingTest {

    @TempDir
    Path dir;

    /** A node that, told "SENDTO host:port n", sends n numbered messages to that peer, and records what it receives. */
    static final class Relay implements NodeLogic {
        final NodeContext ctx;
        final List<String> received = new CopyOnWriteArrayList<>();
        final CountDownLatch got;

        Relay(NodeContext ctx, int expect) {
            this.ctx = ctx;
            this.got = new CountDownLatch(expect);
        }

        @Override
        public void onCommand(Session s, byte[][] args) {
            ServerAddress to = ServerAddress.parse(new String(args[1], StandardCharsets.UTF_8));
            int n = Integer.parseInt(new String(args[2], StandardCharsets.UTF_8));
            for (int i = 0; i < n; i++) {
                ctx.send(to, new byte[][] {"MSG".getBytes(StandardCharsets.US_ASCII), String.valueOf(i).getBytes(StandardCharsets.US_ASCII)});
            }
            s.reply(RespValue.OK);
        }

        final List<ServerAddress> unreachable = new CopyOnWriteArrayList<>();

        @Override
        public void onPeerUnreachable(ServerAddress peer) {
            unreachable.add(peer);
        }

        @Override
        public void onPeerMessage(ServerAddress from, byte[][] message) {
            received.add(from + " " + new String(message[1], StandardCharsets.US_ASCII));
            got.countDown();
        }
    }

    @Test
    void messagesReachThePeerInOrderWithTheSendersIdentity() throws Exception {
        Relay[] logic = new Relay[2];
        try (NioNode a = NioNode.start(ServerOptions.loopback(0), LogStore.open(StoreOptions.defaults(dir.resolve("a"))),
                     ctx -> logic[0] = new Relay(ctx, 0));
             NioNode b = NioNode.start(ServerOptions.loopback(0), LogStore.open(StoreOptions.defaults(dir.resolve("b"))),
                     ctx -> logic[1] = new Relay(ctx, 1000));
             var client = dev.ringkv.client.RingKvClient.connect(a.address(), java.time.Duration.ofSeconds(5))) {
            client.execute("SENDTO", b.address().toString(), "1000");
            logic[1].got.await(10, TimeUnit.SECONDS);
            assertEquals(1000, logic[1].received.size());
            for (int i = 0; i < 1000; i++) {
                assertEquals(a.address() + " " + i, logic[1].received.get(i));
            }
        }
    }

    @Test
    void aRefusedOrResetPeerIsReportedAsUnreachable() throws Exception {
        Relay[] logic = new Relay[2];
        try (NioNode a = NioNode.start(ServerOptions.loopback(0), LogStore.open(StoreOptions.defaults(dir.resolve("a"))),
                     ctx -> logic[0] = new Relay(ctx, 0));
             var client = dev.ringkv.client.RingKvClient.connect(a.address(), java.time.Duration.ofSeconds(5))) {
            NioNode b = NioNode.start(ServerOptions.loopback(0), LogStore.open(StoreOptions.defaults(dir.resolve("b"))),
                    ctx -> logic[1] = new Relay(ctx, 1));
            client.execute("SENDTO", b.address().toString(), "1");
            logic[1].got.await(10, TimeUnit.SECONDS);
            b.close(); // its sockets close: a's link sees the reset
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (logic[0].unreachable.isEmpty() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            assertEquals(b.address(), logic[0].unreachable.get(0));
            // a new send to the closed port is refused and reported too
            int before = logic[0].unreachable.size();
            client.execute("SENDTO", b.address().toString(), "1");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (logic[0].unreachable.size() == before && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            assertEquals(before + 1, logic[0].unreachable.size());
        }
    }
}
