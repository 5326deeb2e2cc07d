package dev.ringkv.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommandDecoderTest {

    private static final WireLimits SMALL = new WireLimits(1024, 16, 256);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> words(byte[][] cmd) {
        List<String> out = new ArrayList<>();
        for (byte[] b : cmd) {
            out.add(new String(b, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    /** Feeds the bytes in chunks of the given size, the way a socket may deliver them. */
    private static List<List<String>> decodeInChunks(CommandDecoder d, byte[] all, int chunk) throws ProtocolException {
        List<List<String>> out = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(all.length + 16);
        buf.flip();
        for (int off = 0; off < all.length; off += chunk) {
            buf.compact();
            buf.put(all, off, Math.min(chunk, all.length - off));
            buf.flip();
            byte[][] cmd;
            while ((cmd = d.next(buf)) != null) {
                out.add(words(cmd));
            }
        }
        return out;
    }

    @Test
    void decodesAMultibulkCommand() throws Exception {
        byte[][] cmd = new CommandDecoder(SMALL).next(ByteBuffer.wrap(bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n")));
        assertEquals(List.of("SET", "k", "hello"), words(cmd));
    }

    @Test
    void everySplitPointDecodesTheSameCommands() throws Exception {
        byte[] two = bytes("*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\n\r\n\r\n\r\nPING\r\n");
        List<List<String>> expected = List.of(List.of("GET", "abc"), List.of("SET", "", "\r\n\r\n"), List.of("PING"));
        for (int chunk = 1; chunk <= two.length; chunk++) {
            assertEquals(expected, decodeInChunks(new CommandDecoder(SMALL), two, chunk), "chunk size " + chunk);
        }
    }

    @Test
    void coalescedCommandsDecodeOneByOne() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            b.append("*2\r\n$3\r\nGET\r\n$").append(String.valueOf(i).length()).append("\r\n").append(i).append("\r\n");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes(b.toString()));
        CommandDecoder d = new CommandDecoder(SMALL);
        for (int i = 0; i < 100; i++) {
            assertEquals(List.of("GET", String.valueOf(i)), words(d.next(buf)));
        }
        assertNull(d.next(buf));
        assertTrue(!d.inFrame());
    }

    @Test
    void binarySafeBulkStrings() throws Exception {
        byte[] value = new byte[256];
        for (int i = 0; i < 256; i++) {
            value[i] = (byte) i;
        }
        OutBuffer out = new OutBuffer(16);
        out.command(bytes("SET"), bytes("k"), value);
        byte[][] cmd = new CommandDecoder(SMALL).next(out.readable());
        assertArrayEquals(value, cmd[2]);
    }

    @Test
    void inlineCommandsSplitOnSpacesAndKeepQuotedWords() throws Exception {
        CommandDecoder d = new CommandDecoder(SMALL);
        ByteBuffer buf = ByteBuffer.wrap(bytes("\r\nset  k \"two words\\n\"\r\nPING\n"));
        assertEquals(List.of("set", "k", "two words\n"), words(d.next(buf)));
        assertEquals(List.of("PING"), words(d.next(buf)));
        assertNull(d.next(buf));
    }

    @Test
    void oversizedBulkLengthIsRefusedBeforeAnyPayload() {
        ByteBuffer buf = ByteBuffer.wrap(bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n"));
        ProtocolException e = assertThrows(ProtocolException.class, () -> new CommandDecoder(WireLimits.DEFAULT).next(buf));
        assertTrue(e.getMessage().contains("600000000"), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void tooManyArgumentsIsRefused() {
        ByteBuffer buf = ByteBuffer.wrap(bytes("*17\r\n"));
        assertThrows(ProtocolException.class, () -> new CommandDecoder(SMALL).next(buf));
    }

    @Test
    void garbageWhereABulkHeaderBelongsIsAProtocolError() {
        ByteBuffer buf = ByteBuffer.wrap(bytes("*2\r\n$3\r\nGET\r\nxyz\r\n"));
        ProtocolException e = assertThrows(ProtocolException.class, () -> new CommandDecoder(SMALL).next(buf));
        assertEquals("expected '$', got 'x'", e.getMessage());
    }

    @Test
    void negativeAndNonNumericLengthsAreProtocolErrors() {
        for (String bad : List.of("*1\r\n$-5\r\n", "*1\r\n$abc\r\n", "*x\r\n", "*1\r\n$\r\n", "*1\r\n$3\r\nGETxx")) {
            assertThrows(ProtocolException.class, () -> new CommandDecoder(SMALL).next(ByteBuffer.wrap(bytes(bad))), bad);
        }
    }

    @Test
    void anUnterminatedInlineLineIsRefusedAtTheLimit() throws Exception {
        CommandDecoder d = new CommandDecoder(SMALL);
        assertNull(d.next(ByteBuffer.wrap(bytes("GET " + "a".repeat(100)))));
        assertThrows(ProtocolException.class, () -> d.next(ByteBuffer.wrap(bytes("GET " + "a".repeat(300)))));
    }

    @Test
    void unterminatedFrameWaitsForMoreBytes() throws Exception {
        CommandDecoder d = new CommandDecoder(SMALL);
        ByteBuffer buf = ByteBuffer.wrap(bytes("*2\r\n$3\r\nGET\r\n$10\r\nabc"));
        assertNull(d.next(buf));
        assertTrue(d.inFrame());
    }

    @Test
    void randomGarbageNeverEscapesAsAnythingButProtocolException() {
        Random r = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] junk = new byte[r.nextInt(64)];
            r.nextBytes(junk);
            if (r.nextBoolean() && junk.length > 0) {
                junk[0] = (byte) "*$+:-".charAt(r.nextInt(5));
            }
            CommandDecoder d = new CommandDecoder(SMALL);
            ByteBuffer buf = ByteBuffer.wrap(junk);
            try {
                while (d.next(buf) != null) {
                    // keep decoding
                }
            } catch (ProtocolException expected) {
                // the connection would be closed with this message
            }
        }
    }
}
