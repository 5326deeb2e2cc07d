package dev.ringkv.sim;

import dev.ringkv.wire.RespValue;

/** Short, printable renderings of messages and replies for the trace; binary bytes appear as {@code \xNN}. */
final class Render {

    private static final int MAX_ARG_CHARS = 40;
    private static final int MAX_ARGS = 8;

    private Render() {
    }

    static String message(byte[][] args) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < args.length && i < MAX_ARGS; i++) {
            if (i > 0) {
                b.append(' ');
            }
            bytes(b, args[i]);
        }
        if (args.length > MAX_ARGS) {
            b.append(" ...+").append(args.length - MAX_ARGS);
        }
        return b.append(']').toString();
    }

    static String value(RespValue v) {
        if (v instanceof RespValue.Simple s) {
            return "+" + s.text();
        } else if (v instanceof RespValue.Error e) {
            return "-" + e.text();
        } else if (v instanceof RespValue.Int n) {
            return ":" + n.value();
        } else if (v instanceof RespValue.Bulk bulk) {
            return bytes(new StringBuilder("$"), bulk.bytes()).toString();
        } else if (v instanceof RespValue.Array a) {
            StringBuilder b = new StringBuilder("*[");
            for (int i = 0; i < a.items().size(); i++) {
                b.append(i > 0 ? " " : "").append(value(a.items().get(i)));
            }
            return b.append(']').toString();
        } else if (v instanceof RespValue.NullArray) {
            return "*-1";
        }
        return "$-1";
    }

    private static StringBuilder bytes(StringBuilder b, byte[] arg) {
        int n = Math.min(arg.length, MAX_ARG_CHARS);
        for (int i = 0; i < n; i++) {
            int c = arg[i] & 0xff;
            if (c >= 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        if (arg.length > n) {
            b.append("...(").append(arg.length).append(" bytes)");
        }
        return b;
    }
}
