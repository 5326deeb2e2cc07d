package dev.ringkv.client;

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
import java.util.function.BooleanSupplier;

/** An ECS and members on loopback, in-process (as ClusterOverLoopbackTest), for the cluster client's tests. */
final class LoopbackCluster implements AutoCloseable {

    private final Path dir;
    final NioNode ecs;
    final List<NioNode> members = new ArrayList<>();

    LoopbackCluster(Path dir) {
        this.dir = dir;
        this.ecs = Servers.ecs(ServerOptions.loopback(0), dir.resolve("ecs"), EcsConfig.DEFAULT);
    }

    /** Starts an ECS and {@code n} members and waits until all serve the same ring. */
    static LoopbackCluster start(Path dir, int n) throws InterruptedException {
        LoopbackCluster c = new LoopbackCluster(dir);
        try {
            for (int i = 0; i < n; i++) {
                c.addMember();
            }
            c.awaitRing(n);
            return c;
        } catch (RuntimeException | InterruptedException | AssertionError e) {
            c.close();
            throw e;
        }
    }

    NioNode addMember() {
        NioNode m = Servers.member(ServerOptions.loopback(0), dir.resolve("m" + members.size()), ecs.address());
        members.add(m);
        return m;
    }

    /**
     * A member whose cluster traffic (to and from every peer, the ECS included) is dropped while {@code cut}
     * is set — a partition between it and the cluster that leaves clients reaching it.
     */
    NioNode addMemberBehind(java.util.concurrent.atomic.AtomicBoolean cut) {
        return addMember(cut, null);
    }

    /** A member whose store writes to {@code disk} (a disk that can be made full). */
    NioNode addMemberOn(dev.ringkv.storage.QuotaChannel.Disk disk) {
        return addMember(new java.util.concurrent.atomic.AtomicBoolean(), disk);
    }

    private NioNode addMember(java.util.concurrent.atomic.AtomicBoolean cut, dev.ringkv.storage.QuotaChannel.Disk disk) {
        dev.ringkv.node.NodeConfig config = new dev.ringkv.node.NodeConfig(dev.ringkv.node.NodeConfig.DEFAULT.maxKeyBytes(),
                dev.ringkv.node.NodeConfig.DEFAULT.maxValueBytes(), "everysec", null).withBootstrap(List.of(ecs.address()));
        dev.ringkv.storage.StoreOptions.Builder options = dev.ringkv.storage.StoreOptions
                .builder(dir.resolve("m" + members.size())).tombstoneRetention(Long.MAX_VALUE);
        if (disk != null) {
            options.channelOpener(disk.opener());
        }
        dev.ringkv.storage.LogStore store = dev.ringkv.storage.LogStore.open(options.build());
        NioNode m = NioNode.start(ServerOptions.loopback(0), store, ctx -> {
            dev.ringkv.node.NodeContext behind = new dev.ringkv.node.NodeContext() {
                public dev.ringkv.ring.ServerAddress self() { return ctx.self(); }
                public void send(dev.ringkv.ring.ServerAddress peer, byte[][] message) {
                    if (!cut.get()) {
                        ctx.send(peer, message);
                    }
                }
                public dev.ringkv.node.Cancellable schedule(long delayMillis, Runnable task) {
                    return ctx.schedule(delayMillis, task);
                }
                public long now() { return ctx.now(); }
                public java.util.Random random() { return ctx.random(); }
                public dev.ringkv.storage.Store storage() { return ctx.storage(); }
            };
            dev.ringkv.ecs.ClusterMember member = new dev.ringkv.ecs.ClusterMember(behind, config, EcsConfig.DEFAULT);
            return new dev.ringkv.node.NodeLogic() {
                public void onStart() { member.onStart(); }
                public void onCommand(dev.ringkv.node.Session session, byte[][] args) { member.onCommand(session, args); }
                public void onPeerMessage(dev.ringkv.ring.ServerAddress from, byte[][] message) {
                    if (!cut.get()) {
                        member.onPeerMessage(from, message);
                    }
                }
                public void onPeerUnreachable(dev.ringkv.ring.ServerAddress peer) { member.onPeerUnreachable(peer); }
                public void onTurnEnd() { member.onTurnEnd(); }
                public void onStop() { member.onStop(); }
            };
        });
        members.add(m);
        return m;
    }

    ClusterStatus status() {
        try (RingKvClient c = RingKvClient.connect(ecs.address(), Duration.ofSeconds(5))) {
            return ClusterStatus.fromJson(((RespValue.Bulk) c.execute("RINGKV", "STATUS")).utf8());
        }
    }

    /** Waits until {@code servers} members are UP in the ring, no plan runs, and each has the ECS's ring. */
    void awaitRing(int servers) throws InterruptedException {
        await(servers + " servers in the ring, all serving it", () -> {
            ClusterStatus s = status();
            long in = s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")).count();
            return in == servers && s.plan() == null && s.members().stream().filter(ClusterStatus.MemberStatus::inRing)
                    .allMatch(m -> m.ringVersionSeen() == s.ringVersion());
        });
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    static long keysOn(NioNode n) {
        try (RingKvClient c = RingKvClient.connect(n.address(), Duration.ofSeconds(5))) {
            return ((RespValue.Int) c.execute("DBSIZE")).value();
        }
    }

    @Override
    public void close() {
        for (NioNode n : members) {
            n.close();
        }
        ecs.close();
    }
}
