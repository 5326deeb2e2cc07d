package dev.ringkv.node;

import dev.ringkv.ring.Hashing;
import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.storage.StorageException;
import dev.ringkv.storage.Store;
import dev.ringkv.storage.StoredEntry;
import dev.ringkv.storage.Version;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KV server logic (DESIGN §5–§7): the Redis-compatible commands and the original system's verbs,
 * served from the local store, as a member of a ring the ECS publishes (or, with no ECS configured, a
 * one-node ring of its own).
 *
 * <ul>
 *   <li>Writes are stamped with a version {@code (term, ring version, seq)} and acknowledged only once durable
 *       locally — and, while their range is being transferred, on the new holder too.</li>
 *   <li>The ring version is a field of its own, compared before {@code seq} (a Lamport clock), so a write
 *       made under a newer ring always beats one made under an older ring, whichever node coordinated it
 *       and however large the versions grow. A server that restarts with an old directory, or that was cut
 *       off with writes that failed, therefore never serves or spreads a stale value.</li>
 *   <li>A key the node does not coordinate is forwarded to its coordinator for plain Redis clients, or
 *       answered {@code -NOT_RESPONSIBLE <ring version>} for routing-aware ones.</li>
 * </ul>
 *
 * <p>Threading: node thread only (see {@link NodeLogic}).
 */
public final class KvNode implements NodeLogic {

    private static final Logger LOG = LoggerFactory.getLogger(KvNode.class);
    private static final long COMPACTION_SLICE_MILLIS = 2;
    private static final long JOIN_RETRY_MIN_MILLIS = 200;
    private static final long JOIN_RETRY_MAX_MILLIS = 2_000;
    private static final long FWD_WRITE_TIMEOUT_MILLIS = 5_000;
    private static final long LEASE_WATCH_MILLIS = 2_000;
    private static final long PRE_JOIN_MAX_MILLIS = 30_000;
    private static final byte[] NULL_WORD = "null".getBytes(StandardCharsets.US_ASCII);

