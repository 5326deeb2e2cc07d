package dev.ringkv.ecs;

import dev.ringkv.ring.ServerAddress;

/** What the ECS tracks per server. ECS thread only. */
final class Member {
    final ServerAddress address;
    MemberState state;
    long lastAck;
    /**
     * No lease this ECS granted the member lasts past this (its acknowledgement's arrival + the lease length; a
     * new or restarted ECS starts from now + the longest lease, for the leases of the ECS before it): it may be
     * declared DOWN only after it, plus a margin (issue 18: a lease adapted to the member's history).
     */
    long leaseEndsBy;
    /** When its connection was last refused or reset (see {@code Ecs.convicted}: only a refusal after its lease counts). */
    long lastRefusedAt = Long.MIN_VALUE / 2;
    /** When it was last probed for fresh evidence after its lease ran out. */
    long probedAt = Long.MIN_VALUE / 2;
    /** The round trips of its recent heartbeats (heartbeat sent → answer arrived): a lease must cover one. */
    final RecentMax roundTrips = new RecentMax();
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
