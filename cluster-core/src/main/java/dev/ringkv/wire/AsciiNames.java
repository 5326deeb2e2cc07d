package dev.ringkv.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Command and message names as they come off the wire, upper-cased. Every command and every peer message
 * starts with its name; a known name is answered with its constant, so the hot path allocates no String
 * for it. Unknown names still work: they get a new upper-cased String, as before.
 */
public final class AsciiNames {

    private final String[] names;
    private final byte[][] upper;

    /** @param names upper-case ASCII names, the most frequent first (they are tried in this order) */
    public AsciiNames(List<String> names) {
        this.names = names.toArray(new String[0]);
        this.upper = new byte[this.names.length][];
        for (int i = 0; i < this.names.length; i++) {
            String n = this.names[i];
            if (!n.equals(n.toUpperCase(Locale.ROOT)) || !StandardCharsets.US_ASCII.newEncoder().canEncode(n)) {
                throw new IllegalArgumentException("not an upper-case ASCII name: " + n);
            }
            upper[i] = n.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The name in {@code b} upper-cased: one of the known constants if it is one (ASCII case ignored). */
    public String of(byte[] b) {
        outer:
        for (int i = 0; i < upper.length; i++) {
            byte[] u = upper[i];
            if (u.length != b.length) {
                continue;
            }
            for (int j = 0; j < u.length; j++) {
                int c = b[j];
                if (c >= 'a' && c <= 'z') {
                    c -= 'a' - 'A';
                }
                if (c != u[j]) {
                    continue outer;
                }
            }
            return names[i];
        }
        // no ISO-8859-1 letter outside ASCII upper-cases into ASCII, so this never yields a known name
        return new String(b, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
    }

    /** The bytes of a known name (shared: never modify them), or null if it is not one. */
    public byte[] bytesOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i] == name) {
                return upper[i];
            }
        }
        return null;
    }

    /**
     * The decimal number in {@code b}, as {@link Long#parseLong} reads it (same results, same
     * {@link NumberFormatException}s), without making a String of it.
     */
    public static long parseLong(byte[] b) {
        int n = b.length;
        if (n == 0 || n > 18) {
            // empty, or long enough to overflow: the JDK's own checks and messages
            return Long.parseLong(new String(b, StandardCharsets.UTF_8));
        }
        int i = 0;
        boolean negative = b[0] == '-';
        if (negative || b[0] == '+') {
            i = 1;
            if (n == 1) {
                return Long.parseLong(new String(b, StandardCharsets.UTF_8));
            }
        }
        long v = 0;
        for (; i < n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return Long.parseLong(new String(b, StandardCharsets.UTF_8)); // throws, with its message
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    /** The decimal digits of {@code v}, as {@code Long.toString(v).getBytes()} gives them, in one allocation. */
    public static byte[] digits(long v) {
        if (v == Long.MIN_VALUE) {
            return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
        }
        long abs = Math.abs(v);
        int len = v < 0 ? 2 : 1;
        for (long t = abs; t >= 10; t /= 10) {
            len++;
        }
        byte[] out = new byte[len];
        int p = len;
        do {
            out[--p] = (byte) ('0' + abs % 10);
            abs /= 10;
        } while (abs != 0);
        if (v < 0) {
            out[0] = '-';
        }
        return out;
    }
}
