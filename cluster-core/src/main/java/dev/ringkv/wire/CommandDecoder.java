package dev.ringkv.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental decoder of client commands: RESP arrays of bulk strings, or inline commands (a line of
 * space-separated words, as telnet sends). Feed it whatever bytes arrived; it never re-reads bytes it
 * has consumed, so a 16 MB value split over a thousand reads costs one copy.
 *
 * <p>Not thread-safe: one decoder per connection, used by its event loop.
 */
public final class CommandDecoder {

    private final WireLimits limits;

    // progress through the current multibulk command
    private byte[][] args;
    private int argIndex;
    private byte[] bulk;      // current argument being filled, or null while its $ header is awaited
    private int bulkFilled;
    private boolean needCrlf; // the current bulk's payload is complete; its CRLF is awaited

    public CommandDecoder(WireLimits limits) {
        this.limits = limits;
    }

    /** True if part of a command has been consumed and the rest is awaited. */
    public boolean inFrame() {
        return args != null;
    }

    /**
     * Decodes the next complete command from {@code in} (between its position and limit), advancing the
     * position past what was consumed.
     *
     * @return the command's arguments (at least one), or {@code null} if more bytes are needed
     * @throws ProtocolException on input that is not RESP or breaks a limit; the connection must close
     */
    public byte[][] next(ByteBuffer in) throws ProtocolException {
        while (true) {
            if (args == null) {
                if (!in.hasRemaining()) {
                    return null;
                }
                byte first = in.get(in.position());
                if (first != '*') {
                    byte[][] inline = inline(in);
                    if (inline == null || inline.length > 0) {
                        return inline;
                    }
                    continue; // blank line: skipped, as redis-cli --pipe sends one first
                }
                long n = headerLine(in, '*');
                if (n == Long.MIN_VALUE) {
                    return null;
                }
                if (n > limits.maxArrayLength()) {
                    throw new ProtocolException("invalid multibulk length " + n + " (limit "
                            + limits.maxArrayLength() + ")");
                }
                if (n <= 0) {
                    continue; // *0 and *-1 are ignored, as Redis does
                }
                args = new byte[(int) n][];
                argIndex = 0;
            }
            while (argIndex < args.length) {
                if (bulk == null && !needCrlf) {
                    if (!in.hasRemaining()) {
                        return null;
                    }
                    byte b = in.get(in.position());
                    if (b != '$') {
                        throw new ProtocolException("expected '$', got '" + printable(b) + "'");
                    }
                    long len = headerLine(in, '$');
                    if (len == Long.MIN_VALUE) {
                        return null;
                    }
                    if (len < 0) {
                        throw new ProtocolException("invalid bulk length " + len);
                    }
                    if (len > limits.maxBulkBytes()) {
                        throw new ProtocolException("bulk length " + len + " exceeds the limit of "
                                + limits.maxBulkBytes() + " bytes");
                    }
                    bulk = new byte[(int) len];
                    bulkFilled = 0;
                }
                if (bulk != null) {
                    int take = Math.min(in.remaining(), bulk.length - bulkFilled);
                    in.get(bulk, bulkFilled, take);
                    bulkFilled += take;
                    if (bulkFilled < bulk.length) {
                        return null;
                    }
                    args[argIndex] = bulk;
                    bulk = null;
                    needCrlf = true;
                }
                if (in.remaining() < 2) {
                    return null;
                }
                if (in.get() != '\r' || in.get() != '\n') {
                    throw new ProtocolException("expected CRLF after a bulk string");
                }
                needCrlf = false;
                argIndex++;
            }
            byte[][] done = args;
            args = null;
            return done;
        }
    }

    /**
     * Reads a {@code <marker><integer>\r\n} header. Returns Long.MIN_VALUE (consuming nothing) when the
     * line is incomplete.
     */
    private long headerLine(ByteBuffer in, char marker) throws ProtocolException {
        int start = in.position();
        int limit = in.limit();
        int max = Math.min(limit, start + 32);
        for (int i = start + 1; i < max; i++) {
            if (in.get(i) == '\r') {
                if (i + 1 >= limit) {
                    return Long.MIN_VALUE;
                }
                if (in.get(i + 1) != '\n') {
                    throw new ProtocolException("expected LF after CR in a '" + marker + "' header");
                }
                long v = parseLong(in, start + 1, i, marker);
                in.position(i + 2);
                return v;
            }
        }
        if (max - start >= 32) {
            throw new ProtocolException("'" + marker + "' header line is too long");
        }
        return Long.MIN_VALUE;
    }

    private static long parseLong(ByteBuffer in, int from, int to, char marker) throws ProtocolException {
        if (from == to) {
            throw new ProtocolException("invalid " + (marker == '*' ? "multibulk" : "bulk") + " length ''");
        }
        boolean neg = in.get(from) == '-';
        int i = neg ? from + 1 : from;
        if (i == to) {
            throw new ProtocolException("invalid " + (marker == '*' ? "multibulk" : "bulk") + " length '-'");
        }
        long v = 0;
        for (; i < to; i++) {
            byte c = in.get(i);
            if (c < '0' || c > '9' || v > (Long.MAX_VALUE - 9) / 10) {
                throw new ProtocolException("invalid " + (marker == '*' ? "multibulk" : "bulk") + " length");
            }
            v = v * 10 + (c - '0');
        }
        return neg ? -v : v;
    }

    /** An inline command: one line split on spaces/tabs, double-quoted words kept whole. */
    private byte[][] inline(ByteBuffer in) throws ProtocolException {
        int start = in.position();
        int limit = in.limit();
        int max = Math.min(limit, start + limits.maxInlineBytes());
        int nl = -1;
        for (int i = start; i < max; i++) {
            if (in.get(i) == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            if (limit - start >= limits.maxInlineBytes()) {
                throw new ProtocolException("too big inline request (limit " + limits.maxInlineBytes() + " bytes)");
            }
            return null;
        }
        int end = nl > start && in.get(nl - 1) == '\r' ? nl - 1 : nl;
        byte[] line = new byte[end - start];
        in.get(line);
        in.position(nl + 1);
        return splitInline(line);
    }

    static byte[][] splitInline(byte[] line) throws ProtocolException {
        List<byte[]> words = new ArrayList<>();
        int i = 0;
        while (i < line.length) {
            byte c = line[i];
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            if (c == '"') {
                java.io.ByteArrayOutputStream w = new java.io.ByteArrayOutputStream();
                i++;
                boolean closed = false;
                while (i < line.length) {
                    byte d = line[i++];
                    if (d == '\\' && i < line.length) {
                        byte e = line[i++];
                        switch (e) {
                            case 'n' -> w.write('\n');
                            case 'r' -> w.write('\r');
                            case 't' -> w.write('\t');
                            default -> w.write(e);
                        }
                    } else if (d == '"') {
                        closed = true;
                        break;
                    } else {
                        w.write(d);
                    }
                }
                if (!closed) {
                    throw new ProtocolException("unbalanced quotes in request");
                }
                words.add(w.toByteArray());
            } else {
                int s = i;
                while (i < line.length && line[i] != ' ' && line[i] != '\t') {
                    i++;
                }
                words.add(java.util.Arrays.copyOfRange(line, s, i));
            }
        }
        return words.toArray(new byte[0][]);
    }

    private static String printable(byte b) {
        return b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }
}