    private final NodeContext ctx;
    private final NodeConfig config;
    private final Store store;
    private final NodeStats stats = new NodeStats();
    private final Commands commands = new Commands();
    private final Forwarder forwarder;
    private final Replication replication;
    /** Copies made durable this turn, by coordinator: acknowledged together at the turn's end ({@link #onTurnEnd}). */
    private final Map<ServerAddress, List<byte[]>> replAcksDue = new LinkedHashMap<>();
    /** Ranges the ECS told us to stop coordinating (SWITCH): the new ring that gives them away is coming. */
    private final List<Range> switched = new ArrayList<>();
    private final Map<String, TransferOut> outgoing = new TreeMap<>();
    /** Plan transfers this node finished since the last ring: their ranges are with their new owners. */
    private final List<TransferOut> handedOver = new ArrayList<>();
    /** Plans the ECS aborted, so their done reports stop. */
    private final java.util.Set<Long> abortedPlans = java.util.Collections.newSetFromMap(
            new java.util.LinkedHashMap<Long, Boolean>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                    return size() > 256;
                }
            });
    private long handoffSeq;
    private final Map<Long, FwdWait> fwdWrites = new HashMap<>();
    private Supplier<Map<String, String>> runtimeInfo = Map::of;
    private Ring ring;
    /** The cluster's replication factor, from the ECS's RING messages (1 standalone). */
    private int replicas = 1;
    private long lastRingRequestAt = Long.MIN_VALUE / 2;
    /** The ring version the ECS last said has every copy of every range (HB): replica reads need it. */
    private long fullyReplicated;
    /**
     * The newest ring the ECS said has every copy of every range, or null if none yet (since this process
     * started): a server taking over the ECS role starts from it (see {@code Ecs.Takeover}).
     */
    private Ring settledRing;
    /** The newest ring version data was sent to us under: an older ring is never installed after it. */
    private long ringFloor;
    private final Election election;
    private int bootstrapIndex;
    /**
     * Where to look for the ECS before joining: the {@code -b} addresses, then the members of the last
     * ring this server installed (saved in {@code <data dir>/control/members}), so a server restarted
     * with a stale {@code -b} still finds a cluster whose ECS and members all changed meanwhile.
     */
    private final List<ServerAddress> candidates = new ArrayList<>();
    private String savedMembers = "";
    /** Candidates refused in a row: after a whole round the join waits for its backoff instead of spinning. */
    private int refusedInARow;
    /** Rounds of asking to join again without a lease: picks which member to ask for the ECS next. */
    private int rejoinAsked;
    private boolean joined;
    private long joinBackoff = JOIN_RETRY_MIN_MILLIS;
    private Cancellable joinRetry;
    private Cancellable ringRequestRetry;
    private Runnable onLeft;
    private long term;
    private long seq;
    /** {@link #positionOf}'s last key (by identity) and its position. */
    private byte[] lastPositioned;
    private Position lastPosition;
    private long fwdSeq;
    private long startedAt;
    private long leaseUntil;
    /** A lease granted under a ring this server does not hold yet: it applies once that ring is installed. */
    private long offeredLeaseUntil;
    private long offeredLeaseRing = -1;
    /**
     * The newest ring version the ECS granted us a lease under, when it first did, and the lease's length: the
     * ECS leases a ring only once a majority installed it, and no longer leases an older one, so a lease
     * under an older ring can be valid nowhere once that length has passed (see {@link #outlived}).
     */
    private long leasedRing = -1;
    private long leasedRingSince;
    private long leaseLength;
    /**
     * Until when a lease under the ring installed last is on its way (we held one under the ring before):
     * commands and write acknowledgements wait for it in {@link #leaseWaiters} rather than fail at once.
     */
    private long leaseExpectedUntil;
    private final java.util.ArrayDeque<Runnable> leaseWaiters = new java.util.ArrayDeque<>();
    static final long NEW_RING_LEASE_WAIT_MILLIS = 2_000;
    /** Forwarded commands parked in {@link #leaseWaiters} and not cancelled (see {@link #cancelForwarded}). */
    private final java.util.Set<ForwardedSession> parkedForwards = new java.util.HashSet<>();
    private boolean preJoin;
    private int preJoinPending;
    private long preJoinDeadline;
    /** Recently served forwards, by origin and id, so a duplicated message runs once. */
    /** Recent forwards by {@code origin#id}: the session each runs in, or {@link #CANCELLED} before it came. */
    private final Map<String, Object> seenForwards = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > 65_536;
        }
    };
    /** When we acknowledged each recent heartbeat, by its sequence number. */
    private final Map<Long, Long> ackSentAt = new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > 64;
        }
    };

    private record FwdWait(Ack ack, String transfer, Cancellable timeout) {
    }

    public KvNode(NodeContext ctx, NodeConfig config) {
        this.ctx = ctx;
        this.config = config;
        this.store = ctx.storage();
        this.forwarder = new Forwarder(ctx, this::outlived);
        this.election = new Election(ctx, config.ecs(), config.electionMinMillis(), config.electionMaxMillis());
        this.replication = new Replication(ctx, election::ecs);
    }

    @Override
    public void onStart() {
        Version high = store.highestVersion();
        term = high.term();
        seq = high.seq();
        startedAt = ctx.now();
        stats.startSampling(ctx);
        compactLater(1000);
        if (config.standalone()) {
            ring = new Ring(1, term, List.of(ctx.self()));
            joined = true;
            LOG.info("{} serving a one-node ring (version {}), {} keys, last version {}",
                    ctx.self(), ring.version(), store.keyCount(), high);
        } else {
            election.start();
            loadCandidates();
            LOG.info("{} joining the cluster through {} ({} keys on disk, last version {})",
                    ctx.self(), ecs(), store.keyCount(), high);
            if (store.scan(Range.full(Position.ZERO), null, 1, true).isEmpty()) {
                sendJoin();
            } else {
                preJoin = true; // hand back what others now own before joining (see preJoinHandOff)
                preJoinDeadline = ctx.now() + PRE_JOIN_MAX_MILLIS;
                requestRing();
            }
            watchLease();
        }
    }

    private static final String MEMBERS_RECORD = "members";
    private static final String REPLICAS_RECORD = "replicas";

    /**
     * The cluster's copies per key, as the rings carry them, kept across a restart: a restarted server that
     * takes the ECS role before any ring reaches it must run the cluster with them, not with one copy.
     */
    private void saveReplicas(int n) {
        if (n != replicas) {
            replicas = n;
            if (!config.standalone()) {
                store.control().save(REPLICAS_RECORD, String.valueOf(n));
            }
        }
    }

    /**
     * The ring this server last installed as remembered across a restart — the members saved on each change and
     * the newest version it installed — if it is a member of it and has not joined since it started; else null.
     * After a whole-cluster restart that followed a failover, nobody serves until an ECS admits them, and the
     * restarted dedicated ECS is deposed by servers remembering the newer term: a restarted member stands for
     * election by this ring when no ECS speaks (issue 18). Voters still grant only to a candidate whose ring
     * version is at least theirs, so it cannot win with a ring older than the newest a majority installed.
     */
    public Ring rememberedRing() {
        if (joined || savedMembers.isEmpty()) {
            return null;
        }
        java.util.List<ServerAddress> members = new ArrayList<>();
        for (String a : savedMembers.split(" ")) {
            members.add(ServerAddress.parse(a));
        }
        if (!members.contains(ctx.self())) {
            return null;
        }
        long version = election.ringVersion();
        return new Ring(version, Math.min(version / Ring.VERSIONS_PER_TERM, election.term()), members);
    }

    private void loadCandidates() {
        String copies = store.control().load(REPLICAS_RECORD);
        if (copies != null && !copies.isBlank()) {
            replicas = Integer.parseInt(copies.trim());
        }
        candidates.addAll(config.bootstrap());
        String saved = store.control().load(MEMBERS_RECORD);
        if (saved != null && !saved.isBlank()) {
            savedMembers = saved.trim();
            for (String a : savedMembers.split(" ")) {
                ServerAddress m = ServerAddress.parse(a);
                if (!m.equals(ctx.self()) && !candidates.contains(m)) {
                    candidates.add(m);
                }
            }
        }
    }

    /**
     * Remembers the ring's members (only when they changed: rings change rarely, and each save is fsynced),
     * on disk for a restart and as addresses to join through now: a server declared DOWN whose {@code -b}
     * named only an ECS that then died finds the new ECS through them (chaos --network seed 604).
     */
    private void saveMembers(Ring r) {
        String text = r.members().stream().map(ServerAddress::toString).collect(java.util.stream.Collectors.joining(" "));
        if (!text.equals(savedMembers)) {
            store.control().save(MEMBERS_RECORD, text);
            savedMembers = text;
            if (candidates.isEmpty()) {
                candidates.addAll(config.bootstrap());
            }
            for (ServerAddress m : r.members()) {
                if (!m.equals(ctx.self()) && !candidates.contains(m)) {
                    candidates.add(m);
                }
            }
        }
    }

    /** Extra INFO fields from the runtime (connections, pid, port). */
    public void runtimeInfo(Supplier<Map<String, String>> supplier) {
        this.runtimeInfo = supplier;
    }

    /** This node's address. */
    public ServerAddress self() {
        return ctx.self();
    }

    /** The ring this node serves under; null while it has not joined. */
    public Ring ring() {
        return ring;
    }

    /** The newest ring the ECS said has every copy of every range; null if this process never heard it. */
    public Ring settledRing() {
        return settledRing;
    }

    public boolean isServing() {
        return joined && ring != null && ring.contains(ctx.self());
    }

    /** Copies each key has under the current ring: the configured factor, capped by the ring's size. */
    public int replicationFactor() {
        return ring == null ? 1 : Msg.effectiveReplicas(ring, replicas);
    }

    /** The cluster's configured copies per key, as the last ring carried it. */
    public int configuredReplicas() {
        return replicas;
    }

    /** Writes waiting for their replicas' acknowledgements. */
    public int replicationInFlight() {
        return replication.inFlight();
    }

    public NodeStats stats() {
        return stats;
    }

    /** Range transfers and hand-offs this node is streaming out right now. */
    public int transfersInFlight() {
        return (int) outgoing.values().stream().filter(t -> !t.isFinished()).count();
    }

    /**
     * Leaves the cluster gracefully (DESIGN §7): the ECS moves this node's ranges to their new holders,
     * publishes the ring without it, then tells it {@code LEFT}; {@code whenLeft} runs then (at once if
     * the node is standalone or not a member).
     */
    public void leave(Runnable whenLeft) {
        if (config.standalone() || !isServing()) {
            whenLeft.run();
            return;
        }
        if (handOver.getAsBoolean()) {
            // this server held the ECS role: it handed it over, and leaves through the new ECS once that one leases it
            election.retire();
            leaveOnceFollowing(election.ecsTerm(), whenLeft);
            return;
        }
        if (!hasLease() && leaseExpected()) {
            leaseWaiters.add(() -> leave(whenLeft)); // a ring just changed: its lease is a round trip away
            return;
        }
        if (!hasLease()) {
            // no ECS to hand the ranges over through: say so and go (a crash, as far as the cluster knows)
            LOG.warn("{} cannot leave gracefully: no heartbeat from the ECS {}; stopping without a hand-over",
                    ctx.self(), ecs());
            onLeft = null;
            whenLeft.run();
            return;
        }
        onLeft = whenLeft;
        LOG.info("{} asking {} to let it leave", ctx.self(), ecs());
        ctx.send(ecs(), Msg.of(Msg.LEAVE, ctx.self()));
        ctx.schedule(JOIN_RETRY_MAX_MILLIS, () -> {
            if (onLeft != null && isServing()) {
                leave(onLeft); // the request or its answer was lost: ask again
            }
        });
    }

    /**
     * Set by a host that can hold the ECS role: called as this server starts to leave, it hands the role to
     * another server if this one holds it, and says whether it did.
     */
    private java.util.function.BooleanSupplier handOver = () -> false;

    public void onLeaveHandOver(java.util.function.BooleanSupplier h) {
        this.handOver = h;
    }

    /**
     * Asks the new ECS to let this server leave once it follows one and holds its lease. Not before: the new ECS
     * heartbeats before its ring arrives, and a leave without a lease stops as a crash would — the hand-over would
     * then cost the cluster a member it counts in its majority (review of the hand-over: with the successor dead
     * too, 2 of 4 left and no majority). It waits as long as it takes: the process's own leave timeout bounds it.
     */
    private void leaveOnceFollowing(long handedOverTerm, Runnable whenLeft) {
        if (election.ecsTerm() > handedOverTerm && !ctx.self().equals(election.ecs()) && hasLease()) {
            leave(whenLeft);
            return;
        }
        ctx.schedule(10, () -> leaveOnceFollowing(handedOverTerm, whenLeft));
    }

    /**
     * Compaction runs in slices of at most {@link #COMPACTION_SLICE_MILLIS} of loop time, with a pause of
     * the same length between slices while work remains: it can take up to half the loop when a writer
     * saturates the disk with garbage, and never stalls a command for longer than one slice.
     */
    private void compactLater(long delay) {
        ctx.schedule(delay, () -> {
            boolean more = false;
            long start = ctx.now();
            try {
                for (int i = 0; i < 256; i++) {
                    more = store.compactStep();
                    if (!more || ctx.now() - start >= COMPACTION_SLICE_MILLIS) {
                        break;
                    }
                }
            } catch (StorageException e) {
                LOG.warn("{} compaction step failed: {}", ctx.self(), e.getMessage());
                more = false;
            }
            compactLater(more ? COMPACTION_SLICE_MILLIS : 1000);
        });
    }

    // ---- membership ---------------------------------------------------------------------------------

    /**
     * A member that has had no lease for a while asks the ECS again: it may have been declared DOWN
     * without hearing of it (a long partition, an ECS that restarted), and only a JOIN brings it back.
     */
    private void watchLease() {
        ctx.schedule(LEASE_WATCH_MILLIS, () -> {
            if (isServing() && onLeft == null && ctx.now() - leaseUntil > LEASE_WATCH_MILLIS) {
                LOG.warn("{} has had no lease from {} for {} ms; asking to join again", ctx.self(), ecs(),
                        ctx.now() - leaseUntil);
                ctx.send(ecs(), Msg.of(Msg.JOIN, ctx.self()));
                // the ECS may have moved while we were cut off (and a new one may not know us any more):
                // any member we know names the current one (ECS_IS), one of them per round
                List<ServerAddress> others = ring.members().stream().filter(m -> !m.equals(ctx.self()) && !m.equals(ecs()))
                        .toList();
                if (!others.isEmpty()) {
                    ctx.send(others.get(rejoinAsked++ % others.size()), Msg.of(Msg.JOIN, ctx.self()));
                }
            }
            watchLease();
        });
    }

    private void requestRing() {
        if (!preJoin) {
            return;
        }
        if (ctx.now() > preJoinDeadline) {
            finishPreJoin("the hand-back took too long");
            return;
        }
        ctx.send(ecs(), Msg.of(Msg.RING_REQUEST, ctx.self()));
        if (ringRequestRetry != null) {
            ringRequestRetry.cancel(); // one retry pending at a time, however often a refusal re-asks
        }
        ringRequestRetry = ctx.schedule(JOIN_RETRY_MAX_MILLIS, () -> {
            ringRequestRetry = null;
            if (preJoin && preJoinPending == 0) {
                refusedInARow = 0;
                nextBootstrap();
                requestRing(); // the request or the answer was lost
            }
        });
    }

    /**
     * A server that restarts with data first hands back what, in the ring it is about to join, others
     * coordinate — keys it took writes for before it crashed, whose range has moved on since — and joins
     * only then. So the new owners have those writes before anyone could read the range through them
     * with the joiner in the ring. What is left over (the ring changed meanwhile) goes by the hand-off
     * that follows every ring (see {@link #handOff()}).
     */
    private void preJoinHandOff(Ring current) {
        Ring future;
        try {
            future = current.contains(ctx.self()) ? current : current.withMember(ctx.self());
        } catch (IllegalArgumentException e) {
            finishPreJoin(e.getMessage());
            return;
        }
        if (Msg.effectiveReplicas(future, replicas) > 1) {
            // every write this node acknowledged is on its replicas too: nothing exists only here
            finishPreJoin("its replicas hold what it acknowledged");
            return;
        }
        for (ServerAddress m : future.members()) {
            if (m.equals(ctx.self())) {
                continue;
            }
            Range theirs = future.rangeOf(m);
            if (store.scan(theirs, null, 1, true).isEmpty()) {
                continue;
            }
            preJoinPending++;
            startHandOff(theirs, m, current.version(), e -> false, () -> {
                store.drop(theirs);
                preJoinStep();
            }, why -> {
                LOG.warn("{} could not hand {} back to {} before joining ({}); joining anyway", ctx.self(), theirs, m, why);
                preJoinStep();
            });
        }
        if (preJoinPending == 0) {
            finishPreJoin("nothing to hand back");
        } else {
            LOG.info("{} handing back {} ranges before joining ring version {}", ctx.self(), preJoinPending,
                    current.version());
        }
    }

    private void preJoinStep() {
        if (--preJoinPending == 0) {
            finishPreJoin("handed back");
        }
    }

    private void finishPreJoin(String why) {
        if (preJoin) {
            preJoin = false;
            LOG.info("{} joining now ({})", ctx.self(), why);
            sendJoin();
        }
    }

    private void sendJoin() {
        if (isServing() || config.standalone()) {
            return;
        }
        ctx.send(ecs(), Msg.of(Msg.JOIN, ctx.self()));
        if (joinRetry != null) {
            joinRetry.cancel();
        }
        long wait = joinBackoff;
        joinBackoff = Math.min(joinBackoff * 2, JOIN_RETRY_MAX_MILLIS);
        joinRetry = ctx.schedule(wait, () -> {
            joinRetry = null;
            if (!isServing()) {
                refusedInARow = 0;
                nextBootstrap(); // no answer: whoever we asked may be a deposed ECS, or gone
                LOG.info("{} not in the ring yet; asking {} again (next retry in {} ms)", ctx.self(), ecs(), joinBackoff);
                sendJoin();
            }
        });
    }

    @Override
    public void onPeerUnreachable(ServerAddress peer) {
        forwarder.onPeerUnreachable(peer);
        if (!config.standalone()) {
            election.unreachable(peer);
        }
        if (peer.equals(ecs()) && !isServing()) {
            ServerAddress next = nextBootstrap();
            refusedInARow++;
            if (candidates.size() > 1 && refusedInARow >= candidates.size()) {
                // a whole round refused: the retry timer starts the next round, rather than spinning on refusals
                if (refusedInARow == candidates.size()) {
                    LOG.warn("{} none of {} answers; trying again in a while (the ECS or any member will do)",
                            ctx.self(), candidates);
                }
            } else if (!next.equals(peer)) {
                LOG.warn("{} cannot reach {}; trying {} (the ECS or a member that knows it)", ctx.self(), peer, next);
                if (preJoin) {
                    requestRing();
                } else {
                    sendJoin();
                }
            } else {
                LOG.warn("{} cannot reach the ECS at {}; retrying (give -b more addresses: any member knows the ECS)",
                        ctx.self(), peer);
            }
        }
    }

    /**
     * Before joining: moves on to the next address given to join through (the ECS or any member: a
     * member names the ECS). With one address, stays on it.
     */
    private ServerAddress nextBootstrap() {
        List<ServerAddress> bootstrap = candidates.isEmpty() ? config.bootstrap() : candidates;
        if (bootstrap.size() > 1 && !election.hearsEcs()) {
            election.redirect(bootstrap.get(++bootstrapIndex % bootstrap.size()));
        }
        return ecs();
    }

    /** This server's side of ECS failover: the ECS it follows, its term, and its elections (DESIGN §8). */
    public Election election() {
        return election;
    }

    /** The ECS this server follows; null if standalone. */
    public ServerAddress ecs() {
        return config.standalone() ? null : election.ecs();
    }

    @Override
    public void onPeerMessage(ServerAddress from, byte[][] msg) {
        if (forwarder.onMessage(msg)) {
            return;
        }
        String name = Msg.name(msg);
        if (!config.standalone()) {
            if (election.onMessage(from, name, msg)) {
                return;
            }
            long t = Msg.ecsTerm(name, msg);
            long followed = election.ecsTerm();
            ServerAddress was = election.ecs();
            if (t >= 0 && !election.admit(from, t)) {
                return; // fenced: an ECS of an older term (DESIGN §8)
            }
            if (election.ecsTerm() != followed || !election.ecs().equals(was)) {
                ackSentAt.clear(); // acknowledgement numbers belong to one ECS
            }
        }
        switch (name) {
            case Msg.HB -> heartbeat(from, msg);
            case Msg.LEASE -> {
                if (from.equals(ecs())) {
                    renewLease(Msg.num(msg, 2), Msg.num(msg, 3), msg.length > 4 ? Msg.num(msg, 4) : -1);
                }
            }
            case Msg.RING -> {
                saveReplicas(Msg.ringReplicas(msg));
                if (preJoin) {
                    if (preJoinPending == 0) {
                        preJoinHandOff(Msg.parseRing(msg));
                    }
                } else {
                    install(Msg.parseRing(msg));
                }
            }
            case Msg.REPL -> receiveReplica(from, msg);
            case Msg.REACH_ASK -> {
                if (from.equals(ecs()) && ring != null) {
                    reach(Msg.num(msg, 2));
                }
            }
            case Msg.REACH_PING -> ctx.send(from, Msg.of(Msg.REACH_PONG, Msg.num(msg, 1)));
            case Msg.ID_ASK -> answerWriteIdAsk(from, msg);
            case Msg.ID_ANSWER -> writeIdAnswered(from, msg);
            case Msg.REACH_PONG -> {
                if (Msg.num(msg, 1) == reachRound) {
                    reachAnswered.add(from);
                }
            }
            case Msg.REPL_ACK -> {
                for (int i = 1; i < msg.length; i++) {
                    replication.onAck(from, Msg.num(msg, i));
                }
            }
            case Msg.REPL_NACK -> requestRingSoon();
            case Msg.SWITCH -> switchOff(from, msg);
            case Msg.DIGEST_REQ -> digest(from, msg);
            case Msg.ECS_IS -> redirected(Msg.addr(msg, 1));
            case Msg.JOIN, Msg.RING_REQUEST -> redirectJoin(Msg.addr(msg, 1));
            case Msg.LEFT -> left();
            case Msg.XFER -> startTransfer(from, msg, 0);
            case Msg.XFER_ABORT -> abortTransfers(Msg.num(msg, 2));
            case Msg.XFER_ACK -> transferAck(msg);
            case Msg.XFER_DATA -> receiveChunk(from, msg);
            case Msg.XFER_END -> whenDurable(() -> ctx.send(from, Msg.of(Msg.XFER_ACK, msg[1], msg[2], msg[3])));
            case Msg.FWD_WRITE -> receiveForwardedWrite(from, msg);
            case Msg.FWD_ACK -> forwardedWriteAcked(Msg.num(msg, 1));
            case Msg.FWD -> serveForwarded(from, msg);
            case Msg.FWD_CANCEL -> cancelForwarded(from, Msg.num(msg, 1));
            default -> LOG.debug("{} ignoring {} from {}", ctx.self(), Msg.name(msg), from);
        }
    }

    /**
     * Answers a heartbeat and renews the lease it grants: the ECS names the newest acknowledgement it
     * received from us, and we may serve until {@code lease} ms after we sent that one (see
     * {@code Ecs.tick}). Heartbeats queued while this process was paused name old acknowledgements,
     * so they cannot stretch the lease past the moment the ECS may have given our ranges away.
     */
    private void heartbeat(ServerAddress from, byte[][] msg) {
        election.heard();
        long now = ctx.now();
        long hbSeq = Msg.num(msg, 2);
        if (msg.length > 5) {
            renewLease(Msg.num(msg, 3), Msg.num(msg, 5), Msg.num(msg, 4));
        }
        if (msg.length > 6) {
            fullyReplicated = Msg.num(msg, 6);
            if (ring != null && fullyReplicated == ring.version()) {
                settledRing = ring;
            }
        }
        ackSentAt.put(hbSeq, now);
        ctx.send(from, Msg.of(Msg.HB_ACK, ctx.self(), hbSeq, ring == null ? 0 : ring.version(),
                store.keyCount(), store.liveBytes(), stats.opsPerSecond()));
    }

    /**
     * A lease is for the ring the ECS grants it under: a server holding another ring (an older one it may
     * coordinate ranges in that are someone else's now, say after it was declared DOWN unawares) takes
     * none until it has installed that ring.
     */
    private void renewLease(long ackedSeq, long leaseMillis, long ringVersion) {
        Long sentAt = ackSentAt.get(ackedSeq);
        if (sentAt == null || leaseMillis <= 0) {
            return;
        }
        if (ringVersion > leasedRing) {
            leasedRing = ringVersion;
            leasedRingSince = ctx.now();
        }
        leaseLength = Math.max(leaseLength, leaseMillis);
        if (ring != null && ring.version() == ringVersion) {
            leaseUntil = Math.max(leaseUntil, sentAt + leaseMillis);
            if (hasLease()) {
                runLeaseWaiters();
            }
        } else if (ringVersion >= offeredLeaseRing) {
            // the ring it is granted under is on its way (or this server was left out of it): keep it for then
            offeredLeaseUntil = ringVersion == offeredLeaseRing ? Math.max(offeredLeaseUntil, sentAt + leaseMillis)
                    : sentAt + leaseMillis;
            offeredLeaseRing = ringVersion;
        }
    }

    /**
     * True if no node can hold a lease under ring {@code ringVersion} (or an older one) any more: the ECS
     * leased us a newer ring — it had stopped leasing older ones before — twice a lease's length ago. A
     * command forwarded under such a ring can no longer run anywhere (see {@link Forwarder}).
     */
    private boolean outlived(long ringVersion) {
        // at least the election timeout: an ECS of an older term may have leased longer than the one we heard
        return leasedRing > ringVersion
                && ctx.now() - leasedRingSince >= 2 * Math.max(leaseLength, config.electionMinMillis());
    }

    /** The reachability round under way ({@code REACH_ASK}): its id, when it began, who answered. */
    private long reachRound = -1;
    private long reachStartedAt;
    private final java.util.Set<ServerAddress> reachAnswered = new java.util.HashSet<>();
    /** How long a member waits for {@code REACH_PONG}s before it reports (see {@code dev.ringkv.ecs.Reachability}). */
    public static final long REACH_WAIT_MILLIS = 1_000;

    /**
     * The ECS asks whom we reach (a server reported an unconfirmed copy): a ping to every member of our ring,
     * and after {@link #REACH_WAIT_MILLIS} a report of who answered. If our own timer ran late (this process
     * was stalled), no report: the silence of the others would be ours.
     */
    private void reach(long round) {
        reachRound = round;
        reachStartedAt = ctx.now();
        reachAnswered.clear();
        for (ServerAddress m : ring.members()) {
            if (!m.equals(ctx.self())) {
                ctx.send(m, Msg.of(Msg.REACH_PING, round));
            }
        }
        ctx.schedule(REACH_WAIT_MILLIS, () -> {
            if (reachRound != round || ecs() == null) {
                return;
            }
            reachRound = -1;
            if (ctx.now() - reachStartedAt > REACH_WAIT_MILLIS + REACH_WAIT_MILLIS / 4) {
                LOG.warn("{} was stalled during a reachability round: not reporting it", ctx.self());
                return;
            }
            Object[] report = new Object[reachAnswered.size() + 2];
            report[0] = Msg.REACH_REPORT;
            report[1] = round;
            int i = 2;
            for (ServerAddress a : reachAnswered) {
                report[i++] = a.toString();
            }
            ctx.send(ecs(), Msg.of(report));
        });
    }

    /** A lease under the ring installed last is on its way: see {@link #leaseExpectedUntil}. */
    private boolean leaseExpected() {
        if (!isServing()) {
            return false;
        }
        if (ctx.now() < leaseExpectedUntil) {
            return true;
        }
        if (leaseUntil > 0 && ctx.now() - leaseUntil < RENEWAL_GRACE_MILLIS && election.hearsEcs()) {
            // a lease fitted to a calm link (issue 18) lapses for about a heartbeat when one renewal is lost: while
            // the ECS is heard, the next is likely on its way — wait for it rather than fail the command
            leaseExpectedUntil = leaseUntil + RENEWAL_GRACE_MILLIS;
            ctx.schedule(leaseExpectedUntil - ctx.now(), this::runLeaseWaiters);
            return true;
        }
        return false;
    }

    /** How long after its lease lapsed a server that still hears the ECS waits for the renewal (see leaseExpected). */
    static final long RENEWAL_GRACE_MILLIS = 150;

    /** The lease came (or will not come after all): everything waiting for it runs again from the top. */
    private void runLeaseWaiters() {
        List<Runnable> waiting = new ArrayList<>(leaseWaiters);
        leaseWaiters.clear();
        for (Runnable w : waiting) {
            try {
                w.run(); // each answers its own client, on failure too (see parkForLease)
            } catch (RuntimeException e) {
                LOG.error("{} a command waiting for the lease failed", ctx.self(), e);
            }
        }
    }

    /**
     * Parks a client command until the lease under the ring installed just now comes (see
     * {@link #leaseExpectedUntil}), then runs it again from the top. A plain client's keeps its place among
     * that connection's replies; a forwarded one stays cancellable ({@link #cancelForwarded}) until it runs,
     * and keeps its hop count.
     */
    private void parkForLease(Session s, String name, byte[][] args) {
        long id = writeId;
        boolean retry = writeRetry;
        if (s instanceof ForwardedSession f) {
            parkedForwards.add(f);
            leaseWaiters.add(() -> {
                if (parkedForwards.remove(f)) { // else cancelled meanwhile, and told so
                    rerun(f, name, args, id, retry);
                }
            });
            return;
        }
        Session.PendingReply slot = s.defer();
        boolean routing = s.state().routingAware();
        leaseWaiters.add(() -> {
            CapturingSession again = new CapturingSession(slot);
            again.state().routingAware(routing);
            rerun(again, name, args, id, retry);
        });
    }

    private void rerun(Session s, String name, byte[][] args, long id, boolean retry) {
        rerun(s, name, args, id, retry, false);
    }

    private void rerun(Session s, String name, byte[][] args, long id, boolean retry, boolean asked) {
        writeId = id;
        writeRetry = retry;
        writeIdAsked = asked;
        try {
            route(s, name, args);
        } catch (StorageException e) {
            s.reply(RespValue.error("ERR storage: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", ctx.self(), name, e);
            s.reply(RespValue.error("ERR internal error: " + e));
        } finally {
            writeId = 0;
            writeRetry = false;
            writeIdAsked = false;
        }
    }

    /**
     * Answers a write: acknowledged only while the lease still holds (past it, the range may be someone
     * else's); right after a ring change, once the lease under the new ring has come.
     */
    private void answerUnderLease(Session.PendingReply slot, RespValue v, RespValue ok) {
        if (v != ok || hasLease()) {
            slot.complete(v);
        } else if (leaseExpected()) {
            leaseWaiters.add(() -> answerUnderLease(slot, v, ok));
        } else {
            slot.complete(RespValue.error("TRYAGAIN " + ctx.self() + " lost its lease before the write was confirmed"));
        }
    }

    /** True while the ECS's lease lets this server answer for its ranges (always, standalone). */
    public boolean hasLease() {
        return config.standalone() || ctx.now() < leaseUntil;
    }

    private void redirected(ServerAddress realEcs) {
        refusedInARow = 0;
        if (!realEcs.equals(ecs()) && !realEcs.equals(ctx.self()) && isServing() && !hasLease() && onLeft == null) {
            // a member without a lease that still follows an ECS which no longer acts (cut off while the role
            // moved, it may have been declared DOWN by a term it never heard): ask the one it was told of
            LOG.info("{} has no lease from {}; {} is named the ECS: asking it to let us join again", ctx.self(), ecs(),
                    realEcs);
            election.redirect(realEcs);
            ctx.send(realEcs, Msg.of(Msg.JOIN, ctx.self()));
            return;
        }
        if (!realEcs.equals(ecs()) && !isServing()) {
            LOG.info("{} {} is not the ECS; joining through {}", ctx.self(), ecs(), realEcs);
            election.redirect(realEcs);
            joinBackoff = JOIN_RETRY_MIN_MILLIS;
            if (preJoin) {
                requestRing();
            } else {
                sendJoin();
            }
        }
    }

    /** Any member redirects a join to the ECS (DESIGN §7). */
    private void redirectJoin(ServerAddress joiner) {
        if (ecs() != null && !joiner.equals(ctx.self())) {
            ctx.send(joiner, Msg.of(Msg.ECS_IS, ecs()));
        }
    }

    private void install(Ring next) {
        if (next.version() < ringFloor) {
            return; // a late message: we hold data planned under a newer ring
        }
        if (ring != null && next.version() <= ring.version()) {
            if (!isServing() && next.contains(ctx.self()) && next.version() == ring.version()) {
                joined = true; // a re-sent ring after our restart
            }
            return;
        }
        boolean wasMember = isServing();
        ring = next;
        // a lease is for one ring: the one we held covers none of what this ring gives us, and the ECS leases
        // a ring only once a majority installed it (the next ECS then holds it too; see Ecs.committed)
        boolean hadLease = hasLease();
        leaseUntil = next.version() == offeredLeaseRing ? offeredLeaseUntil : Math.min(leaseUntil, ctx.now());
        if (!hasLease() && next.contains(ctx.self()) && (hadLease || election.hearsEcs())) {
            // the ECS leases this ring once a majority has it: about a round trip from now (a joiner's too)
            // (generous: on a busy machine the round trip behind the ring can take hundreds of ms; nothing
            // waits longer than this, and a client's timeout is seconds)
            long wait = NEW_RING_LEASE_WAIT_MILLIS;
            leaseExpectedUntil = ctx.now() + wait;
            ctx.schedule(wait, this::runLeaseWaiters);
        }
        refusedInARow = 0;
        if (!config.standalone()) {
            saveMembers(next);
        }
        election.installed(next.version());
        term = Math.max(term, next.term());
        switched.clear();
        // the ECS publishes only after every transfer of a plan is done, or after aborting it
        for (TransferOut t : outgoing.values()) {
            t.abort();
        }
        outgoing.clear();
        // writes still waiting for a transfer that the new ring made moot: their outcome is unknown
        List<Long> stale = new ArrayList<>(fwdWrites.keySet());
        stale.sort(null);
        for (long id : stale) {
            FwdWait w = fwdWrites.remove(id);
            w.timeout.cancel();
            w.ack.fail(RespValue.error("TRYAGAIN the ring changed while the write was being copied"));
        }
        replication.onRing(ring, replicationFactor());
        if (ring.contains(ctx.self())) {
            if (!wasMember) {
                LOG.info("{} serving under ring version {} ({} servers), coordinating {}", ctx.self(), ring.version(),
                        ring.size(), ring.rangeOf(ctx.self()));
            }
            joined = true;
            joinBackoff = JOIN_RETRY_MIN_MILLIS;
            if (replicationFactor() > 1) {
                dropWhatIsNotMine();
            } else {
                handOff();
            }
        } else if (wasMember && onLeft != null) {
            // a ring without us while leaving: the hand-over is complete even if LEFT itself was lost
            left();
        } else if (wasMember) {
            LOG.warn("{} is not in ring version {}: the ECS declared it down; joining again", ctx.self(), ring.version());
            joined = false;
            joinBackoff = JOIN_RETRY_MIN_MILLIS;
            sendJoin();
        } else if (!wasMember) {
            joined = false;
        }
    }

    /**
     * With replicas, everything this node held outside its new holdings is held by the range's other
     * replicas too (it was acknowledged only once they all had it), so it is simply forgotten (DESIGN §7:
     * old holders drop what moved).
     */
    private void dropWhatIsNotMine() {
        handedOver.clear();
        Range mine = ring.replicaRangeOf(ctx.self(), replicationFactor());
        if (!mine.isFull()) {
            store.drop(new Range(mine.to(), mine.from()));
        }
    }

    /**
     * Gives away what this node holds outside its range, then forgets it (DESIGN §7: old holders drop
     * what moved). What a completed plan transfer already delivered to its owner is dropped at once;
     * anything else — a range it coordinated before a crash and no longer does, copies from an aborted
     * plan — is first streamed to the range's coordinator, which keeps the newer version of each key.
     * With one copy per key, this is what keeps a restarted server's writes from being lost.
     */
    private void handOff() {
        List<TransferOut> delivered = new ArrayList<>(handedOver);
        handedOver.clear();
        for (ServerAddress m : ring.members()) {
            if (m.equals(ctx.self())) {
                continue;
            }
            Range theirs = ring.rangeOf(m);
            if (store.scan(theirs, null, 1, true).isEmpty()) {
                continue;
            }
            long version = ring.version();
            startHandOff(theirs, m, version, e -> delivered.stream()
                    .anyMatch(t -> t.target.equals(m) && t.range.contains(e.position())), () -> {
                        if (ring.version() == version) {
                            store.drop(theirs);
                        }
                    }, why -> {
                        LOG.warn("{} hand-off of {} to {} failed ({}); trying again", ctx.self(), theirs, m, why);
                        ctx.schedule(1_000, () -> {
                            if (ring.version() == version && isServing()) {
                                handOff();
                            }
                        });
                    });
        }
    }

    /**
     * Streams what this node holds in {@code theirs} (less what {@code skip} says is already there) to
     * {@code owner}, its coordinator, as an acknowledged transfer of its own — nobody else is told. The
     * transfer leaves {@link #outgoing} when it ends, before {@code done} or {@code failed} runs.
     */
    private void startHandOff(Range theirs, ServerAddress owner, long base, java.util.function.Predicate<StoredEntry> skip,
                              Runnable done, java.util.function.Consumer<String> failed) {
        long id = -(++handoffSeq);
        TransferOut t = new TransferOut(ctx, new TransferOut.Listener() {
            @Override
            public void progress(long entriesSent) {
                // a hand-off is the node's own business: nobody to report to
            }

            @Override
            public void done(TransferOut finished) {
                outgoing.remove(finished.key());
                done.run();
            }

            @Override
            public void failed(String why) {
                outgoing.remove(TransferOut.key(id, 0));
                failed.accept(why);
            }
        }, id, 0, theirs, owner, base, true, config.transferChunkEntries(), config.transferWindow(), skip, writeIds);
        outgoing.put(t.key(), t);
        t.start();
    }

    private void left() {
        LOG.info("{} has left the cluster", ctx.self());
        joined = false;
        Runnable r = onLeft;
        onLeft = null;
        if (r != null) {
            r.run();
        }
    }

    // ---- transfers (DESIGN §7) ---------------------------------------------------------------------

    private void startTransfer(ServerAddress from, byte[][] msg, int attempt) {
        long planId = Msg.num(msg, 2);
        int xfer = (int) Msg.num(msg, 3);
        Range range = new Range(Position.fromHex(Msg.str(msg, 4)), Position.fromHex(Msg.str(msg, 5)));
        ServerAddress target = Msg.addr(msg, 6);
        boolean repair = msg.length > 7 && Msg.MODE_REPAIR.equals(Msg.str(msg, 7));
        long base = msg.length > 8 ? Msg.num(msg, 8) : (ring == null ? 0 : ring.version());
        String key = TransferOut.key(planId, xfer);
        if (outgoing.containsKey(key)) {
            // a repeat: the ECS did not hear that it runs (its first answer was lost), so say it again
            ctx.send(from, Msg.of(Msg.XFER_PROGRESS, planId, xfer, 0, store.count(range)));
            return;
        }
        if (ring == null || ring.version() < base) {
            // planned under a ring we have not seen yet (its RING was lost): ask for it and look again
            requestRingSoon();
            if (attempt < 50) {
                ctx.schedule(100, () -> startTransfer(from, msg, attempt + 1));
            } else {
                // say so rather than leave the ECS waiting for a transfer nobody runs (issue 17, item 11)
                LOG.warn("{} plan {} transfer {}: ring version {} never reached us; telling the ECS", ctx.self(), planId,
                        xfer, base);
                ctx.send(from, Msg.of(Msg.XFER_FAILED, planId, xfer, "the source never got ring version " + base));
            }
            return;
        }
        if (repair && ring.version() > base) {
            return; // planned under an older ring: the ECS plans the repair again for the newer one
        }
        TransferOut t = new TransferOut(ctx, new TransferOut.Listener() {
            @Override
            public void progress(long entriesSent) {
                ctx.send(from, Msg.of(Msg.XFER_PROGRESS, planId, xfer, entriesSent));
            }

            @Override
            public void done(TransferOut done) {
                if (repair) {
                    outgoing.remove(done.key()); // the new replica is in the ring: writes reach it anyway
                } else {
                    handedOver.add(done);
                }
                reportDone(from, planId, xfer, ring.version(), 0);
            }

            @Override
            public void failed(String why) {
                outgoing.remove(TransferOut.key(planId, xfer)); // no zombie keeps forwarding to a dead target
                ctx.send(from, Msg.of(Msg.XFER_FAILED, planId, xfer, why));
            }
        }, planId, xfer, range, target, base, !repair, config.transferChunkEntries(), config.transferWindow(),
                e -> false, writeIds);
        outgoing.put(key, t);
        ctx.send(from, Msg.of(Msg.XFER_PROGRESS, planId, xfer, 0, store.count(range)));
        t.start();
    }

    /**
     * Tells the ECS a transfer is done, and again every second while the ring and the plan stay the same
     * (for at most a minute): a lost report would otherwise hold the plan until its timeout.
     */
    private void reportDone(ServerAddress ecsAddr, long planId, int xfer, long ringVersion, int attempt) {
        ctx.send(ecsAddr, Msg.of(Msg.XFER_DONE, planId, xfer));
        ctx.schedule(1_000, () -> {
            // a new ring ends a plan; an abort ends it too; the ECS ignores reports it has already counted
            if (attempt < 60 && ring.version() == ringVersion && !abortedPlans.contains(planId)) {
                reportDone(ecsAddr, planId, xfer, ringVersion, attempt + 1);
            }
        });
    }

    private void abortTransfers(long planId) {
        abortedPlans.add(planId);
        handedOver.removeIf(t -> t.planId == planId); // this node still holds those ranges
        outgoing.values().removeIf(t -> {
            if (t.planId == planId) {
                t.abort();
                LOG.info("{} plan {} transfer {} to {} aborted", ctx.self(), t.planId, t.xfer, t.target);
                return true;
            }
            return false;
        });
        // writes waiting for an aborted target: this node still holds their range, so they are complete
        List<Long> ids = new ArrayList<>();
        fwdWrites.forEach((id, w) -> {
            if (w.transfer.startsWith(planId + ":")) {
                ids.add(id);
            }
        });
        ids.sort(null);
        for (long id : ids) {
            forwardedWriteAcked(id);
        }
        switched.clear(); // the plan is off: this node goes on coordinating its ranges
    }

    private void transferAck(byte[][] msg) {
        TransferOut t = outgoing.get(TransferOut.key(Msg.num(msg, 1), (int) Msg.num(msg, 2)));
        if (t != null) {
            t.onAck(Msg.num(msg, 3));
        }
    }

    private void receiveChunk(ServerAddress from, byte[][] msg) {
        if (behind(Msg.num(msg, 4))) {
            return; // no acknowledgement until we have the ring it was sent under: the sender resends
        }
        applyCopies(from, msg, 5, msg.length, sending(from, Msg.of(Msg.XFER_ACK, msg[1], msg[2], msg[3])));
    }

    private void receiveForwardedWrite(ServerAddress from, byte[][] msg) {
        if (msg.length != 2 + Msg.ENTRY_FIELDS + 1) {
            LOG.warn("{} ignores a malformed {} from {}: {} fields", ctx.self(), Msg.FWD_WRITE, from, msg.length);
            return;
        }
        if (behind(Msg.num(msg, msg.length - 1))) {
            return;
        }
        applyCopies(from, msg, 2, msg.length - 1, sending(from, Msg.of(Msg.FWD_ACK, msg[1])));
    }

    /** An acknowledgement for {@link #applyCopies} that sends {@code message} to {@code to}. */
    private Runnable sending(ServerAddress to, byte[][] message) {
        return () -> ctx.send(to, message);
    }

    /**
     * Applies the entries ({@code key kind value term ring seq writeIds}, {@link Msg#ENTRY_FIELDS} each) from
     * {@code msg[first]} on,
     * and runs {@code acknowledge} once they are all durable (and passed on, if their range is moving
     * away); after a failure nothing is acknowledged and the sender sends them again.
     */
    private void applyCopies(ServerAddress from, byte[][] msg, int first, int end, Runnable acknowledge) {
        applyCopies(from, msg, first, end, false, acknowledge);
    }

    /** {@code exact}: the copies are of the writes themselves (a coordinator's REPL), so are their ids' versions. */
    private void applyCopies(ServerAddress from, byte[][] msg, int first, int end, boolean exact, Runnable acknowledge) {
        if (end < first || end > msg.length || (end - first) % Msg.ENTRY_FIELDS != 0) {
            LOG.warn("{} ignores a malformed {} from {}: {} fields of entries are not whole entries of {}",
                    ctx.self(), Msg.name(msg), from, end - first, Msg.ENTRY_FIELDS);
            return; // not acknowledged: a well-formed sender sends it again
        }
        Ack ack = new Ack(v -> {
            if (v == RespValue.OK) {
                acknowledge.run();
            }
        }, RespValue.OK);
        for (int i = first; i + Msg.ENTRY_FIELDS <= end; i += Msg.ENTRY_FIELDS) {
            byte[] value = Msg.isTombstone(msg[i + 1]) ? null : msg[i + 2];
            Version v = new Version(Msg.num(msg, i + 3), Msg.num(msg, i + 4), Msg.num(msg, i + 5));
            // the clients' ids of writes to the key: a retry of one, if this node coordinates the key later, is
            // not stamped again (see WriteIds)
            writeIds.learn(msg[i], v, msg[i + 6], exact);
            applyCopy(msg[i], value, v, msg[i + 6], ack);
        }
        ackWhenDurable(ack);
    }

    /**
     * Applies a copy made by another coordinator: versions decide, and our clock moves past it. If this
     * node is itself moving that key's range away, the copy goes on to the new holder too, and the
     * sender hears back only once it is there — otherwise it could land here after the range left.
     */
    private void applyCopy(byte[] key, byte[] value, Version v, byte[] ids, Ack ack) {
        if (store.apply(key, value, v) && !outgoing.isEmpty()) {
            TransferOut t = transferCovering(positionOf(key));
            if (t != null) {
                forwardWriteLater(t, key, value, v, ids, ack).run();
            }
        }
        seq = Math.max(seq, v.seq());
        term = Math.max(term, v.term());
    }

    private void ackWhenDurable(Ack ack) {
        ack.expect();
        store.whenDurable(failure -> {
            if (failure == null) {
                ack.done();
            } else {
                LOG.warn("{} could not store a copy: {}", ctx.self(), failure.getMessage());
                ack.fail(RespValue.error("ERR storage: " + failure.getMessage()));
            }
        });
    }

    private void whenDurable(Runnable r) {
        store.whenDurable(failure -> {
            if (failure == null) {
                r.run();
            } else {
                LOG.warn("{} could not store a copy: {}", ctx.self(), failure.getMessage());
            }
        });
    }

    /**
     * The key's ring position. A command asks for it while it is routed and again while it is applied, with
     * the same array: the last one is kept, so the MD5 is paid once (key arrays are never modified).
     */
    private Position positionOf(byte[] key) {
        if (key != lastPositioned) {
            lastPosition = Hashing.position(key);
            lastPositioned = key;
        }
        return lastPosition;
    }

    /**
     * True if this node would answer, right now, for a key at {@code p} as its coordinator: it serves, holds
     * a lease, coordinates {@code p} in its ring and has not been told to switch it away. Tests sample it
     * to check that no two servers ever answer for one key at once.
     */
    public boolean answersFor(Position p) {
        return isServing() && hasLease() && ring.coordinatorOf(p).equals(ctx.self()) && !switchedCovers(p);
    }

    /** True if the ECS told us to stop coordinating this position and the ring that says so has not come yet. */
    private boolean switchedCovers(Position p) {
        for (Range r : switched) {
            if (r.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if a message was sent under a ring newer than ours: we ask for the ring and do not acknowledge
     * yet. Acknowledging a copy we might then drop as "not ours" under the older ring would lose it.
     */
    private boolean behind(long ringVersion) {
        ringFloor = Math.max(ringFloor, ringVersion);
        if (ring == null || !ring.contains(ctx.self())) {
            // not a member (a joiner): it drops nothing before a ring with it arrives, and it will not
            // install a ring older than this one (see install), so it may keep the copy
            return false;
        }
        if (ring.version() < ringVersion) {
            requestRingSoon();
            return true;
        }
        return false;
    }

    /** Asks the ECS for the current ring, at most once per heartbeat interval. */
    private void requestRingSoon() {
        long now = ctx.now();
        if (ecs() != null && now - lastRingRequestAt >= 100) {
            lastRingRequestAt = now;
            ctx.send(ecs(), Msg.of(Msg.RING_REQUEST, ctx.self()));
        }
    }

    /**
     * A copy of a write from its coordinator (DESIGN §6): applied by version, acknowledged once durable —
     * only if we are on the same ring (see {@link Replication}).
     */
    private void receiveReplica(ServerAddress from, byte[][] msg) {
        long ringVersion = Msg.num(msg, 2);
        if (behind(ringVersion)) {
            return;
        }
        if (ring != null && ring.version() > ringVersion) {
            ctx.send(from, Msg.of(Msg.REPL_NACK, msg[1], ring.version()));
            return;
        }
        byte[] id = msg[1];
        applyCopies(from, msg, 3, msg.length, true, () -> replAcksDue.computeIfAbsent(from, a -> new ArrayList<>()).add(id));
    }

    /** Sends the turn's acknowledgements of copies, one {@code REPL_ACK id...} per coordinator. */
    @Override
    public void onTurnEnd() {
        if (replAcksDue.isEmpty()) {
            return;
        }
        for (Map.Entry<ServerAddress, List<byte[]>> e : replAcksDue.entrySet()) {
            List<byte[]> ids = e.getValue();
            byte[][] m = new byte[ids.size() + 1][];
            m[0] = Msg.nameBytes(Msg.REPL_ACK);
            for (int i = 0; i < ids.size(); i++) {
                m[i + 1] = ids.get(i);
            }
            ctx.send(e.getKey(), m);
        }
        replAcksDue.clear();
    }

    /**
     * The last step of a plan (DESIGN §7): every transfer is done, and before publishing the ring that gives
     * this range to another coordinator, the ECS has us stop answering for it ({@code -TRYAGAIN}) until that
     * ring arrives — so the old and the new coordinator never both answer.
     */
    private void switchOff(ServerAddress from, byte[][] msg) {
        Range r = Msg.range(msg, 3);
        if (!switched.contains(r)) {
            switched.add(r);
            LOG.info("{} stops coordinating {} for plan {}", ctx.self(), r, Msg.str(msg, 2));
        }
        ctx.send(from, Msg.of(Msg.SWITCH_ACK, msg[2]));
    }

    /** Anti-entropy (DESIGN §6): the digest of what we hold in a range, for the ECS to compare. */
    private void digest(ServerAddress from, byte[][] msg) {
        Range r = Msg.range(msg, 3);
        ctx.send(from, Msg.of(Msg.DIGEST_REPLY, msg[1], msg[2], ctx.self(), ring == null ? 0 : ring.version(),
                store.digest(r).text()));
    }

    /** The transfer moving this position away, if any: writes there need the new holder's copy too. */
    private TransferOut transferCovering(Position p) {
        for (TransferOut t : outgoing.values()) {
            if (t.forwarding && t.range.contains(p)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Registers a write to forward to a transfer's target and returns what sends it: the coordinator sends
     * it only once its own copy is durable (see {@link #write}).
     */
    private Runnable forwardWriteLater(TransferOut t, byte[] key, byte[] value, Version v, byte[] ids, Ack ack) {
        long id = ++fwdSeq;
        ack.expect();
        Cancellable timeout = ctx.schedule(FWD_WRITE_TIMEOUT_MILLIS, () -> {
            FwdWait w = fwdWrites.get(id);
            if (w != null) {
                // the client hears "unknown"; the transfer keeps resending it and cannot finish without it
                w.ack.fail(RespValue.error("TRYAGAIN the range is moving to " + t.target + ", which did not confirm"));
            }
        });
        fwdWrites.put(id, new FwdWait(ack, t.key(), timeout));
        return () -> {
            if (fwdWrites.containsKey(id) && outgoing.get(t.key()) == t) {
                t.forward(id, Msg.of(Msg.FWD_WRITE, id, key, value == null ? Msg.TOMBSTONE : Msg.VALUE,
                        value == null ? new byte[0] : value, v.term(), v.ring(), v.seq(), ids, t.base));
            }
        };
    }

    private void forwardedWriteAcked(long id) {
        FwdWait w = fwdWrites.remove(id);
        if (w != null) {
            w.timeout.cancel();
            w.ack.done();
            TransferOut t = outgoing.get(w.transfer);
            if (t != null) {
                t.forwardAcked(id);
            }
        }
    }

    // ---- forwarded client commands -----------------------------------------------------------------

    private void serveForwarded(ServerAddress origin, byte[][] msg) {
        long id = Msg.num(msg, 1);
        String key = origin + "#" + id;
        if (seenForwards.containsKey(key)) {
            return; // a duplicate delivery (running a write twice could undo a newer one), or cancelled
        }
        int hops = (int) Msg.num(msg, 2);
        long sentUnder = Msg.num(msg, 3);
        byte[][] args = Arrays.copyOfRange(msg, 4, msg.length);
        ForwardedSession s = new ForwardedSession(ctx, origin, id, hops + 1, sentUnder);
        seenForwards.put(key, s);
        onCommand(s, args);
    }

    private static final Object CANCELLED = new Object();

    /**
     * The end of an error that refuses a command before it touched anything: a client may send it again as
     * a first try (see {@code RingKvCluster}'s retries), not as a retry that may follow one that took effect.
     */
    public static final String NOT_APPLIED = " (not applied)";

    /** Recent write identities (see {@link WriteIds}); {@link #writeId} is the one of the command running now. */
    private final WriteIds writeIds = new WriteIds();
    private long writeId;
    /** The command running now is a retry ({@code RINGKV ONCE id RETRY ...}): its first try may have taken effect. */
    private boolean writeRetry;
    /** The holders of the key were asked for this retry's id already (see {@link #askForWriteId}). */
    private boolean writeIdAsked;
    /** Asks for write ids in flight, by request id. */
    private final Map<Long, IdAsk> idAsks = new HashMap<>();
    /** From a random start, like forward ids: an answer to a previous process's ask must match none of ours. */
    private long idAskSeq = -1;
    static final long ID_ASK_MILLIS = 1_000;

    /** An ask for a retry's write id: who has yet to answer, and what runs the retry again when all have. */
    private static final class IdAsk {
        final long writeId;
        final byte[] key;
        int waiting;
        final java.util.Set<ServerAddress> answered = new java.util.HashSet<>();
        Runnable resume;
        Cancellable timer;

        IdAsk(long writeId, byte[] key, int waiting) {
            this.writeId = writeId;
            this.key = key;
            this.waiting = waiting;
        }
    }

    /**
     * {@code FWD_CANCEL}: the forwarder is about to tell its client {@code -TRYAGAIN}, so this forward must
     * not take effect from now on (DESIGN §1; see {@link Forwarder}). Not seen yet (it is still on its way,
     * say on a slow link): it is refused when it comes. Already run, or a write already stamped here and
     * waiting for its copies: it is ordered before anything that follows, so confirming is safe. Passed
     * on to another node: cancelled there first.
     */
    private void cancelForwarded(ServerAddress origin, long id) {
        String key = origin + "#" + id;
        Object seen = seenForwards.get(key);
        Runnable confirm = () -> ctx.send(origin, Msg.of(Msg.FWD_CANCELLED, id));
        if (seen == null) {
            seenForwards.put(key, CANCELLED);
            LOG.debug("{} forward {} from {} cancelled before it arrived", ctx.self(), id, origin);
            confirm.run();
        } else if (seen instanceof ForwardedSession s && parkedForwards.remove(s)) {
            // waiting for the lease under a new ring, or for the holders to tell its write id: it never will run
            s.reply(RespValue.error("TRYAGAIN " + ctx.self() + " had it waiting (for its lease or write id); the command was cancelled"
                    + NOT_APPLIED));
            confirm.run();
        } else if (seen instanceof ForwardedSession s && !s.replied()) {
            forwarder.cancelFor(s.defer(), confirm);
        } else {
            confirm.run();
        }
    }

    // ---- client commands ----------------------------------------------------------------------------

    private static final byte[] RINGKV = "RINGKV".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * {@code RINGKV ...} (the monitor API, DESIGN §10) is not load: counting it would make a watching
     * monitor show up in the ops/s it watches.
     */
    static boolean isMonitorCommand(byte[][] args) {
        if (args.length == 0 || args[0].length != RINGKV.length) {
            return false;
        }
        for (int i = 0; i < RINGKV.length; i++) {
            if ((args[0][i] & 0xDF) != RINGKV[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void onCommand(Session s, byte[][] args) {
        if (!isMonitorCommand(args)) {
            stats.commandProcessed();
        }
        try {
            dispatch(s, args);
        } catch (StorageException e) {
            s.reply(RespValue.error("ERR storage: " + e.getMessage()));
        } catch (RuntimeException e) {
            // one catch-all per task boundary: the node keeps serving every other command
            LOG.error("{} failed on command {}", ctx.self(), Commands.name(args), e);
            s.reply(RespValue.error("ERR internal error: " + e));
        }
    }

    private void dispatch(Session s, byte[][] args) {
        String name = commands.validate(s, args);
        if (name == null) {
            return;
        }
        switch (name) {
            case "GET", "SET", "DEL", "EXISTS", "MGET", "MSET", "PUT", "DELETE" -> route(s, name, args);
            case "KEYRANGE" -> s.reply(isServing() ? RespValue.bulk(ring.keyrangeText()) : stopped());
            case "KEYRANGE_READ" -> s.reply(isServing() ? RespValue.bulk(ring.keyrangeReadText(replicationFactor()))
                    : stopped());
            case "DBSIZE" -> s.reply(RespValue.integer(store.keyCount()));
            case "INFO" -> s.reply(RespValue.bulk(info(args.length > 1 ? Commands.text(args[1]) : "default")));
            case "RINGKV" -> ringkv(s, args);
            default -> commands.connection(s, name, args, this::configValue);
        }
    }

    private RespValue stopped() {
        return RespValue.error("STOPPED " + ctx.self() + " is not serving yet: joining the cluster through " + ecs());
    }

    /** Serves the keys this node coordinates; forwards or refuses the rest (DESIGN §5). */
    private void route(Session s, String name, byte[][] args) {
        if (!isServing()) {
            s.reply(stopped());
            return;
        }
        if (!hasLease() && leaseExpected()) {
            parkForLease(s, name, args);
            return;
        }
        if (!hasLease()) {
            // cut off from the ECS (or just resumed from a pause): our ranges may already be someone else's
            s.reply(RespValue.error("TRYAGAIN " + ctx.self() + " has no current lease from the ECS " + ecs() + NOT_APPLIED));
            return;
        }
        if (s instanceof ForwardedSession f && f.ringVersion() < ring.version() && !isRead(name)) {
            // routed by an older ring: it may have waited on a cut link while its forwarder, outliving that ring,
            // told the client TRYAGAIN (see Forwarder) — it must not take effect now, after writes made since
            s.reply(RespValue.error("TRYAGAIN the ring changed since this command was forwarded (ring version "
                    + f.ringVersion() + ", now " + ring.version() + ")" + NOT_APPLIED));
            return;
        }
        List<byte[]> keys = keysOf(name, args);
        ServerAddress owner = null;
        boolean mixed = false;
        for (byte[] k : keys) {
            ServerAddress c = ring.coordinatorOf(positionOf(k));
            if (owner == null) {
                owner = c;
            } else if (!owner.equals(c)) {
                mixed = true;
            }
        }
        if (!mixed && owner.equals(ctx.self())) {
            if (!switched.isEmpty()) {
                for (byte[] k : keys) {
                    if (switchedCovers(positionOf(k))) {
                        // the new holder has everything and may already serve it: the switch is in flight
                        s.reply(RespValue.error("TRYAGAIN the range of this key is switching to a new holder" + NOT_APPLIED));
                        return;
                    }
                }
            }
            if (isRead(name) && waitForWrites(s, keys, args)) {
                return;
            }
            if (writeRetry && !writeIdAsked && !knowsWriteId(keys.get(0))) {
                askForWriteId(s, name, args, keys.get(0));
                return;
            }
            local(s, name, args);
            return;
        }
        if (s.state().readOnly() && isRead(name) && holdsAll(keys)) {
            local(s, name, args); // a replica read (READONLY): eventually consistent, documented as such
            return;
        }
        boolean forwarded = s instanceof ForwardedSession;
        if (s.state().routingAware() || (forwarded && ((ForwardedSession) s).hops() > Forwarder.MAX_HOPS)) {
            s.reply(forwarded ? RespValue.error("TRYAGAIN the ring is changing (ring version " + ring.version() + ")" + NOT_APPLIED)
                    : RespValue.error("NOT_RESPONSIBLE " + ring.version()));
            return;
        }
        int hops = forwarded ? ((ForwardedSession) s).hops() : 0;
        if (!mixed) {
            forwarder.forward(owner, withWriteId(args), hops, ring.version(), s.defer());
            return;
        }
        if (forwarded) {
            // split here, its parts would run on after a cancel of the forward was confirmed (the cancel cannot
            // reach them): the node the client talks to splits it, by its own ring (see Scatter)
            s.reply(RespValue.error("TRYAGAIN the keys of this command are on several servers in ring version "
                    + ring.version() + NOT_APPLIED));
            return;
        }
        Scatter.run(this::execute, s, name, args, keys);
    }

    static boolean isRead(String name) {
        return name.equals("GET") || name.equals("EXISTS") || name.equals("MGET");
    }

    private boolean holdsAll(List<byte[]> keys) {
        if (fullyReplicated != ring.version()) {
            return false; // a re-replication may still be filling this server's new ranges: ask the coordinator
        }
        int rf = replicationFactor();
        for (byte[] k : keys) {
            if (!ring.isResponsible(ctx.self(), positionOf(k), rf)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A read of a key whose write is still being replicated waits for it (see {@link Replication}), then
     * runs again from the top (the ring may have changed meanwhile). Returns true if it waits.
     */
    private boolean waitForWrites(Session s, List<byte[]> keys, byte[][] args) {
        if (replication.inFlight() == 0) {
            return false;
        }
        boolean routing = s.state().routingAware();
        Session.PendingReply[] reply = new Session.PendingReply[1];
        for (byte[] k : keys) {
            // the waiter runs later, on a later event, so the slot below is reserved by then
            if (replication.whenSettled(k, () -> {
                CapturingSession again = new CapturingSession(reply[0]);
                again.state().routingAware(routing);
                onCommand(again, args);
            })) {
                reply[0] = s.defer();
                return true;
            }
        }
        return false;
    }

    /**
     * Runs one single-key command as if a plain client sent it here; the reply goes to {@code reply}. It
     * takes the same road as any client command — the lease, the switch of a range being handed over, a
     * read waiting for the write in flight on its key — so a part of an MGET never returns a value still
     * being replicated, nor an MSET part is acknowledged in a range that is switching (issue 17, item 6).
     */
    void execute(byte[][] args, Session.PendingReply reply) {
        route(new CapturingSession(reply), Commands.name(args), args);
    }

    /** The keys a data command names (MSET: every other argument). */
    public static List<byte[]> keysOf(String name, byte[][] args) {
        List<byte[]> keys = new ArrayList<>();
        switch (name) {
            case "MSET" -> {
                for (int i = 1; i < args.length; i += 2) {
                    keys.add(args[i]);
                }
            }
            case "DEL", "EXISTS", "MGET" -> {
                for (int i = 1; i < args.length; i++) {
                    keys.add(args[i]);
                }
            }
            default -> keys.add(args[1]);
        }
        return keys;
    }

    private void local(Session s, String name, byte[][] args) {
        switch (name) {
            case "GET" -> s.reply(RespValue.bulk(liveValue(args[1])));
            case "SET" -> set(s, args);
            case "DEL" -> del(s, args);
            case "EXISTS" -> exists(s, args);
            case "MGET" -> mget(s, args);
            case "MSET" -> mset(s, args);
            case "PUT" -> put(s, args);
            case "DELETE" -> delete(s, args[1]);
            default -> throw new IllegalStateException("not a data command: " + name);
        }
    }

    private byte[] liveValue(byte[] key) {
        StoredEntry e = store.get(key);
        return e == null ? null : e.value();
    }

    private void set(Session s, byte[][] args) {
        boolean nx = false;
        boolean xx = false;
        boolean get = false;
        for (int i = 3; i < args.length; i++) {
            String opt = Commands.text(args[i]).toUpperCase(Locale.ROOT);
            switch (opt) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GET" -> get = true;
                case "EX", "PX", "EXAT", "PXAT", "KEEPTTL" -> {
                    s.reply(RespValue.error("ERR SET option " + opt + " is not supported: RingKV keys do not expire"));
                    return;
                }
                default -> {
                    s.reply(RespValue.error("ERR syntax error"));
                    return;
                }
            }
        }
        if (nx && xx) {
            s.reply(RespValue.error("ERR syntax error"));
            return;
        }
        if (!checkKey(s, args[1]) || !checkValue(s, args[2])) {
            return;
        }
        byte[] old = (nx || xx || get) ? liveValue(args[1]) : null;
        if ((nx && old != null) || (xx && old == null)) {
            s.reply(get ? RespValue.bulk(old) : RespValue.NULL);
            return;
        }
        write(s, List.of(args[1]), Collections.singletonList(args[2]), get ? RespValue.bulk(old) : RespValue.OK);
    }

    private void del(Session s, byte[][] args) {
        WriteIds.Stamped known = writeId == 0 ? null : writeIds.get(writeId);
        if (refusedAsUncertain(s, known, args[1])) {
            return;
        }
        if (known != null && Arrays.equals(known.key(), args[1])) {
            // a retry of a DEL that deleted: it completes as that one (see once), whatever is there now
            write(s, List.of(args[1]), Collections.singletonList(null), RespValue.integer(1));
            return;
        }
        List<byte[]> keys = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            byte[] key = args[i];
            if (liveValue(key) != null && keys.stream().noneMatch(k -> Arrays.equals(k, key))) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            s.reply(RespValue.ZERO);
            return;
        }
        write(s, keys, Collections.nCopies(keys.size(), null), RespValue.integer(keys.size()));
    }

    private void exists(Session s, byte[][] args) {
        long n = 0;
        for (int i = 1; i < args.length; i++) {
            if (liveValue(args[i]) != null) {
                n++;
            }
        }
        s.reply(RespValue.integer(n));
    }

    private void mget(Session s, byte[][] args) {
        List<RespValue> out = new ArrayList<>(args.length - 1);
        for (int i = 1; i < args.length; i++) {
            out.add(RespValue.bulk(liveValue(args[i])));
        }
        s.reply(new RespValue.Array(out));
    }

    private void mset(Session s, byte[][] args) {
        if (args.length % 2 != 1) {
            s.reply(RespValue.error("ERR wrong number of arguments for 'mset' command"));
            return;
        }
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!checkKey(s, args[i]) || !checkValue(s, args[i + 1])) {
                return;
            }
            keys.add(args[i]);
            values.add(args[i + 1]);
        }
        write(s, keys, values, RespValue.OK);
    }

    /** The original system's {@code put key value}; {@code put key null} deletes. */
    private void put(Session s, byte[][] args) {
        byte[] key = args[1];
        byte[] value = args[2];
        if (Arrays.equals(value, NULL_WORD)) {
            delete(s, key);
            return;
        }
        if (!checkKey(s, key) || !checkValue(s, value)) {
            return;
        }
        boolean existed = liveValue(key) != null;
        write(s, List.of(key), List.of(value), new RespValue.Simple(existed ? "PUT_UPDATE" : "PUT_SUCCESS"));
    }

    private void delete(Session s, byte[] key) {
        if (liveValue(key) == null) {
            s.reply(RespValue.error("DELETE_ERROR no such key"));
            return;
        }
        write(s, List.of(key), Collections.singletonList(null), new RespValue.Simple("DELETE_SUCCESS"));
    }

    /**
     * Applies the writes (a null value deletes) and answers {@code ok} once every copy is durable: the
     * local store's next flush (DESIGN §6), plus the new holder of any key whose range is moving.
     */
    private void write(Session s, List<byte[]> keys, List<byte[]> values, RespValue ok) {
        long id = writeId;
        if (id != 0) {
            WriteIds.Stamped known = writeIds.get(id);
            if (refusedAsUncertain(s, known, keys.get(0))) {
                return;
            }
            if (known != null && Arrays.equals(known.key(), keys.get(0)) && completeKnownWrite(s, known, keys.get(0), ok)) {
                return;
            }
        }
        Session.PendingReply slot = s.defer();
        // acknowledge only while the lease still holds: past it, the range may be someone else's
        Ack ack = new Ack(v -> answerUnderLease(slot, v, ok), ok);
        int rf = replicationFactor();
        // the copies go out only once our own is durable: a write our disk refuses is answered "not applied"
        // and rolled back here, so no replica or new holder may have it either (issue 17, item 5)
        long[] held = rf > 1 ? new long[keys.size()] : NO_COPIES; // the copies' ids (0: no replica to send to)
        List<Runnable> forwards = outgoing.isEmpty() ? List.of() : new ArrayList<>(1);
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.get(i);
            Version v = nextVersion();
            store.apply(key, values.get(i), v);
            if (id != 0) {
                writeIds.put(id, key, v);
            }
            if (rf > 1 || !outgoing.isEmpty()) {
                Position p = positionOf(key);
                if (!outgoing.isEmpty()) {
                    TransferOut t = transferCovering(p);
                    if (t != null) {
                        forwards.add(forwardWriteLater(t, key, values.get(i), v, writeIds.of(key, v), ack));
                    }
                }
                if (rf > 1) {
                    held[i] = replication.replicate(key, p, values.get(i), v, replication.replicasOf(ring, p, rf), ring,
                            ack, id, true);
                }
            }
        }
        ack.expect();
        store.whenDurable(failure -> {
            if (failure == null) {
                replication.release(held);
                forwards.forEach(Runnable::run);
                ack.done();
            } else {
                replication.drop(held);
                ack.fail(RespValue.error("ERR storage: " + failure.getMessage()));
            }
        });
    }

    private static final long[] NO_COPIES = {};

    private boolean checkKey(Session s, byte[] key) {
        if (key.length > config.maxKeyBytes()) {
            s.reply(RespValue.error("ERR key is " + key.length + " bytes, the limit is " + config.maxKeyBytes()));
            return false;
        }
        return true;
    }

    private boolean checkValue(Session s, byte[] value) {
        if (value.length > config.maxValueBytes()) {
            s.reply(RespValue.error("ERR value is " + value.length + " bytes, the limit is "
                    + config.maxValueBytes()));
            return false;
        }
        return true;
    }

    /**
     * {@code (term, ring version, ++seq)}: the ring version is a field of the version, not a floor under the
     * sequence (DESIGN §1), so writes under a newer ring win at any ring version (see class doc). The packed
     * floor it replaces, {@code ringVersion << 40}, overflowed from term 9 (ring 9,000,000) on and then
     * ordered nothing. {@code seq} stays a Lamport clock: it orders this node's writes after every copy it
     * applied under the same term and ring.
     */
    private Version nextVersion() {
        seq++;
        return new Version(term, ring == null ? 0 : ring.version(), seq);
    }

    /**
     * A retry ({@code RETRY}) of a write whose id this node does not know for that key: its first try may
     * have taken effect — at a node that crashed since, or here before a restart, or so long ago that the
     * id was forgotten — and making it now could put it after writes acknowledged since. So it is not made:
     * the client hears that the outcome is uncertain, as after a timeout. Returns true if it answered so.
     */
    private boolean refusedAsUncertain(Session s, WriteIds.Stamped known, byte[] key) {
        if (!writeRetry || (known != null && Arrays.equals(known.key(), key))) {
            return false;
        }
        s.reply(RespValue.error("UNCERTAIN write " + writeId + " is not known here: its first try may or may not have "
                + "taken effect, and it is not made again"));
        return true;
    }

    private boolean knowsWriteId(byte[] key) {
        WriteIds.Stamped known = writeIds.get(writeId);
        return known != null && Arrays.equals(known.key(), key);
    }

    /**
     * A retry whose id this coordinator does not know: the key's other holders may (the coordinator before a
     * ring change is one of them, and every replica learnt it with its copy). They are asked ({@code ID_ASK});
     * an id one of them knows is recorded with its version, and the retry runs again — complete if this
     * node has that version or a newer one, made anew if it has neither (then no write after it was
     * acknowledged: it would be here). If none knows it within {@link #ID_ASK_MILLIS}, it is refused as
     * uncertain. The command waits like one waiting for its lease (a forwarded one stays cancellable).
     */
    private void askForWriteId(Session s, String name, byte[][] args, byte[] key) {
        List<ServerAddress> holders = replication.replicasOf(ring, positionOf(key), replicationFactor());
        long id = writeId;
        boolean retry = writeRetry;
        Runnable resume;
        if (s instanceof ForwardedSession f) {
            parkedForwards.add(f);
            resume = () -> {
                if (parkedForwards.remove(f)) { // else cancelled meanwhile, and told so
                    rerun(f, name, args, id, retry, true);
                }
            };
        } else {
            Session.PendingReply slot = s.defer();
            boolean routing = s.state().routingAware();
            resume = () -> {
                CapturingSession again = new CapturingSession(slot);
                again.state().routingAware(routing);
                rerun(again, name, args, id, retry, true);
            };
        }
        if (holders.isEmpty()) {
            resume.run();
            return;
        }
        if (idAskSeq < 0) {
            idAskSeq = ctx.random().nextLong() >>> 2;
        }
        long req = ++idAskSeq;
        IdAsk ask = new IdAsk(id, key, holders.size());
        ask.resume = resume;
        ask.timer = ctx.schedule(ID_ASK_MILLIS, () -> finishWriteIdAsk(req));
        idAsks.put(req, ask);
        for (ServerAddress h : holders) {
            ctx.send(h, Msg.of(Msg.ID_ASK, req, id, key));
        }
    }

    /**
     * {@code ID_ASK req writeId key}: {@code ID_ANSWER req writeId term ring seq exact} if we know the id for
     * that key ({@code exact} 1 or 0: see {@link WriteIds.Stamped}), else {@code ID_ANSWER req writeId}.
     */
    private void answerWriteIdAsk(ServerAddress from, byte[][] msg) {
        if (msg.length != 4) {
            return;
        }
        long id = Msg.num(msg, 2);
        WriteIds.Stamped known = writeIds.get(id);
        if (known != null && Arrays.equals(known.key(), msg[3])) {
            Version v = known.version();
            ctx.send(from, Msg.of(Msg.ID_ANSWER, msg[1], id, v.term(), v.ring(), v.seq(), known.exact() ? 1 : 0));
        } else {
            ctx.send(from, Msg.of(Msg.ID_ANSWER, msg[1], id));
        }
    }

    private void writeIdAnswered(ServerAddress from, byte[][] msg) {
        if (msg.length != 3 && msg.length != 7) {
            return;
        }
        long req = Msg.num(msg, 1);
        IdAsk ask = idAsks.get(req);
        if (ask == null || Msg.num(msg, 2) != ask.writeId || !ask.answered.add(from)) {
            return; // late (the retry went on without it), not about this write, or a duplicate
        }
        if (msg.length == 7) {
            Version v = new Version(Msg.num(msg, 3), Msg.num(msg, 4), Msg.num(msg, 5));
            boolean exact = Msg.num(msg, 6) == 1;
            WriteIds.Stamped mine = writeIds.get(ask.writeId);
            if (mine == null || (exact && !mine.exact())) {
                writeIds.put(ask.writeId, ask.key, v, exact);
            }
        }
        if (--ask.waiting <= 0) {
            finishWriteIdAsk(req);
        }
    }

    private void finishWriteIdAsk(long req) {
        IdAsk ask = idAsks.remove(req);
        if (ask != null) {
            ask.timer.cancel();
            ask.resume.run();
        }
    }

    /**
     * {@code RINGKV ONCE id [RETRY] SET key value} or {@code RINGKV ONCE id [RETRY] DEL key}: a write the
     * client may send again with the same id (see {@link WriteIds}), marked {@code RETRY} when an earlier try
     * may have reached a node. It takes the road of any command (lease, coordinator, switch; forwarded
     * with its id); if this node knows the id, the write is not made again: it is complete if a newer write
     * replaced it, and otherwise its existing version is sent to every holder that may lack it and
     * acknowledged once they all have it — a retried DEL answers 1 as its first try did, rather than 0 (or
     * deleting a value written since). A retry whose id it does not know is not made (see {@link
     * #refusedAsUncertain}).
     */
    private void once(Session s, byte[][] args) {
        boolean retry = args.length > 3 && Commands.text(args[3]).equalsIgnoreCase("RETRY");
        int at = retry ? 4 : 3;
        String inner0 = args.length > at ? Commands.text(args[at]).toUpperCase(Locale.ROOT) : "";
        if (!(args.length == at + 3 && inner0.equals("SET")) && !(args.length == at + 2 && inner0.equals("DEL"))) {
            s.reply(RespValue.error("ERR usage: RINGKV ONCE id [RETRY] SET key value, or RINGKV ONCE id [RETRY] DEL key"));
            return;
        }
        long id;
        try {
            id = Long.parseLong(Commands.text(args[2]));
        } catch (NumberFormatException e) {
            id = 0;
        }
        if (id == 0) {
            s.reply(RespValue.error("ERR the write id must be a non-zero number"));
            return;
        }
        stats.commandProcessed(); // a client's write, wrapped: load, unlike the rest of RINGKV
        byte[][] inner = Arrays.copyOfRange(args, at, args.length);
        if (commands.validate(s, inner) == null) {
            return;
        }
        writeId = id;
        writeRetry = retry;
        try {
            route(s, inner0, inner);
        } finally {
            writeId = 0;
            writeRetry = false;
        }
    }

    /** The command {@link #once} unwrapped, wrapped again with its id for the node it is forwarded to. */
    private byte[][] withWriteId(byte[][] args) {
        if (writeId == 0) {
            return args;
        }
        List<Object> parts = new ArrayList<>(args.length + 4);
        parts.add("RINGKV");
        parts.add("ONCE");
        parts.add(writeId);
        if (writeRetry) {
            parts.add("RETRY");
        }
        parts.addAll(Arrays.asList((Object[]) args));
        return Msg.of(parts.toArray());
    }

    /**
     * A retried write this node already knows (see {@link #once}): answers it without stamping it again.
     * Returns false if the write must be made after all (this node does not hold what the id stamped).
     */
    private boolean completeKnownWrite(Session s, WriteIds.Stamped known, byte[] key, RespValue ok) {
        StoredEntry current = store.get(key);
        if (current == null || current.version().compareTo(known.version()) < 0) {
            if (known.exact()) {
                return false; // not here: our disk refused it, and no write after it was acknowledged (it would be here)
            }
            // known only as at or before a version we lack: whether a write after it was acknowledged, we cannot tell
            s.reply(RespValue.error("UNCERTAIN write " + writeId + " took effect at or before version "
                    + known.version() + ", which this node lacks: it is not made again"));
            return true;
        }
        Session.PendingReply slot = s.defer();
        // it took effect (a newer write may have replaced it since): answered once every holder has what we
        // hold of the key now — a newer write still on its way to them included
        boolean same = current.version().compareTo(known.version()) == 0;
        Ack ack = new Ack(v -> answerUnderLease(slot, v, ok), ok);
        int rf = replicationFactor();
        if (rf > 1) {
            Position p = positionOf(key);
            replication.replicate(key, p, current.value(), current.version(), replication.replicasOf(ring, p, rf), ring,
                    ack, same && known.exact() ? writeId : 0, false); // durable here already
        }
        ackWhenDurable(ack);
        return true;
    }

    private void ringkv(Session s, byte[][] args) {
        String sub = Commands.text(args[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "ROUTING" -> {
                boolean on = args.length < 3 || !Commands.text(args[2]).equalsIgnoreCase("off");
                s.state().routingAware(on);
                s.reply(RespValue.OK);
            }
            case "ECS" -> s.reply(ecs() == null ? RespValue.error("ERR this server is standalone: it has no ECS")
                    : RespValue.bulk(ecs().toString()));
            case "STATUS", "WATCH" -> s.reply(ecs() == null ? RespValue.error("ERR this server is standalone: it has no ECS")
                    : RespValue.error("ECS " + ecs() + " (ask the ECS: RINGKV " + sub + ")"));
            case "ENTRIES" -> Entries.list(s, store, args);
            case "ONCE" -> once(s, args);
            case "DIGEST" -> digestCommand(s, args);
            default -> s.reply(RespValue.error("ERR unknown subcommand '" + Commands.text(args[1])
                    + "'. Try RINGKV ROUTING, RINGKV ECS, RINGKV ENTRIES, RINGKV DIGEST, RINGKV STATUS or RINGKV WATCH."));
        }
    }

    /**
     * {@code RINGKV DIGEST [fromHex toHex]}: {@code entries:hash} of what this node holds in the range (all
     * it holds without one) — equal on every replica of a range once writes are quiet (DESIGN §6).
     */
    private void digestCommand(Session s, byte[][] args) {
        Range r;
        if (args.length == 2) {
            r = Range.full(Position.ZERO);
        } else if (args.length == 4) {
            try {
                r = new Range(Position.fromHex(Commands.text(args[2])), Position.fromHex(Commands.text(args[3])));
            } catch (IllegalArgumentException e) {
                s.reply(RespValue.error("ERR bad range: " + e.getMessage()));
                return;
            }
        } else {
            s.reply(RespValue.error("ERR usage: RINGKV DIGEST [fromHex toHex]"));
            return;
        }
        s.reply(RespValue.bulk(store.digest(r).text()));
    }

    private String configValue(String param) {
        return switch (param) {
            case "save" -> "";
            case "appendonly" -> "yes";
            case "appendfsync" -> config.fsyncPolicyName();
            case "databases" -> "1";
            case "maxmemory" -> "0";
            case "proto-max-bulk-len" -> String.valueOf(config.maxValueBytes());
            default -> null;
        };
    }

    private String info(String section) {
        Map<String, String> rt = runtimeInfo.get();
        StringBuilder b = new StringBuilder();
        String sec = section.toLowerCase(Locale.ROOT);
        boolean all = sec.equals("default") || sec.equals("all") || sec.equals("everything");
        if (all || sec.equals("server")) {
            b.append("# Server\r\n")
                    .append("redis_version:7.0.0\r\n")
                    .append("ringkv_version:").append(Commands.VERSION).append("\r\n")
                    .append("ringkv_role:server\r\n")
                    .append("redis_mode:standalone\r\n")
                    .append("process_id:").append(rt.getOrDefault("process_id", "0")).append("\r\n")
                    .append("tcp_port:").append(ctx.self().port()).append("\r\n")
                    .append("advertised_address:").append(ctx.self()).append("\r\n")
                    .append("uptime_in_seconds:").append((ctx.now() - startedAt) / 1000).append("\r\n\r\n");
        }
        if (all || sec.equals("clients")) {
            b.append("# Clients\r\n")
                    .append("connected_clients:").append(rt.getOrDefault("connected_clients", "0")).append("\r\n\r\n");
        }
        if (all || sec.equals("stats")) {
            b.append("# Stats\r\n")
                    .append("total_connections_received:").append(rt.getOrDefault("total_connections", "0")).append("\r\n")
                    .append("total_commands_processed:").append(stats.commandsProcessed()).append("\r\n")
                    .append("instantaneous_ops_per_sec:").append(stats.opsPerSecond()).append("\r\n\r\n");
        }
        if (all || sec.equals("persistence")) {
            b.append("# Persistence\r\n")
                    .append("fsync:").append(config.fsyncPolicyName()).append("\r\n")
                    .append("disk_bytes:").append(store.diskBytes()).append("\r\n")
                    .append("live_bytes:").append(store.liveBytes()).append("\r\n")
                    .append("last_version:").append(Version.max(store.highestVersion(),
                            new Version(term, ring == null ? 0 : ring.version(), seq)))
                    .append("\r\n\r\n");
        }
        if (all || sec.equals("ring")) {
            b.append("# Ring\r\n")
                    .append("ring_version:").append(ring == null ? 0 : ring.version()).append("\r\n")
                    .append("ring_term:").append(ring == null ? 0 : ring.term()).append("\r\n")
                    .append("ring_members:").append(ring == null ? 0 : ring.size()).append("\r\n")
                    .append("ring_replicas:").append(replicationFactor()).append("\r\n")
                    .append("replication_in_flight:").append(replication.inFlight()).append("\r\n")
                    .append("replicated_writes:").append(replication.acknowledged()).append("\r\n")
                    .append("replication_failures:").append(replication.failed()).append("\r\n")
                    .append("serving:").append(isServing() ? 1 : 0).append("\r\n")
                    .append("ecs:").append(ecs() == null ? "" : ecs().toString()).append("\r\n")
                    .append("ecs_term:").append(config.standalone() ? 0 : election.ecsTerm()).append("\r\n")
                    .append("election_term:").append(config.standalone() ? 0 : election.term()).append("\r\n")
                    .append("elections_started:").append(config.standalone() ? 0 : election.elections()).append("\r\n")
                    .append("stale_term_rejected:").append(config.standalone() ? 0 : election.staleRejected()).append("\r\n")
                    .append("lease_ms_left:").append(config.standalone() ? -1 : Math.max(0, leaseUntil - ctx.now())).append("\r\n")
                    .append("transfers_out:").append(outgoing.size()).append("\r\n\r\n");
        }
        if (all || sec.equals("keyspace")) {
            b.append("# Keyspace\r\n")
                    .append("db0:keys=").append(store.keyCount()).append(",expires=0,avg_ttl=0\r\n");
        }
        return b.toString();
    }
}
