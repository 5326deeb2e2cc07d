package dev.ringkv.ecs;

/** A server as the ECS sees it (DESIGN §8, §10). */
public enum MemberState {
    /** Asked to join; its ranges are being streamed to it; not in the ring yet. */
    JOINING,
    /** In the ring and answering heartbeats. */
    UP,
    /** In the ring, but silent for more than half the timeout, or its connection was refused or reset. */
    SUSPECT,
    /** Asked to leave; its ranges are being streamed away; still in the ring until the switch. */
    LEAVING,
    /** Declared dead and removed from the ring. */
    DOWN
}
