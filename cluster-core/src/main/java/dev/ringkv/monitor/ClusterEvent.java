package dev.ringkv.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One thing that happened in the cluster (a join, a suspicion, a ring publication, a transfer), as
 * {@code RINGKV WATCH} streams it.
 *
 * @param seq increasing per ECS
 * @param atMillis the ECS's monotonic clock when it happened
 * @param kind member, plan, transfer, ring or ecs
 */
public record ClusterEvent(long seq, long atMillis, String kind, String text) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise an event", e);
        }
    }

    public static ClusterEvent fromJson(String json) {
        try {
            return JSON.readValue(json, ClusterEvent.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a cluster event: " + e.getOriginalMessage(), e);
        }
    }
}
