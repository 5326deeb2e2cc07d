package dev.ringkv.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.ServerErrorException;
import dev.ringkv.ring.Hashing;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real node on loopback, driven through real sockets. */
class NodeOverLoopbackTest {

    @TempDir
    Path dir;
    private ServerFixture fx;
    private NioNode node;
    private RingKvClient client;

    @BeforeEach
    void start() {
        fx = new ServerFixture();
        node = fx.start(dir.resolve("n1"));
        client = fx.client(node);
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void setGetDelExistsBehaveLikeRedis() {
        assertEquals("PONG", client.ping());
        assertNull(client.get("k"));
        client.set("k", "v1");
        assertEquals("v1", client.get("k"));
        assertTrue(client.exists("k"));
        assertEquals(new RespValue.Int(2), client.execute("EXISTS", "k", "k"));
        assertTrue(client.del("k"));
        assertTrue(!client.del("k"));
        assertNull(client.get("k"));
    }

    @Test
    void setOptionsNxXxGet() {
        assertEquals(RespValue.OK, client.execute("SET", "a", "1", "NX"));
        assertEquals(RespValue.NULL, client.execute("SET", "a", "2", "NX"));
        assertEquals(RespValue.NULL, client.execute("SET", "b", "2", "XX"));
        assertEquals(RespValue.bulk("1"), client.execute("SET", "a", "3", "GET"));
        assertEquals("3", client.get("a"));
        ServerErrorException ex = assertThrows(ServerErrorException.class, () -> client.execute("SET", "a", "1", "EX", "10"));
        assertTrue(ex.getMessage().contains("not supported"), ex.getMessage());
        assertThrows(ServerErrorException.class, () -> client.execute("SET", "a", "1", "BOGUS"));
    }

    @Test
    void msetAndMgetKeepOrder() {
        client.execute("MSET", "x", "1", "y", "2");
        assertEquals(new RespValue.Array(List.of(RespValue.bulk("1"), RespValue.NULL, RespValue.bulk("2"))),
                client.execute("MGET", "x", "nope", "y"));
        assertEquals(new RespValue.Int(2), client.execute("DBSIZE"));
        assertThrows(ServerErrorException.class, () -> client.execute("MSET", "x", "1", "y"));
    }

    @Test
    void originalSystemVerbsPutAndDelete() {
        assertEquals("PUT_SUCCESS", client.put("k", "hello world"));
        assertEquals("PUT_UPDATE", client.put("k", "again"));
        assertEquals("again", client.get("k"));
        assertEquals("DELETE_SUCCESS", client.put("k", "null"));
        assertNull(client.get("k"));
        ServerErrorException e = assertThrows(ServerErrorException.class, () -> client.delete("k"));
        assertEquals("DELETE_ERROR", e.code());
    }

    @Test
    void keyrangeIsTheOriginalFormatForAOneNodeRing() {
        String hex = Hashing.position(b(node.address().toString())).hex();
        assertEquals(hex + "," + hex + "," + node.address() + ";", client.keyrange());
        assertEquals(client.keyrange(), client.keyrangeRead());
    }

    @Test
    void valuesAreBinarySafe() {
        byte[] v = new byte[70_000];
        new Random(3).nextBytes(v);
        byte[] k = {0, 1, 2, '\r', '\n', (byte) 0xff};
        client.set(k, v);
        assertArrayEquals(v, client.get(k));
    }

    @Test
    void aTenMegabyteValueRoundTrips() {
        byte[] v = new byte[10 * 1024 * 1024];
        new Random(4).nextBytes(v);
        client.set(b("big"), v);
        assertArrayEquals(v, client.get(b("big")));
    }

    @Test
    void pipelinedRepliesComeBackInOrder() {
        List<byte[][]> cmds = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            cmds.add(new byte[][] {b("SET"), b("p" + i), b("v" + i)});
            cmds.add(new byte[][] {b("GET"), b("p" + i)});
            cmds.add(new byte[][] {b("PING")});
        }
        List<CompletableFuture<RespValue>> fs = client.pipeline(cmds);
        for (int i = 0; i < 5000; i++) {
            assertEquals(RespValue.OK, client.await(fs.get(3 * i)));
            assertEquals(RespValue.bulk("v" + i), client.await(fs.get(3 * i + 1)));
            assertEquals(RespValue.PONG, client.await(fs.get(3 * i + 2)));
        }
    }

