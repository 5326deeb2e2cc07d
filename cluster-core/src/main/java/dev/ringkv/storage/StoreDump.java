package dev.ringkv.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code ringkv dump}: prints what a data directory holds, as recovery would see it, without changing a
 * byte of it (files opened read-only, no lock taken, a torn tail reported rather than cut). Safe on the
 * directory of a running server, though it shows only what that server had written at the time.
 *
 * <p>Format: a header line {@code # <dir>: <keys> keys, <tombstones> tombstones, <segments> segments,
 * <bytes> bytes on disk, highest version <term.ring.seq>}, one {@code # warning: ...} line per damaged
 * file, then one line per key in ring order: {@code <position hex>  <version>  <key>  <value>}, the version
 * as {@code term.ring.seq} (ring 0 for a record written before versions had a ring field). Bytes outside
 * printable ASCII are escaped as {@code \xNN} (and a backslash as {@code \\}); a tombstone shows as
 * {@code (deleted)}; a value longer than {@value #VALUE_PREVIEW_BYTES} bytes is cut, followed by
 * {@code ... (<n> bytes)}.
 */
public final class StoreDump {

    static final int VALUE_PREVIEW_BYTES = 256;

    private StoreDump() {
    }

    public static void dump(Path dir, Appendable out) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) {
            throw new StorageException("data directory " + d + " does not exist");
        }
        Recovery.Result r = Recovery.load(d, FileChannel::open, VALUE_PREVIEW_BYTES, true);
        try {
            long bytes = r.segments().values().stream().mapToLong(s -> s.size).sum();
            out.append("# ").append(d.toString()).append(": ")
                    .append(Long.toString(r.keyDir().liveKeys())).append(" keys, ")
                    .append(Long.toString(r.keyDir().tombstones())).append(" tombstones, ")
                    .append(Integer.toString(r.segments().size())).append(" segments, ")
                    .append(Long.toString(bytes)).append(" bytes on disk, highest version ")
                    .append(r.highest().toString()).append('\n');
            for (String problem : r.problems()) {
                out.append("# warning: ").append(problem).append('\n');
            }
            for (KeyDir.Entry e : r.keyDir().ordered()) {
                out.append(e.position().hex()).append("  ").append(e.version().toString()).append("  ");
                escape(e.key, e.key.length, out);
                out.append("  ");
                appendValue(r.keyDir(), e, out);
                out.append('\n');
            }
        } finally {
            r.segments().values().forEach(Segment::close);
        }
    }

    private static void appendValue(KeyDir keyDir, KeyDir.Entry e, Appendable out) throws IOException {
        if (e.isTombstone()) {
            out.append("(deleted)");
            return;
        }
        byte[] value = e.inline == ValueArena.NONE ? null : keyDir.values().read(e.inline, e.valueLength);
        if (value == null) {
            try {
                byte[] record = e.segment.readRecord(e.offset, e.recordSize());
                int from = e.segment.recordHeaderBytes + e.key.length;
                value = Arrays.copyOfRange(record, from, Math.min(record.length, from + VALUE_PREVIEW_BYTES));
            } catch (IOException x) {
                out.append("(unreadable: ").append(StoreFiles.describe(x)).append(')');
                return;
            }
        }
        escape(value, Math.min(value.length, VALUE_PREVIEW_BYTES), out);
        if (e.valueLength > VALUE_PREVIEW_BYTES) {
            out.append("... (").append(Integer.toString(e.valueLength)).append(" bytes)");
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static void escape(byte[] bytes, int length, Appendable out) throws IOException {
        for (int i = 0; i < length; i++) {
            int b = bytes[i] & 0xff;
            if (b == '\\') {
                out.append("\\\\");
            } else if (b >= 0x20 && b < 0x7f) {
                out.append((char) b);
            } else {
                out.append("\\x").append(HEX[b >>> 4]).append(HEX[b & 0xf]);
            }
        }
    }
}
