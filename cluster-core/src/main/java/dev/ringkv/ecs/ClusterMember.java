package dev.ringkv.ecs;

import dev.ringkv.node.Cancellable;
import dev.ringkv.node.Commands;
import dev.ringkv.node.Election;
import dev.ringkv.node.KvNode;
import dev.ringkv.node.Msg;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.Store;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster member as it runs (DESIGN §8): a {@link KvNode} that can also take the ECS role. When its
 * {@link Election} wins, it starts an {@link Ecs} in the same process, on the same address and thread, that
 * takes over from the dead one while the server goes on serving its ranges. Messages for the ECS role go to
 * it; everything else to the server; what one sends to the other's address (the ECS heartbeating its own
 * server, the server answering) is delivered locally, a turn later, as if it had crossed the network.
 *
 * <p>The role ends when a newer term's ECS exists (learned from a {@code STALE} answer or a heartbeat of
 * that term) or when the server leaves the ring: the ECS instance is dropped, its timers go inert, and the
 * server follows whoever holds the role now.
 *
 * <p>Threading: the node's thread only.
 */
public final class ClusterMember implements NodeLogic, Election.Host {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);
    /** Messages addressed to the ECS role. */
    private static final Set<String> ECS_MESSAGES = Set.of(Msg.RING_REQUEST, Msg.JOIN, Msg.LEAVE, Msg.HB_ACK,
            Msg.XFER_DONE, Msg.XFER_PROGRESS, Msg.XFER_FAILED, Msg.SWITCH_ACK, Msg.UNANSWERED, Msg.DIGEST_REPLY, Msg.STALE,
            Msg.REACH_REPORT);
    /** {@code RINGKV} subcommands the ECS answers. */
    private static final Set<String> ECS_SUBCOMMANDS = Set.of("STATUS", "WATCH", "CHECK");

    private final NodeContext ctx;
    private final EcsConfig ecsConfig;
    private final boolean standalone;
    private final KvNode kv;
    private Ecs ecs;

    public ClusterMember(NodeContext ctx, NodeConfig config, EcsConfig ecsConfig) {
        this.ctx = ctx;
        this.ecsConfig = ecsConfig;
        this.standalone = config.standalone();
        this.kv = new KvNode(new Local(), config);
        kv.onLeaveHandOver(this::handOver);
    }

    /**
     * This server is leaving: if it holds the ECS role and another member can take it, the role resigns
     * (acts no more) and names that member, which stands at once (issue 18); true if it did. The server then
     * leaves through the new ECS like any other. Without a successor (the last server, or no majority
     * answering) the role stays, and the leave goes as before.
     */
    private boolean handOver() {
        Ecs role = ecs;
        if (role == null) {
            return false;
        }
        ServerAddress successor = role.handOverCandidate();
        if (successor == null) {
            return false;
        }
        long term = role.term();
        role.resign(successor);
        stepDown(role, "handed over to " + successor + " before this server leaves");
        kv.election().resigned(ctx.self(), term, successor);
        return true;
    }

    /** The KV server in a node's logic: a plain {@link KvNode} (standalone) or a member's. */
    public static KvNode serverOf(NodeLogic logic) {
        return logic instanceof ClusterMember m ? m.kv : (KvNode) logic;
    }

    /** The server. */
    public KvNode server() {
        return kv;
    }

    /** The ECS role while this server holds it; null otherwise. */
    public Ecs ecs() {
        return ecs;
    }

    @Override
    public void onStart() {
        loadEcsClasses();
        kv.onStart();
        if (!standalone) {
            kv.election().enable(this);
        }
    }

    /**
     * Loads and initializes the ECS role's classes now: the first takeover otherwise spends its first turn
     * (100+ ms on a busy 2-core machine) loading them, and its first heartbeats wait behind that while the
     * other servers, hearing nothing, start elections of their own.
     */
    private static void loadEcsClasses() {
        for (Class<?> c : List.of(Ecs.class, Ecs.Takeover.class, AntiEntropy.class, StatusBuilder.class,
                ClusterEvents.class, Plan.class, Member.class, MemberState.class, dev.ringkv.monitor.ClusterStatus.class,
                dev.ringkv.ring.Placement.class)) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---- Election.Host ---------------------------------------------------------------------------

    @Override
    public Ring ring() {
        return kv.ring();
    }

    @Override
    public boolean isServing() {
        return kv.isServing();
    }

    @Override
    public Ring electorate() {
        return kv.isServing() ? kv.ring() : kv.rememberedRing();
    }

    @Override
    public boolean hostsEcs() {
        return ecs != null;
    }

    @Override
    public void elected(long term, Ring won) {
        if (ecs != null) {
            LOG.warn("{} leaves the ECS role of term {} for term {}", ctx.self(), ecs.term(), term);
        }
        Local context = new Local();
        Ecs role = new Ecs(context, ecsConfig.withReplicas(kv.configuredReplicas()),
                new Ecs.Takeover(term, kv.isServing() ? kv.ring() : won, kv.settledRing()));
        context.owner = role;
        ecs = role;
        role.onDeposed(why -> stepDown(role, why));
        role.onStart();
    }

    private void stepDown(Ecs role, String why) {
        if (ecs == role) {
            ecs = null;
            LOG.warn("{} gives up the ECS role ({}); it goes on as a server", ctx.self(), why);
        }
    }

    /** The role ends once this server follows a newer term's ECS, or is no longer in the ring. */
    private void checkRole() {
        if (ecs != null && (kv.election().ecsTerm() > ecs.term() || !ecs.ring().contains(ctx.self()))) {
            stepDown(ecs, kv.election().ecsTerm() > ecs.term()
                    ? "a newer term's ECS (" + kv.election().ecs() + ", term " + kv.election().ecsTerm() + ") took over"
                    : "this server left the ring");
        }
    }

    // ---- NodeLogic ---------------------------------------------------------------------------------

    @Override
    public void onCommand(Session s, byte[][] args) {
        Ecs role = ecs;
        if (role != null && args.length >= 2 && Commands.text(args[0]).equalsIgnoreCase("RINGKV")
                && ECS_SUBCOMMANDS.contains(Commands.text(args[1]).toUpperCase(Locale.ROOT))) {
            role.onCommand(s, args);
        } else {
            kv.onCommand(s, args);
        }
    }

    @Override
    public void onPeerMessage(ServerAddress from, byte[][] msg) {
        Ecs role = ecs;
        if (role != null && ECS_MESSAGES.contains(Msg.name(msg))) {
            role.onPeerMessage(from, msg);
        } else {
            kv.onPeerMessage(from, msg);
        }
        checkRole();
    }

    @Override
    public void onTurnEnd() {
        kv.onTurnEnd();
    }

    @Override
    public void onPeerUnreachable(ServerAddress peer) {
        kv.onPeerUnreachable(peer);
        if (ecs != null) {
            ecs.onPeerUnreachable(peer);
        }
    }

    @Override
    public void onStop() {
        kv.onStop();
    }

    /**
     * The context the server and the ECS role each see: the node's, except that a message to this node's own
     * address goes to the other part, a turn later; and the role's timers and sends die with the role.
     */
    private final class Local implements NodeContext {
        /** The ECS role this context belongs to; null for the server's. */
        Ecs owner;

        private boolean alive() {
            return owner == null || owner == ecs;
        }

        @Override
        public ServerAddress self() {
            return ctx.self();
        }

        @Override
        public void send(ServerAddress peer, byte[][] message) {
            if (!alive()) {
                return;
            }
            if (!peer.equals(ctx.self())) {
                ctx.send(peer, message);
                return;
            }
            // to the other part, routed as any peer's message is (nothing the role sends is addressed to the role);
            // delivered even if the role ends meanwhile, as a peer would receive it: the LEFT that ends this server's
            // own leave is sent in the turn the role steps down (it left the ring), and was lost with it
            ctx.schedule(0, () -> onPeerMessage(ctx.self(), message));
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            return ctx.schedule(delayMillis, () -> {
                if (alive()) {
                    task.run();
                }
            });
        }

        @Override
        public long now() {
            return ctx.now();
        }

        @Override
        public Random random() {
            return ctx.random();
        }

        @Override
        public Store storage() {
            return ctx.storage();
        }
    }
}
