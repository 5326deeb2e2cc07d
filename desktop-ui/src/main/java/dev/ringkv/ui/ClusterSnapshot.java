package dev.ringkv.ui;

import dev.ringkv.ring.Ring;
import java.util.Map;

/**
 * What the monitor knows about the cluster at one moment; immutable, built off the FX thread.
 *
 * @param ring the ring as the watched node publishes it (null before the first answer)
 * @param keys per member: the keys it stores (from INFO), when known
 * @param source the node being watched
 * @param error why the last poll failed, or null
 */
public record ClusterSnapshot(Ring ring, Map<String, Long> keys, String source, String error) {

    public static ClusterSnapshot waiting(String source) {
        return new ClusterSnapshot(null, Map.of(), source, null);
    }
}
