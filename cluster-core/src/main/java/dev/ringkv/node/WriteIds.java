package dev.ringkv.node;

import dev.ringkv.storage.Version;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identities of recent writes that a client may send again (issue 17, item 8): the routing client
 * sends a plain {@code SET} as {@code RINGKV ONCE id SET key value}, and when its reply is lost it retries
 * with the same id — possibly at another coordinator after a failover. A retry must not stamp the write
 * anew, or it would take effect a second time, after writes made in between. So the coordinator records
 * each id with the key and the version it stamped, and sends the id with the write's copies, so the
 * replicas — one of which coordinates the key after a failover — know it too.
 *
 * <p>Bounded: the newest {@link #CAPACITY} ids are kept (a client retries within seconds, a server sees
 * far fewer writes than that in a minute). Node thread only.
 */
final class WriteIds {

    static final int CAPACITY = 65_536;

    /** The write an id stamped: its key and version. */
    record Stamped(byte[] key, Version version) {
    }

    private final Map<Long, Stamped> ids = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Stamped> eldest) {
            return size() > CAPACITY;
        }
    };

    void put(long id, byte[] key, Version version) {
        ids.put(id, new Stamped(key, version));
    }

    /** The write {@code id} stamped, or null if this node never saw it (or forgot it). */
    Stamped get(long id) {
        return ids.get(id);
    }

    int size() {
        return ids.size();
    }
}
