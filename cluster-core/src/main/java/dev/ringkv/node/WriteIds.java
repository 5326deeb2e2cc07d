package dev.ringkv.node;

import dev.ringkv.storage.Key;
import dev.ringkv.storage.Version;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identities of recent writes that a client may send again (issue 17, item 8): the routing client
 * sends a plain {@code SET} as {@code RINGKV ONCE id SET key value}, and when its reply is lost it retries
 * with the same id — possibly at another coordinator after a failover. A retry must not stamp the write
 * anew, or it would take effect a second time, after writes made in between. So the coordinator records
 * each id with the key and the version it stamped, and every copy of a key carries the ids this node knows
 * for it (a replica's {@code REPL}, a transfer's chunk, a write forwarded to a range's new holder): whoever
 * coordinates the key next — a replica after a failover, or a server the range moved to — knows them too.
 *
 * <p>An id learnt from a copy is recorded with the copy's version, which is at or after the write's own:
 * a retry of it there completes as a write that took effect (see {@code KvNode.completeKnownWrite}).
 *
 * <p>Bounded: the newest {@link #CAPACITY} ids are kept, and a copy carries at most {@link #PER_KEY} of a
 * key's ids. An id forgotten (evicted, not carried, or lost with a restart: they live in memory only) costs a
 * retry its answer, never its safety: the client marks a retry that may follow a try that took effect
 * ({@code RETRY}), and a node that does not know its id refuses it as uncertain rather than make it again
 * (see {@code KvNode.refusedAsUncertain}). Node thread only.
 */
final class WriteIds {

    static final int CAPACITY = 65_536;
    static final int PER_KEY = 16;
    static final byte[] NONE = new byte[0];

    /**
     * The write an id stamped: its key and version — exactly the write's own ({@code exact}: stamped here,
     * or told by its coordinator's {@code REPL}), or only a version at or after it (learnt from a copy of a
     * later state of the key: a transfer's chunk, a forwarded write, an answer about a learnt one).
     */
    record Stamped(byte[] key, Version version, boolean exact) {
    }

    /** A key's known ids, oldest first. */
    private final Map<Key, ArrayDeque<Long>> byKey = new HashMap<>();

    private final Map<Long, Stamped> ids = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Stamped> eldest) {
            if (size() <= CAPACITY) {
                return false;
            }
            forgetForKey(eldest.getValue().key(), eldest.getKey());
            return true;
        }
    };

    /** Records the write {@code id} stamped, at exactly {@code version}. */
    void put(long id, byte[] key, Version version) {
        put(id, key, version, true);
    }

    void put(long id, byte[] key, Version version, boolean exact) {
        Stamped before = ids.put(id, new Stamped(key, version, exact));
        if (before != null && !java.util.Arrays.equals(before.key(), key)) {
            forgetForKey(before.key(), id); // a client that numbers its writes again from 1, say
            before = null;
        }
        if (before == null) {
            ArrayDeque<Long> forKey = byKey.computeIfAbsent(new Key(key), k -> new ArrayDeque<>(2));
            forKey.addLast(id);
            if (forKey.size() > PER_KEY) {
                forKey.removeFirst(); // still known here, no longer carried with the key's copies
            }
        }
    }

    /** The write {@code id} stamped, or null if this node never saw it (or forgot it). */
    Stamped get(long id) {
        return ids.get(id);
    }

    /**
     * The ids this node knows for {@code key} whose writes are at or before {@code upTo} (the version of the
     * copy about to be sent), as a copy carries them: decimal ids joined by commas, or nothing.
     */
    byte[] of(byte[] key, Version upTo) {
        ArrayDeque<Long> forKey = byKey.get(new Key(key));
        if (forKey == null) {
            return NONE;
        }
        StringBuilder out = new StringBuilder();
        for (long id : forKey) {
            Stamped s = ids.get(id);
            if (s != null && s.version().compareTo(upTo) <= 0) {
                out.append(out.length() == 0 ? "" : ",").append(id);
            }
        }
        return out.length() == 0 ? NONE : out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Records the ids a copy of {@code key} at {@code version} carried (see {@link #of}) — exactly at that
     * version if {@code exact} (a coordinator's copy of the write itself), else as at or before it; an id this
     * node knows already keeps what it knew. A malformed list is ignored whole.
     */
    void learn(byte[] key, Version version, byte[] carried, boolean exact) {
        if (carried.length == 0) {
            return;
        }
        String[] parts = new String(carried, StandardCharsets.US_ASCII).split(",");
        long[] parsed = new long[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                parsed[i] = Long.parseLong(parts[i]);
            }
        } catch (NumberFormatException e) {
            return;
        }
        for (long id : parsed) {
            if (!ids.containsKey(id)) {
                put(id, key, version, exact && parsed.length == 1);
            }
        }
    }

    int size() {
        return ids.size();
    }

    private void forgetForKey(byte[] key, long id) {
        Key k = new Key(key);
        ArrayDeque<Long> forKey = byKey.get(k);
        if (forKey != null && forKey.remove(id) && forKey.isEmpty()) {
            byKey.remove(k);
        }
    }
}
