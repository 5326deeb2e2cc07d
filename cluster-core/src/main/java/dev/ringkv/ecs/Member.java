package dev.ringkv.ecs;

import dev.ringkv.ring.ServerAddress;

/** What the ECS tracks per server. ECS thread only. */
final class Member {
    final ServerAddress address;
    MemberState state;
    long lastAck;
    /**
     * When the ECS sent the newest heartbeat this member answered (never adjusted for the ECS's own
     * stalls): the basis of the quorum.
     */
    long lastHeard = Long.MIN_VALUE / 2;
    /** The newest heartbeat sequence it acknowledged (while not DOWN): the basis of its lease. */
    long lastAckedSeq;
    long stateSince;
    int unreachable;
    long keys;
    long bytes;
    long opsPerSecond;
    long ringVersionSeen;
    /** When the ECS stopped leasing it: a majority cannot reach it (see {@code Reachability}; 0: leased as usual). */
    long fencedAt;
    /** The intervals between its answers: how suspicious its silence is (see {@link PhiAccrual}). */
    final PhiAccrual answers;
    /**
     * When it last answered a heartbeat (moved on by the ECS's own stalls, like {@link #lastAck}, but never
     * reset by a request of its own): what conviction measures, so a member cut off one way that keeps asking
     * to join is still found (issue 18 review).
     */
    long lastAnswer;

    Member(ServerAddress address, MemberState state, long now, long heartbeatMillis) {
        this.address = address;
        this.state = state;
        this.lastAck = now;
        this.lastAnswer = now;
        this.stateSince = now;
        this.answers = new PhiAccrual(heartbeatMillis);
    }
}
