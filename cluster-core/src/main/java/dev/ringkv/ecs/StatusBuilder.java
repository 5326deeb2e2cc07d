package dev.ringkv.ecs;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.ring.Transfer;
import java.util.ArrayList;
import java.util.List;

/** Builds the monitor snapshot from the ECS's state. ECS thread only. */
final class StatusBuilder {
    private StatusBuilder() {
    }

    static ClusterStatus build(Ecs ecs, long now) {
        Ring ring = ecs.ring();
        List<ClusterStatus.MemberStatus> out = new ArrayList<>();
        for (ServerAddress a : ring.members()) {
            Member m = ecs.members().get(a);
            out.add(member(ring, a, m, now));
        }
        for (Member m : ecs.members().values()) {
            if (!ring.contains(m.address)) {
                out.add(member(ring, m.address, m, now));
            }
        }
        Plan r = ecs.repair();
        long missing = r != null ? r.entriesMissing() : 0;
        return new ClusterStatus(ecs.self().toString(), ecs.term(), ring.version(), out, plan(ecs.plan()),
                ecs.replicationFactor(), missing, plan(r), ecs.antiEntropy().status(now), ecs.hasQuorum());
    }

    private static ClusterStatus.PlanStatus plan(Plan p) {
        if (p == null) {
            return null;
        }
        List<ClusterStatus.TransferStatus> ts = new ArrayList<>();
        for (int i = 0; i < p.transfers.size(); i++) {
            Transfer t = p.transfers.get(i);
            ts.add(new ClusterStatus.TransferStatus(i, t.from().toString(), t.to().toString(),
                    t.range().from().hex(), t.range().to().hex(), p.done[i], p.entriesSent[i], p.entriesTotal[i]));
        }
        return new ClusterStatus.PlanStatus(p.id, p.kind.name(), p.subject.toString(), p.target.version(), ts);
    }

    private static ClusterStatus.MemberStatus member(Ring ring, ServerAddress a, Member m, long now) {
        boolean in = ring.contains(a);
        return new ClusterStatus.MemberStatus(a.toString(), m == null ? "UP" : m.state.name(), in,
                a.position().hex(), in ? ring.ownership(a) : 0.0,
                m == null ? 0 : m.keys, m == null ? 0 : m.bytes, m == null ? 0 : m.opsPerSecond,
                m == null ? 0 : now - m.lastAck, m == null ? 0 : m.ringVersionSeen);
    }
}
