package dev.ringkv.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A RESP2 value: what a node replies and what a client reads. Immutable; byte arrays are not copied.
 */
public sealed interface RespValue {

    RespValue OK = new Simple("OK");
    RespValue PONG = new Simple("PONG");
    RespValue NULL = new NullBulk();
    RespValue NULL_ARRAY = new NullArray();
    RespValue ZERO = new Int(0);
    RespValue ONE = new Int(1);

    /** {@code +text} — a status line; must not contain CR or LF. */
    record Simple(String text) implements RespValue {
    }

    /** {@code -text} — an error; the first word is its code (ERR, NOT_RESPONSIBLE, WRITE_LOCK, ...). */
    record Error(String text) implements RespValue {
        public String code() {
            int sp = text.indexOf(' ');
            return sp < 0 ? text : text.substring(0, sp);
        }
    }

    /** {@code :n}. */
    record Int(long value) implements RespValue {
    }

    /** {@code $n} — binary-safe bytes. */
    record Bulk(byte[] bytes) implements RespValue {
        public String utf8() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bulk b && java.util.Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Bulk[" + utf8() + "]";
        }
    }

    /** {@code $-1}. */
    record NullBulk() implements RespValue {
    }

    /** {@code *n}. */
    record Array(List<RespValue> items) implements RespValue {
    }

    /** {@code *-1}. */
    record NullArray() implements RespValue {
    }

    static RespValue error(String text) {
        return new Error(text);
    }

    static RespValue bulk(String text) {
        return new Bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    static RespValue bulk(byte[] bytes) {
        return bytes == null ? NULL : new Bulk(bytes);
    }

    static RespValue integer(long n) {
        return n == 0 ? ZERO : n == 1 ? ONE : new Int(n);
    }
}