    @Test
    void connectionCommandsThatRedisClientsSend() {
        assertEquals(RespValue.OK, client.execute("CLIENT", "SETINFO", "LIB-NAME", "jedis"));
        assertEquals(RespValue.OK, client.execute("CLIENT", "SETNAME", "me"));
        assertEquals(RespValue.bulk("me"), client.execute("CLIENT", "GETNAME"));
        ServerErrorException hello3 = assertThrows(ServerErrorException.class, () -> client.execute("HELLO", "3"));
        assertEquals("NOPROTO", hello3.code());
        assertInstanceOf(RespValue.Array.class, client.execute("HELLO", "2"));
        assertEquals(new RespValue.Array(List.of()), client.execute("COMMAND", "DOCS"));
        assertEquals(new RespValue.Array(List.of(RespValue.bulk("save"), RespValue.bulk(""))),
                client.execute("CONFIG", "GET", "save"));
        assertEquals(RespValue.OK, client.execute("SELECT", "0"));
        assertThrows(ServerErrorException.class, () -> client.execute("SELECT", "1"));
        assertEquals(RespValue.bulk("hi"), client.execute("ECHO", "hi"));
        String info = ((RespValue.Bulk) client.execute("INFO")).utf8();
        assertTrue(info.contains("redis_version:") && info.contains("db0:keys=") && info.contains("ring_version:1"), info);
    }

    @Test
    void unknownCommandsAndWrongArityGetClearErrorsAndTheConnectionStays() {
        ServerErrorException e = assertThrows(ServerErrorException.class, () -> client.execute("FLY", "me"));
        assertEquals("ERR unknown command 'FLY', with args beginning with: 'me'", e.getMessage());
        e = assertThrows(ServerErrorException.class, () -> client.execute("GET"));
        assertEquals("ERR wrong number of arguments for 'get' command", e.getMessage());
        e = assertThrows(ServerErrorException.class, () -> client.execute("GET", "a", "b"));
        assertEquals("ERR wrong number of arguments for 'get' command", e.getMessage());
        assertEquals("PONG", client.ping());
    }

    @Test
    void anOversizedKeyIsRefusedAndNothingIsStored() {
        byte[] key = new byte[64 * 1024 + 1];
        ServerErrorException e = assertThrows(ServerErrorException.class, () -> client.set(key, b("v")));
        assertTrue(e.getMessage().contains("key is 65537 bytes"), e.getMessage());
        assertEquals(new RespValue.Int(0), client.execute("DBSIZE"));
        assertEquals("PONG", client.ping());
    }

    @Test
    void garbageBytesGetAProtocolErrorAndOtherConnectionsKeepWorking() throws Exception {
        client.set("safe", "1");
        try (RawConnection raw = new RawConnection(node.address())) {
            raw.send("*2\r\n$3\r\nGET\r\n\u0001\u0002garbage\r\n");
            RespValue v = raw.read();
            assertInstanceOf(RespValue.Error.class, v);
            assertTrue(((RespValue.Error) v).text().startsWith("ERR Protocol error: expected '$'"), v.toString());
            assertTrue(raw.closedByServer());
        }
        assertEquals("1", client.get("safe"));
    }

    @Test
    void aSixHundredMegabyteBulkLengthIsRefusedWithoutAllocatingIt() throws Exception {
        try (RawConnection raw = new RawConnection(node.address())) {
            raw.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n");
            RespValue v = raw.read();
            assertEquals(new RespValue.Error("ERR Protocol error: bulk length 600000000 exceeds the limit of 16777216 bytes"), v);
            assertTrue(raw.closedByServer());
        }
        assertNull(client.get("k"));
        assertEquals("PONG", client.ping());
    }

    @Test
    void anUnterminatedFrameDoesNotBlockOtherClients() throws Exception {
        try (RawConnection raw = new RawConnection(node.address())) {
            raw.send("*2\r\n$3\r\nSET\r\n$5\r\nab");
            client.set("other", "ok");
            assertEquals("ok", client.get("other"));
        }
        assertEquals("PONG", client.ping());
    }

    @Test
    void inlineCommandsWorkAsFromTelnet() throws Exception {
        try (RawConnection raw = new RawConnection(node.address())) {
            raw.send("SET greeting \"hello there\"\r\nGET greeting\r\nQUIT\r\n");
            assertEquals(RespValue.OK, raw.read());
            assertEquals(RespValue.bulk("hello there"), raw.read());
            assertEquals(RespValue.OK, raw.read());
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void aClientThatFloodsWithoutReadingGetsEveryReplyAndOthersAreServed() throws Exception {
        // 50k GETs of a 1 KB value = ~50 MB of replies; the node must push back rather than buffer them all
        client.set(b("v"), new byte[1024]);
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            burst.append("*2\r\n$3\r\nGET\r\n$1\r\nv\r\n");
        }
        byte[] chunk = burst.toString().getBytes(StandardCharsets.US_ASCII);
        try (RawConnection raw = new RawConnection(node.address())) {
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 50; i++) {
                        raw.send(chunk);
                    }
                } catch (Exception e) {
                    // the socket closes at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            // other clients are served while that one is stuck
            for (int i = 0; i < 100; i++) {
                assertEquals("PONG", client.ping());
            }
            int replies = 0;
            while (replies < 50_000) {
                RespValue v = raw.read();
                assertInstanceOf(RespValue.Bulk.class, v);
                replies++;
            }
            writer.join(10_000);
        }
    }
}
