package dev.ringkv.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoder of any RESP2 value (a client reading replies, a peer reading messages). A value that has not
 * fully arrived is left unconsumed and re-read once enough bytes are there; {@link #bytesNeeded()} tells
 * the caller how much to buffer so a large bulk string is not re-scanned on every read.
 *
 * <p>Not thread-safe.
 */
public final class ReplyDecoder {

    private static final Object INCOMPLETE = new Object();

    private final WireLimits limits;
    private int needed;

    public ReplyDecoder(WireLimits limits) {
        this.limits = limits;
    }

    /** Minimum bytes that must be readable before the next attempt can succeed (0 if unknown). */
    public int bytesNeeded() {
        return needed;
    }

    /** The next complete value, or null if it has not fully arrived (nothing consumed then). */
    public RespValue next(ByteBuffer in) throws ProtocolException {
        if (needed > 0 && in.remaining() < needed) {
            return null;
        }
        int start = in.position();
        Object v = value(in, 0);
        if (v == INCOMPLETE) {
            in.position(start);
            return null;
        }
        needed = 0;
        return (RespValue) v;
    }

    private Object value(ByteBuffer in, int depth) throws ProtocolException {
        if (depth > 64) {
            throw new ProtocolException("reply nested too deeply");
        }
        int lineStart = in.position();
        String line = line(in);
        if (line == null) {
            return INCOMPLETE;
        }
        if (line.isEmpty()) {
            throw new ProtocolException("empty reply line");
        }
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '+':
                return new RespValue.Simple(rest);
            case '-':
                return new RespValue.Error(rest);
            case ':':
                return RespValue.integer(number(rest));
            case '$': {
                long len = number(rest);
                if (len < 0) {
                    return RespValue.NULL;
                }
                if (len > limits.maxBulkBytes()) {
                    throw new ProtocolException("bulk reply of " + len + " bytes exceeds the limit of "
                            + limits.maxBulkBytes());
                }
                if (in.remaining() < len + 2) {
                    needed = (int) (in.position() - lineStart + len + 2);
                    return INCOMPLETE;
                }
                byte[] b = new byte[(int) len];
                in.get(b);
                if (in.get() != '\r' || in.get() != '\n') {
                    throw new ProtocolException("expected CRLF after a bulk reply");
                }
                return new RespValue.Bulk(b);
            }
            case '*': {
                long n = number(rest);
                if (n < 0) {
                    return RespValue.NULL_ARRAY;
                }
                if (n > limits.maxArrayLength()) {
                    throw new ProtocolException("array reply of " + n + " items exceeds the limit");
                }
                List<RespValue> items = new ArrayList<>((int) Math.min(n, 1024));
                for (long i = 0; i < n; i++) {
                    Object item = value(in, depth + 1);
                    if (item == INCOMPLETE) {
                        needed = 0;
                        return INCOMPLETE;
                    }
                    items.add((RespValue) item);
                }
                return new RespValue.Array(List.copyOf(items));
            }
            default:
                throw new ProtocolException("unknown reply type '" + type + "'");
        }
    }

    private String line(ByteBuffer in) throws ProtocolException {
        int start = in.position();
        int limit = in.limit();
        int max = Math.min(limit, start + limits.maxInlineBytes());
        for (int i = start; i < max - 1; i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n') {
                byte[] b = new byte[i - start];
                in.get(b);
                in.position(i + 2);
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        if (limit - start >= limits.maxInlineBytes()) {
            throw new ProtocolException("reply line longer than " + limits.maxInlineBytes() + " bytes");
        }
        return null;
    }

    private static long number(String s) throws ProtocolException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ProtocolException("invalid number '" + s + "' in reply");
        }
    }
}
