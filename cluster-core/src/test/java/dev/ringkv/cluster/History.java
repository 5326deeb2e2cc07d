package dev.ringkv.cluster;

import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes a test issued, per key, with when they were invoked and completed and how. Every value is
 * unique, so a value read back names the write that put it there.
 */
final class History {

    static final class Write {
        final String key;
        final String value;
        final long invokedAt;
        long completedAt = Long.MAX_VALUE;
        Boolean ok; // null: no answer (unknown)
        String via;

        Write(String key, String value, long invokedAt) {
            this.key = key;
            this.value = value;
            this.invokedAt = invokedAt;
        }
    }

    private final Map<String, List<Write>> byKey = new HashMap<>();
    private final Map<String, Write> byValue = new HashMap<>();
    int acknowledged;

    Write invoke(String key, String value, long now) {
        Write w = new Write(key, value, now);
        byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
        byValue.put(value, w);
        return w;
    }

    void complete(Write w, boolean ok, long now) {
        w.ok = ok;
        w.completedAt = ok ? now : Long.MAX_VALUE; // a failed write may still land later: unknown
        if (ok) {
            acknowledged++;
        }
    }

    static String describe(List<Write> writes) {
        StringBuilder b = new StringBuilder();
        for (Write w : writes.subList(Math.max(0, writes.size() - 6), writes.size())) {
            b.append(w.value).append('@').append(w.invokedAt).append("..").append(w.ok == null ? "?" : w.ok ? w.completedAt : "failed")
                    .append(w.via == null ? "" : " via " + w.via).append("; ");
        }
        return b.toString();
    }

    Iterable<String> keys() {
        return byKey.keySet();
    }

    /**
     * Null if the final value is allowed: it was written by some write W that no acknowledged write
     * follows in real time (invoked after W completed) — per-key linearizability of the last write, and
     * with it "no acknowledged write lost". Otherwise a description of the violation.
     */
    String checkFinal(String key, RespValue read) {
        List<Write> writes = byKey.get(key);
        Write lastAcked = null;
        for (Write w : writes) {
            if (Boolean.TRUE.equals(w.ok) && (lastAcked == null || w.invokedAt > lastAcked.invokedAt)) {
                lastAcked = w;
            }
        }
        if (!(read instanceof RespValue.Bulk b)) {
            return lastAcked == null ? null : key + " reads " + read + " but " + lastAcked.value + " was acknowledged at "
                    + lastAcked.completedAt + "; writes: " + describe(writes);
        }
        Write w = byValue.get(b.utf8());
        if (w == null || !w.key.equals(key)) {
            return key + " reads " + b.utf8() + ", which no write of it wrote";
        }
        for (Write other : writes) {
            if (Boolean.TRUE.equals(other.ok) && other.invokedAt > w.completedAt) {
                return key + " reads " + w.value + " (completed at " + w.completedAt + ") but " + other.value
                        + " was invoked later, at " + other.invokedAt + ", and acknowledged at " + other.completedAt;
            }
        }
        return null;
    }
}
