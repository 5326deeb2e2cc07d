package dev.ringkv.ui;

import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import dev.ringkv.ring.ServerAddress;
import java.util.Locale;

/**
 * One server as the monitor shows it: the ECS's view of it, whether it holds the ECS role, and the colour
 * it keeps for as long as the monitor runs.
 */
public record MemberRow(ServerAddress address, String state, boolean inRing, double ownership, long keys,
                        long bytes, long opsPerSecond, long heartbeatAgeMillis, boolean ecs, int color) {

    static MemberRow of(MemberStatus m, boolean ecs, int color) {
        return new MemberRow(ServerAddress.parse(m.address()), m.state(), m.inRing(), m.ownership(), m.keys(),
                m.bytes(), m.opsPerSecond(), m.heartbeatAgeMillis(), ecs, color);
    }

    /** {@code UP}, {@code SUSPECT · 812 ms} (how long without a heartbeat reply), {@code DOWN}, … */
    public String stateText() {
        return state.equals("SUSPECT") ? String.format(Locale.ROOT, "SUSPECT · %d ms", heartbeatAgeMillis) : state;
    }

    /** The CSS pseudo-class of its state: {@code up}, {@code suspect}, {@code down}, {@code joining}, {@code leaving}. */
    public String pseudoClass() {
        return state.toLowerCase(Locale.ROOT);
    }
}
