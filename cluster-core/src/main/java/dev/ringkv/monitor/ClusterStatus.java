package dev.ringkv.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * A snapshot of the cluster as the ECS sees it (DESIGN §10): what {@code RINGKV STATUS} returns as JSON
 * and {@code RINGKV WATCH} pushes. Immutable; safe to share across threads.
 *
 * @param ecs the ECS's address
 * @param term the ECS's term
 * @param ringVersion the published ring's version
 * @param members every server the ECS knows, in ring order first, then the rest
 * @param plan the membership change in progress, or null
 * @param replicas copies per key in the published ring (the configured factor, capped by its size)
 * @param underReplicatedKeys key copies still missing: what the re-replication in progress has left to send
 *                            (0 when every range has all its copies)
 * @param repair the re-replication in progress (kind {@code REPAIR}), or null
 * @param antiEntropy the latest comparison of the replicas' digests, or null before the first
 * @param quorum a majority of the ring's servers answered this ECS within a lease: it can act (grant leases,
 *               change the ring). A member's state alone does not say so: an ECS that was itself stalled
 *               keeps its members UP rather than blame them for its silence, until they answer or time out.
 */
public record ClusterStatus(String ecs, long term, long ringVersion, List<MemberStatus> members, PlanStatus plan,
                            int replicas, long underReplicatedKeys, PlanStatus repair, AntiEntropyStatus antiEntropy,
                            boolean quorum) {

    /** A snapshot of an ECS that can act. */
    public ClusterStatus(String ecs, long term, long ringVersion, List<MemberStatus> members, PlanStatus plan,
                         int replicas, long underReplicatedKeys, PlanStatus repair, AntiEntropyStatus antiEntropy) {
        this(ecs, term, ringVersion, members, plan, replicas, underReplicatedKeys, repair, antiEntropy, true);
    }

    /** A snapshot without replication details (one copy per key, nothing to repair). */
    public ClusterStatus(String ecs, long term, long ringVersion, List<MemberStatus> members, PlanStatus plan) {
        this(ecs, term, ringVersion, members, plan, 1, 0, null, null);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param state JOINING, UP, SUSPECT, LEAVING or DOWN
     * @param position the server's ring position, 32 hex digits
     * @param ownership the share of the ring it coordinates (0..1; 0 when not in the ring)
     * @param heartbeatAgeMillis time since its last heartbeat reply
     */
    public record MemberStatus(String address, String state, boolean inRing, String position, double ownership,
                               long keys, long bytes, long opsPerSecond, long heartbeatAgeMillis,
                               long ringVersionSeen) {
    }

    /**
     * A range transfer of the plan or re-replication in progress.
     *
     * @param entriesTotal entries in the range when the source started (-1 until it reports)
     */
    public record TransferStatus(int index, String from, String to, String rangeFrom, String rangeTo, boolean done,
                                 long entriesSent, long entriesTotal) {
    }

    /**
     * The latest anti-entropy check (DESIGN §6): every range's digest asked from each of its holders.
     *
     * @param ringVersion the ring it checked
     * @param atMillisAgo how long ago it completed
     * @param ranges ranges checked
     * @param disagreeing ranges whose holders' digests differed
     * @param repairs ranges repaired since the ECS started (after disagreeing twice in a row)
     */
    public record AntiEntropyStatus(long ringVersion, long atMillisAgo, int ranges, int disagreeing, long repairs) {
    }

    public record PlanStatus(long id, String kind, String subject, long targetRingVersion,
                             List<TransferStatus> transfers) {
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a status", e);
        }
    }

    public static ClusterStatus fromJson(String json) {
        try {
            return JSON.readValue(json, ClusterStatus.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a cluster status: " + e.getOriginalMessage(), e);
        }
    }
}
