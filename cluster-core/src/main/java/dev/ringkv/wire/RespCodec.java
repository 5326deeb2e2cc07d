package dev.ringkv.wire;

import java.nio.ByteBuffer;

/** Whole RESP values to and from byte arrays, for replies carried inside peer messages. */
public final class RespCodec {
    private RespCodec() {
    }

    public static byte[] encode(RespValue v) {
        OutBuffer out = new OutBuffer(64);
        out.value(v);
        ByteBuffer b = out.readable();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    /** Decodes exactly one value; a truncated or malformed one is a ProtocolException. */
    public static RespValue decode(byte[] bytes) throws ProtocolException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        RespValue v = new ReplyDecoder(WireLimits.DEFAULT).next(in);
        if (v == null) {
            throw new ProtocolException("truncated value (" + bytes.length + " bytes)");
        }
        return v;
    }
}
