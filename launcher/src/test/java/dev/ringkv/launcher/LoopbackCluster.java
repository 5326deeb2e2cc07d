package dev.ringkv.launcher;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.ecs.EcsConfig;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import dev.ringkv.wire.RespValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An ECS and real servers, in process on loopback with ephemeral ports, for the launcher's tests. */
final class LoopbackCluster implements AutoCloseable {
    private final Path dir;
    private final NioNode ecs;
    private final List<NioNode> members = new ArrayList<>();

    LoopbackCluster(Path dir) {
        this.dir = dir;
        this.ecs = Servers.ecs(ServerOptions.loopback(0), dir.resolve("ecs"), EcsConfig.DEFAULT);
    }

    NioNode ecs() {
        return ecs;
    }

    List<NioNode> members() {
        return members;
    }

    NioNode addMember(String name) {
        NioNode n = Servers.member(ServerOptions.loopback(0), dir.resolve(name), ecs.address());
        members.add(n);
        return n;
    }

    ClusterStatus status() {
        try (RingKvClient c = RingKvClient.connect(ecs.address(), Duration.ofSeconds(5))) {
            return ClusterStatus.fromJson(((RespValue.Bulk) c.execute("RINGKV", "STATUS")).utf8());
        }
    }

    /** Until {@code n} servers are UP in the ring, no plan runs and every one of them has the ring's version. */
    void awaitRing(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            ClusterStatus s = status();
            long up = s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count();
            if (up == n && s.plan() == null && s.members().stream().filter(ClusterStatus.MemberStatus::inRing)
                    .allMatch(m -> m.ringVersionSeen() == s.ringVersion())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + n + " servers in the ring: " + s);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @Override
    public void close() {
        members.forEach(NioNode::close);
        ecs.close();
    }
}
