package dev.ringkv.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyDecoderTest {

    private static final List<RespValue> SAMPLES = List.of(
            RespValue.OK, new RespValue.Error("ERR nope"), RespValue.integer(-42), RespValue.integer(1234567890123L),
            RespValue.bulk("héllo\r\nworld"), RespValue.NULL, RespValue.NULL_ARRAY,
            new RespValue.Array(List.of(RespValue.bulk("a"), RespValue.NULL,
                    new RespValue.Array(List.of(RespValue.integer(7))), new RespValue.Array(List.of()))));

    @Test
    void everyValueRoundTripsThroughEncoderAndDecoder() throws Exception {
        OutBuffer out = new OutBuffer(8);
        SAMPLES.forEach(out::value);
        ByteBuffer in = out.readable();
        ReplyDecoder d = new ReplyDecoder(WireLimits.DEFAULT);
        List<RespValue> got = new ArrayList<>();
        RespValue v;
        while ((v = d.next(in)) != null) {
            got.add(v);
        }
        assertEquals(SAMPLES, got);
    }

    @Test
    void valuesSplitAtEveryByteDecodeOnceComplete() throws Exception {
        OutBuffer out = new OutBuffer(8);
        SAMPLES.forEach(out::value);
        ByteBuffer all = out.readable();
        byte[] bytes = new byte[all.remaining()];
        all.get(bytes);
        ReplyDecoder d = new ReplyDecoder(WireLimits.DEFAULT);
        ByteBuffer buf = ByteBuffer.allocate(bytes.length);
        buf.flip();
        List<RespValue> got = new ArrayList<>();
        for (byte b : bytes) {
            buf.compact();
            buf.put(b);
            buf.flip();
            RespValue v;
            while ((v = d.next(buf)) != null) {
                got.add(v);
            }
        }
        assertEquals(SAMPLES, got);
    }

    @Test
    void incompleteBulkAsksForItsWholeLength() throws Exception {
        ReplyDecoder d = new ReplyDecoder(WireLimits.DEFAULT);
        ByteBuffer buf = ByteBuffer.wrap("$100\r\nabc".getBytes(StandardCharsets.US_ASCII));
        assertNull(d.next(buf));
        assertEquals(0, buf.position());
        assertEquals(108, d.bytesNeeded()); // "$100\r\n" + 100 + CRLF
    }

    @Test
    void unknownTypeByteIsAProtocolError() {
        ReplyDecoder d = new ReplyDecoder(WireLimits.DEFAULT);
        assertThrows(ProtocolException.class, () -> d.next(ByteBuffer.wrap("?x\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void statusLinesCannotSmuggleLineBreaks() throws Exception {
        OutBuffer out = new OutBuffer(8);
        out.error("ERR bad\r\ninjected");
        RespValue v = new ReplyDecoder(WireLimits.DEFAULT).next(out.readable());
        assertEquals(new RespValue.Error("ERR bad  injected"), v);
    }
}
