package dev.ringkv.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A growable byte buffer that RESP values are encoded into, then drained to a channel. Not thread-safe.
 */
public final class OutBuffer {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO = ":0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ONE = ":1\r\n".getBytes(StandardCharsets.US_ASCII);

    private ByteBuffer buf;

    public OutBuffer(int initialCapacity) {
        buf = ByteBuffer.allocate(initialCapacity);
    }

    /** Bytes written and not yet drained. */
    public int size() {
        return buf.position();
    }

    public boolean isEmpty() {
        return buf.position() == 0;
    }

    /** The pending bytes, flipped for reading; call {@link #compact()} after draining from it. */
    public ByteBuffer readable() {
        buf.flip();
        return buf;
    }

    /** Ends a drain started with {@link #readable()}: keeps what was not drained. */
    public void compact() {
        buf.compact();
    }

    /**
     * Writes as much of the pending bytes as the channel takes now (a non-blocking channel may take
     * part); what is left stays buffered.
     */
    public int writeTo(java.nio.channels.WritableByteChannel ch) throws java.io.IOException {
        buf.flip();
        try {
            return ch.write(buf);
        } finally {
            buf.compact();
        }
    }

    /** Shrinks an oversized, now-empty buffer back so one huge reply does not pin memory forever. */
    public void trim(int capacity) {
        if (buf.position() == 0 && buf.capacity() > capacity) {
            buf = ByteBuffer.allocate(capacity);
        }
    }

    private void ensure(int extra) {
        if (buf.remaining() < extra) {
            int need = buf.position() + extra;
            int cap = Math.max(buf.capacity() * 2, need);
            ByteBuffer bigger = ByteBuffer.allocate(cap);
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    public void write(byte[] bytes) {
        ensure(bytes.length);
        buf.put(bytes);
    }

    public void write(byte[] bytes, int off, int len) {
        ensure(len);
        buf.put(bytes, off, len);
    }

    private void writeLong(long v) {
        ensure(21);
        if (v == Long.MIN_VALUE) {
            buf.put("-9223372036854775808".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (v < 0) {
            buf.put((byte) '-');
            v = -v;
        }
        if (v < 10) {
            buf.put((byte) ('0' + v));
            return;
        }
        int start = buf.position();
        while (v > 0) {
            buf.put((byte) ('0' + v % 10));
            v /= 10;
        }
        int end = buf.position() - 1;
        for (int i = start; i < end; i++, end--) {
            byte t = buf.get(i);
            buf.put(i, buf.get(end));
            buf.put(end, t);
        }
    }

    private void writeLine(char marker, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ensure(b.length + 3);
        buf.put((byte) marker);
        for (int i = 0; i < b.length; i++) {
            // a status or error line cannot carry CR/LF: they would end the frame early
            buf.put(b[i] == '\r' || b[i] == '\n' ? (byte) ' ' : b[i]);
        }
        buf.put(CRLF);
    }

    public void simple(String text) {
        if (text.equals("OK")) {
            write(OK);
        } else {
            writeLine('+', text);
        }
    }

    public void error(String text) {
        writeLine('-', text);
    }

    public void integer(long v) {
        if (v == 0) {
            write(ZERO);
        } else if (v == 1) {
            write(ONE);
        } else {
            ensure(1);
            buf.put((byte) ':');
            writeLong(v);
            write(CRLF);
        }
    }

    public void bulk(byte[] b) {
        if (b == null) {
            write(NULL_BULK);
            return;
        }
        ensure(b.length + 16);
        buf.put((byte) '$');
        writeLong(b.length);
        buf.put(CRLF);
        buf.put(b);
        buf.put(CRLF);
    }

    public void arrayHeader(int n) {
        ensure(1);
        buf.put((byte) '*');
        writeLong(n);
        write(CRLF);
    }

    /** Encodes a command as a RESP array of bulk strings. */
    public void command(byte[]... args) {
        arrayHeader(args.length);
        for (byte[] a : args) {
            bulk(a);
        }
    }

    public void value(RespValue v) {
        if (v == RespValue.OK) {
            write(OK);
            return;
        }
        if (v instanceof RespValue.Simple s) {
            simple(s.text());
        } else if (v instanceof RespValue.Error e) {
            error(e.text());
        } else if (v instanceof RespValue.Int i) {
            integer(i.value());
        } else if (v instanceof RespValue.Bulk b) {
            bulk(b.bytes());
        } else if (v instanceof RespValue.NullBulk) {
            write(NULL_BULK);
        } else if (v instanceof RespValue.NullArray) {
            write(NULL_ARRAY);
        } else if (v instanceof RespValue.Array a) {
            List<RespValue> items = a.items();
            arrayHeader(items.size());
            for (RespValue item : items) {
                value(item);
            }
        }
    }
}
