package dev.ringkv.runtime;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.ProtocolException;
import dev.ringkv.wire.ReplyDecoder;
import dev.ringkv.wire.RespValue;
import dev.ringkv.wire.WireLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A plain socket for sending arbitrary bytes, as a broken or hostile client would. */
final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ReplyDecoder decoder = new ReplyDecoder(WireLimits.DEFAULT);
    private ByteBuffer buf = ByteBuffer.allocate(1 << 16);

    RawConnection(ServerAddress a) throws IOException {
        socket = new Socket(a.host(), a.port());
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        buf.flip();
    }

    RawConnection send(String s) throws IOException {
        return send(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawConnection send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    /** The next reply, or null if the server closed the connection first. */
    RespValue read() throws IOException, ProtocolException {
        while (true) {
            RespValue v = decoder.next(buf);
            if (v != null) {
                return v;
            }
            buf.compact();
            if (!buf.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            int r = in.read(buf.array(), buf.position(), buf.remaining());
            if (r < 0) {
                buf.flip();
                return null;
            }
            buf.position(buf.position() + r);
            buf.flip();
        }
    }

    /** True if the server closed its side (EOF) after any pending replies. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
