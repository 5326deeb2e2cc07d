package dev.ringkv.client;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.AsciiNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The replica-read mode of {@link RingKvCluster} ({@link RingKvCluster.Options#replicaReads()}): which
 * commands are reads, which holder of a key a read goes to, and which nodes refused {@code READONLY}.
 * Thread-safe.
 */
final class ReplicaReads {

    private static final String REPLICAS_FIELD = "ring_replicas:";

    /** Nodes whose connection answered {@code READONLY} with an error (an older server): coordinator reads only. */
    private final Set<ServerAddress> refused = ConcurrentHashMap.newKeySet();
    private final AtomicLong offCoordinator = new AtomicLong();

    /** GET, EXISTS and MGET: the commands a {@code READONLY} connection may send to any holder of the keys. */
    static boolean isRead(byte[] name) {
        String n = NAMES.of(name);
        return n.equals("GET") || n.equals("EXISTS") || n.equals("MGET");
    }

    /** The key commands' names: no String made per call for them. */
    private static final AsciiNames NAMES = new AsciiNames(List.of("GET", "SET", "EXISTS", "MGET", "DEL", "MSET", "PUT", "DELETE"));

    /**
     * The copies per key an {@code INFO ring} text reports ({@code ring_replicas:<n>}); 1 when the field is
     * missing or unreadable (a server from before replication: every read goes to the coordinator).
     */
    static int replicasIn(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(REPLICAS_FIELD)) {
                try {
                    return Math.max(1, Integer.parseInt(line.substring(REPLICAS_FIELD.length()).trim()));
                } catch (NumberFormatException e) {
                    return 1;
                }
            }
        }
        return 1;
    }

    /**
     * Where a read of {@code key} goes: one of its holders under {@code ring} with {@code replicas} copies
     * (coordinator first, as {@link Ring#replicasOf(byte[], int)}), chosen at random so that reads spread
     * over every copy. Skips {@code avoid} (a node that just failed to answer; may be null) and nodes that
     * refused {@code READONLY}; the coordinator when no other holder is left.
     */
    ServerAddress pick(Ring ring, int replicas, byte[] key, ServerAddress avoid) {
        if (replicas <= 1 || ring.size() == 1) {
            return ring.coordinatorOf(key);
        }
        List<ServerAddress> holders = ring.replicasOf(key, replicas);
        ServerAddress[] candidates = new ServerAddress[holders.size()];
        int n = 0;
        for (int i = 0; i < holders.size(); i++) {
            ServerAddress h = holders.get(i);
            // the coordinator (first) needs no READONLY: it answers for its own keys anyway
            if (!h.equals(avoid) && (i == 0 || !refused.contains(h))) {
                candidates[n++] = h;
            }
        }
        return n == 0 ? holders.get(0) : candidates[ThreadLocalRandom.current().nextInt(n)];
    }

    /** What a node answered to {@code READONLY} when its connection opened. */
    void readOnly(ServerAddress node, boolean accepted) {
        if (accepted) {
            refused.remove(node);
        } else {
            refused.add(node);
        }
    }

    /** Counts reads (or per-node parts of split reads) sent to a server that does not coordinate their keys. */
    void sentOffCoordinator(int parts) {
        if (parts > 0) {
            offCoordinator.addAndGet(parts);
        }
    }

    long offCoordinator() {
        return offCoordinator.get();
    }
}
