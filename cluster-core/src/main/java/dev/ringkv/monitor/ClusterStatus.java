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
 */
public record ClusterStatus(String ecs, long term, long ringVersion, List<MemberStatus> members, PlanStatus plan) {

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

    /** A range transfer of the plan in progress. */
    public record TransferStatus(int index, String from, String to, String rangeFrom, String rangeTo, boolean done,
                                 long entriesSent) {
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
