package dev.ringkv.ecs;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.node.Commands;
import dev.ringkv.node.Forwarder;
import dev.ringkv.node.KvNode;
import dev.ringkv.node.Scatter;
import dev.ringkv.node.Msg;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.ring.Transfer;
import dev.ringkv.wire.RespValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The External Configuration Service (DESIGN §7, §8): admits servers, keeps and publishes the versioned
 * ring, heartbeats every server, declares the silent or unreachable ones DOWN, and orchestrates joins
 * and leaves as plans of range transfers that finish before the new ring is published. One plan runs
 * at a time; requests wait in order. Any failure during a plan aborts it and plans it again against the
 * current ring, so a transfer is never half-applied.
 *
 * <p>Threading: node thread only. It also answers clients (KEYRANGE, INFO, RINGKV STATUS/WATCH) and
 * forwards data commands to their coordinator, so a Redis client pointed at the ECS works too.
 */
public final class Ecs implements NodeLogic {

    private static final Logger LOG = LoggerFactory.getLogger(Ecs.class);
    /** How long a DOWN server keeps getting (lease-less) heartbeats. */
    private static final long DOWN_HEARTBEAT_MILLIS = 10 * 60_000;
    private static final String STATE_RECORD = "ecs";

    private final NodeContext ctx;
    private final EcsConfig config;
    private final Commands commands = new Commands();
    private final Forwarder forwarder;
    private final Map<ServerAddress, Member> members = new TreeMap<>();
    private final Deque<Request> queue = new ArrayDeque<>();
    /** Servers that answer this ECS but that a majority of the ring cannot reach (a bridge partition). */
    private final Reachability reachability;
    private final ClusterEvents events;
    private Ring ring;
    /**
     * The newest ring in which every holder of every range has all its data: the ring before a crash until
     * the re-replication that follows it is done. Re-replication sends what {@code settled} held to the
     * holders the published ring added (DESIGN §6).
     */
    private Ring settled;
    private long term;
    private Plan plan;
    /** The re-replication (or anti-entropy repair) in progress, if any. */
    private Plan repair;
    private final AntiEntropy antiEntropy;
    private long planSeq;
    private long hbSeq;
    /** When the last {@link #SENT_KEPT} heartbeat sequences were sent: an acknowledgement counts from then. */
    private final long[] hbSentAt = new long[SENT_KEPT];
    private final long[] hbSentSeq = new long[SENT_KEPT];
    private static final int SENT_KEPT = 64;
    private long lastCheckAt;
    /** Recently aborted plans, to repeat the abort to a source that missed it. */
    private final Map<Long, Boolean> aborted = new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > 256;
        }
    };
    private final Takeover takeover;
    /** A newer term's ECS exists: this one has stepped down and acts no more. */
    private boolean deposed;
    /** A restarted ECS that has not yet heard a majority of its ring answer it (see {@link #onStart}). */
    private boolean waitingForMajority;
    /** The ECS that deposed this one, if the server that told us knew it. */
    private ServerAddress successor;
    private java.util.function.Consumer<String> onDeposed = why -> { };
    private long lastNoQuorumLog = Long.MIN_VALUE / 2;
    /**
     * The newest ring version known to have reached a majority of its own members: no ring change is made
     * before the current one has, and no lease is granted under it before then (see {@link #committed}).
     */
    private long committedVersion = -1;
    /** When {@link #committedVersion} was committed (see {@link #outlived}). */
    private long committedAt;

    /**
     * How a server elected ECS starts (DESIGN §8): the term it won, the ring it served under (the newest
     * a majority had) and the newest ring the previous ECS said had every copy of every range ({@code
     * settled}; null if the server never heard one). It republishes the ring in its term, resumes the
     * re-replication from the settled ring if that is an older one (the previous ECS may have died in the
     * middle of it: a new holder may still lack its copies, and only the settled ring's holders are known
     * to have them), then has every range's holders compare digests and repairs what is left.
     */
    public record Takeover(long term, Ring ring, Ring settled) {
    }

    private record Request(Plan.Kind kind, ServerAddress subject) {
    }

    public Ecs(NodeContext ctx, EcsConfig config) {
        this(ctx, config, null);
    }

    /** An ECS taking over from a dead one ({@code takeover}), or the dedicated ECS ({@code null}). */
    public Ecs(NodeContext ctx, EcsConfig config, Takeover takeover) {
        this.ctx = ctx;
        this.takeover = takeover;
        this.config = config;
        this.forwarder = new Forwarder(ctx, this::outlived);
        this.events = new ClusterEvents(ctx);
        this.antiEntropy = new AntiEntropy(this, ctx);
        this.reachability = new Reachability(this, ctx);
    }

    @Override
    public void onStart() {
        hbSeq = (ctx.random().nextLong() & 0x3fffffffffffffffL) >>> 16; // fresh per start: never reuse a sequence
        planSeq = (ctx.random().nextLong() & 0x3fffffffffffffffL) >>> 16;
        if (takeover == null) {
            loadState();
        } else {
            term = takeover.term();
            ring = takeover.ring().takenOverIn(term);
            Ring known = takeover.settled();
            if (known == null || known.members().equals(takeover.ring().members())) {
                settled = ring; // to be verified: see AntiEntropy.verify
            } else {
                // the previous ECS was re-replicating: what it had not copied yet, it is as if not copied
                settled = known;
                LOG.warn("{} takes over with ring version {} not fully replicated (last settled: version {}, {} servers)",
                        ctx.self(), takeover.ring().version(), known.version(), known.size());
            }
        }
        long now = ctx.now();
        for (ServerAddress m : ring.members()) {
            Member member = new Member(m, MemberState.UP, now, config.heartbeatMillis());
            member.leaseEndsBy = now + leaseMillis(); // what the ECS before this one may have granted
            members.put(m, member);
        }
        if (takeover == null) {
            LOG.info("{} ECS in term {} with ring version {} ({} servers)", ctx.self(), term, ring.version(), ring.size());
            events.add("ecs", "ECS " + ctx.self() + " started in term " + term + ", ring version " + ring.version()
                    + ", " + config.replicas() + " replicas");
        } else {
            LOG.warn("{} takes over as ECS in term {}: ring version {} ({} servers)", ctx.self(), term, ring.version(),
                    ring.size());
            events.add("election", ctx.self() + " elected ECS in term " + term + "; ring version " + ring.version()
                    + " republished in its term");
        }
        tick();
        check();
        if (takeover != null) {
            publish(ring, "the ring of the previous term, republished by the new ECS");
            if (!settled.equals(ring)) {
                startRepair(); // the takeover check runs once it is done
            }
            antiEntropy.verify();
        } else if (!ring.isEmpty()) {
            // a restarted dedicated ECS: the servers may have elected a newer term meanwhile. Its heartbeats ask
            // them (a server of a newer term answers STALE, and this ECS exits); it acts on nothing — no
            // re-replication, no DOWN, no lease, no ring change — until a majority of its ring has answered it
            // (issue 18: it used to start re-replicating in its old term before it learned it was deposed)
            waitingForMajority = true;
            LOG.info("{} asks the servers of ring version {} whether it is still the ECS before acting", ctx.self(),
                    ring.version());
        }
        antiEntropy.start(config.antiEntropyMillis());
    }

    /**
     * The ring version in which every range has all its copies (0 while a re-replication is under way):
     * servers serve {@code READONLY} reads only then, since a new holder may still be receiving its copy.
     */
    private long fullyReplicatedVersion() {
        return repair == null && settled.equals(ring) && !antiEntropy.verifying() ? ring.version() : 0;
    }

    /** True once a newer term's ECS exists: this one no longer acts. */
    public boolean deposed() {
        return deposed;
    }

    /**
     * The member to hand the role to as this ECS's server leaves (issue 18): UP, answering heartbeats within its
     * lease and holding the published ring (a voter grants only to a candidate whose ring is at least its own) —
     * the first such after this server on the ring. Null if there is none, or if this ECS may not act now (no
     * majority answering, a ring not committed yet, a restarted ECS not confirmed): the role then stays, and the
     * leave goes as it did.
     */
    ServerAddress handOverCandidate() {
        if (deposed || waitingForMajority || !mayGrantLeases()) {
            return null;
        }
        List<ServerAddress> order = ring.members();
        int self = order.indexOf(ctx.self());
        for (int i = 1; i < order.size(); i++) {
            ServerAddress a = order.get(Math.floorMod(self + i, order.size()));
            Member m = members.get(a);
            if (m != null && m.state == MemberState.UP && answeredRecently(m) && m.ringVersionSeen >= ring.version()
                    && !leaving(a) && m.fencedAt == 0) {
                return a;
            }
        }
        return null;
    }

    /** True if {@code a} asked to leave: its leave is queued or under way (it must not be handed the role). */
    private boolean leaving(ServerAddress a) {
        return plan != null && plan.kind == Plan.Kind.LEAVE && a.equals(plan.subject)
                || queue.stream().anyMatch(r -> r.kind == Plan.Kind.LEAVE && a.equals(r.subject));
    }

    /**
     * Gives the role up for good (its server is leaving) and tells every member that {@code next} takes it: they
     * vote for it at once and it stands at once (see {@code Election.resigned}). This ECS acts no more from here,
     * as if deposed; joiners that still ask it are sent to {@code next}.
     */
    void resign(ServerAddress next) {
        deposed = true;
        successor = next;
        String why = "hands the ECS role of term " + term + " to " + next + ": its server is leaving";
        LOG.warn("{} {}", ctx.self(), why);
        events.add("election", ctx.self() + " " + why);
        for (ServerAddress m : ring.members()) {
            if (!m.equals(ctx.self()) && !m.equals(next)) {
                ctx.send(m, Msg.of(Msg.RESIGN, term, next));
            }
        }
        ctx.send(next, Msg.of(Msg.RESIGN, term, next)); // last: the others should hear it before its votes reach them
    }

    /** Runs (once, on the node thread) when this ECS learns it was deposed, with a line naming the new ECS. */
    public void onDeposed(java.util.function.Consumer<String> hook) {
        this.onDeposed = hook;
    }

    /**
     * The fence's other half (DESIGN §8): may this ECS act — grant leases, declare a silent server DOWN?
     * Only while a majority of <em>all</em> the ring's members answered a heartbeat sent within the last
     * {@code timeout - heartbeat/4} ms. Servers elect a new ECS only after not hearing this one for at least the election
     * timeout (≥ {@code timeout}), so an ECS cut off with a minority stops granting leases before a new
     * one can act. A member whose connection is refused still counts (DESIGN §1): a partition can refuse
     * connections to a live process, and leaving it out would let each side of a split find a majority.
     */
    public boolean hasQuorum() {
        if (ring.isEmpty()) {
            return true;
        }
        int live = 0;
        for (ServerAddress a : ring.members()) {
            Member m = members.get(a);
            if (m != null && answeredRecently(m)) {
                live++;
            }
        }
        return live * 2 > ring.size();
    }

    /**
     * Has the published ring reached a majority of its own members (they installed it, durably: their vote
     * goes by it from then on)? Until it has, this ECS makes no further ring change and grants no lease
     * under it, as Raft commits one membership change before the next (DESIGN §8). A ring that differs
     * from the one before by one member shares a member with every majority of that one, so whoever is
     * elected next — by either ring's majority — holds it or a newer one. Without the rule an ECS losing
     * the servers of one side one at a time keeps a majority of each smaller ring it publishes, shrinking
     * its ring to its own side while that side, still holding the full ring, elects a rival; and a server
     * could serve a range it gained under a ring the next ECS never hears of.
     */
    boolean committed() {
        if (ring.isEmpty() || committedVersion >= ring.version()) {
            return true;
        }
        int seen = 0;
        for (ServerAddress a : ring.members()) {
            Member m = members.get(a);
            if (m != null && m.ringVersionSeen >= ring.version()) {
                seen++;
            }
        }
        return seen * 2 > ring.size();
    }

    /** Leases need both: a majority that follows this ECS now, and a ring that the next ECS will hold. */
    private boolean mayGrantLeases() {
        return hasQuorum() && committed();
    }

    /** The published ring reached a majority: lease it to every member that has it, resume waiting changes. */
    private void onCommitted() {
        committedVersion = ring.version();
        committedAt = ctx.now();
        LOG.debug("{} ring version {} reached a majority of its servers", ctx.self(), ring.version());
        if (hasQuorum()) {
            for (Member m : members.values()) {
                if (m.state != MemberState.DOWN && m.fencedAt == 0 && m.lastAckedSeq > 0
                        && m.ringVersionSeen >= ring.version()) {
                    ctx.send(m.address, Msg.of(Msg.LEASE, term, m.lastAckedSeq, grant(m), ring.version()));
                }
            }
        }
        if (plan == null) {
            startNextPlan();
        }
    }

    /**
     * It answered a heartbeat sent within the last {@code timeout - heartbeat/4} ms (the lease length): it
     * counts for the quorum. Safe because the age counts from the sending: a member votes for a rival only
     * after hearing nothing for its election timeout (≥ the ECS timeout), so its last answer was to a
     * heartbeat sent longer ago than that, and it no longer counts here by the time it votes.
     */
    private boolean answeredRecently(Member m) {
        return ctx.now() - m.lastHeard <= leaseMillis();
    }

    /** Copies per key in the published ring. */
    public int replicationFactor() {
        return Msg.effectiveReplicas(ring, config.replicas());
    }

    EcsConfig config() {
        return config;
    }

    Plan repair() {
        return repair;
    }

    ClusterEvents events() {
        return events;
    }

    AntiEntropy antiEntropy() {
        return antiEntropy;
    }

    /** True while nothing moves: no plan, no re-replication, every range fully replicated. */
    boolean quiet() {
        return plan == null && repair == null && settled.equals(ring) && !waitingForMajority && !deposed;
    }

    private byte[][] ringMessage() {
        return Msg.ring(ring, config.replicas());
    }

    public Ring ring() {
        return ring;
    }

    public long term() {
        return term;
    }

    /** A snapshot for monitors and tests. */
    public ClusterStatus status() {
        return StatusBuilder.build(this, ctx.now());
    }

    /** The newest events, oldest first. */
    public List<dev.ringkv.monitor.ClusterEvent> recentEvents() {
        return events.recent();
    }

    Map<ServerAddress, Member> members() {
        return members;
    }

    Plan plan() {
        return plan;
    }

    Ring settled() {
        return settled;
    }

    public ServerAddress self() {
        return ctx.self();
    }

    // ---- persistence ---------------------------------------------------------------------------------

    /** {@code term version member... [| settledVersion member...]}. */
    private void loadState() {
        String saved = ctx.storage().control().load(STATE_RECORD);
        term = 1;
        ring = new Ring(0, term, List.of());
        settled = ring;
        if (saved != null && !saved.isBlank()) {
            String[] halves = saved.trim().split(" \\| ");
            String[] parts = halves[0].split(" ");
            term = Long.parseLong(parts[0]);
            ring = parseRing(parts, 1);
            settled = halves.length > 1 ? parseRing(halves[1].split(" "), 0) : ring;
        }
    }

    private Ring parseRing(String[] parts, int at) {
        List<ServerAddress> ms = new ArrayList<>();
        for (int i = at + 1; i < parts.length; i++) {
            ms.add(ServerAddress.parse(parts[i]));
        }
        return new Ring(Long.parseLong(parts[at]), term, ms);
    }

    private void saveState() {
        if (takeover != null) {
            return; // a server holding the role never reloads it: after a restart it is a plain member
        }
        StringBuilder b = new StringBuilder().append(term).append(' ').append(ring.version());
        for (ServerAddress m : ring.members()) {
            b.append(' ').append(m);
        }
        b.append(" | ").append(settled.version());
        for (ServerAddress m : settled.members()) {
            b.append(' ').append(m);
        }
        ctx.storage().control().save(STATE_RECORD, b.toString());
    }

    // ---- heartbeats and failure detection -----------------------------------------------------------

    /**
     * Sends every server a heartbeat, every {@code heartbeatMillis}. A heartbeat also grants a lease:
     * it names the newest acknowledgement received from that server, and the server may serve until
     * {@code leaseMillis} after it sent that acknowledgement — ending before the ECS could declare it
     * DOWN, so a server cut off or paused stops acknowledging writes before its successor takes over.
     * DOWN servers still get heartbeats (with no lease) for a while, so a resumed one learns the ring
     * without it and joins again.
     */
    private void tick() {
        if (deposed) {
            return;
        }
        heartbeat();
        ctx.schedule(config.heartbeatMillis(), this::tick);
    }

    /** One heartbeat to every server (see {@link #tick}). */
    private void heartbeat() {
        long now = ctx.now();
        sent(++hbSeq, now);
        boolean leases = mayGrantLeases();
        for (Member m : members.values()) {
            boolean down = m.state == MemberState.DOWN;
            if (down && now - m.stateSince > DOWN_HEARTBEAT_MILLIS) {
                continue;
            }
            long leaseOf = leases && m.fencedAt == 0 && !down ? grant(m) : 0;
            // the lease is for this ring: a server takes it only once it holds the same ring (see KvNode)
            ctx.send(m.address, Msg.of(Msg.HB, term, hbSeq, down ? 0 : m.lastAckedSeq, ring.version(), leaseOf,
                    fullyReplicatedVersion()));
        }
    }

    /**
     * How long after sending an acknowledgement a server may serve: less than the timeout by the
     * interval of the ECS's silence check, so it stops before the ECS can declare it DOWN.
     */
    private long leaseMillis() {
        return config.timeoutMillis() - Math.max(1, config.heartbeatMillis() / 4);
    }

    /** Answers recorded before a member's lease is fitted to its history (see {@link #leaseFor}). */
    static final int LEASE_HISTORY = 20;

    /**
     * The lease {@code m} is granted (issue 18): long enough to bridge, from one acknowledgement's sending, the
     * longest gap between its answers in the last ~10 s ({@link PhiAccrual#WINDOW} answers) plus the longest round
     * trip (the renewal of the next acknowledgement comes back one round trip after it), plus a fifth of a
     * heartbeat; at least 1.2 heartbeats — about 125 ms on a calm loopback link, so a crashed server's lease, and
     * with it its time in the ring, ends soon — and at most {@link #leaseMillis()} (375 ms), which a jittery or slow
     * link or a member with little history gets. One renewal lost leaves the server without a lease for about a
     * heartbeat: its commands wait for the next one rather than fail (see {@code KvNode.leaseExpected}).
     */
    long leaseFor(Member m) {
        long most = leaseMillis();
        if (m.answers.count() < LEASE_HISTORY) {
            return most;
        }
        long hb = config.heartbeatMillis();
        return Math.min(most, Math.max(hb * 6 / 5, m.answers.longest() + m.roundTrips.max() + hb / 5));
    }

    /** The lease {@code member} would be granted now (0 if it is not a member): for tests and status. */
    public long leaseOf(ServerAddress member) {
        Member m = members.get(member);
        return m == null ? 0 : leaseFor(m);
    }

    /** Grants {@code m} its lease for its newest acknowledgement: returns the length, and records how long it may last. */
    private long grant(Member m) {
        long lease = leaseFor(m);
        // the member sent that acknowledgement no later than it arrived (m.lastAck, which only moves later)
        m.leaseEndsBy = Math.max(m.leaseEndsBy, m.lastAck + lease);
        return lease;
    }

    /** Leeway past a lease's end before its holder may be declared DOWN: clocks run at slightly different rates. */
    private long leaseMarginMillis() {
        return Math.max(1, config.heartbeatMillis() / 4);
    }

    /**
     * Checks silences more often than heartbeats go out, so a silent server is declared DOWN within a
     * quarter heartbeat of its timeout rather than a whole heartbeat late.
     */
    private void check() {
        if (deposed) {
            return;
        }
        long now = ctx.now();
        long interval = Math.max(1, config.heartbeatMillis() / 4);
        if (waitingForMajority) {
            if (!hasQuorum()) {
                ctx.schedule(interval, this::check);
                return;
            }
            waitingForMajority = false;
            LOG.info("{} a majority of ring version {} answers this ECS in term {}: acting", ctx.self(), ring.version(),
                    term);
            for (Member m : members.values()) {
                m.lastAck = Math.max(m.lastAck, now); // their silence counts from now, not from before we asked
            }
            lastCheckAt = now;
            if (!settled.equals(ring)) {
                startRepair(); // the previous ECS process did not see the re-replication through
            } else {
                startNextPlan(); // joins asked for while we waited
            }
        }
        long stalled = lastCheckAt == 0 ? 0 : now - lastCheckAt - interval;
        lastCheckAt = now;
        if (stalled > config.heartbeatMillis()) {
            // the ECS itself did not run (paused, starved): the silence is ours, not the servers'
            LOG.warn("{} was stalled for {} ms; not counting that against any server", ctx.self(), stalled);
            for (Member m : members.values()) {
                m.lastAck += stalled;
                m.lastAnswer += stalled;
                m.leaseEndsBy += stalled;
            }
        }
        for (Member m : new ArrayList<>(members.values())) {
            judge(m, now);
        }
        reachability.takeOutFenced(now, this::declareDown);
        resendUnansweredStarts(plan, now);
        resendUnansweredStarts(repair, now);
        if (plan != null && now - plan.lastProgress > config.planTimeoutMillis()) {
            Plan p = plan;
            abortPlan("no progress for " + (now - p.lastProgress) + " ms");
            requeue(p);
            startNextPlan();
        } else if (plan != null && plan.switchAt != null && now - plan.switchSentAt >= config.heartbeatMillis()) {
            sendSwitch(); // the SWITCH or its acknowledgement may have been lost
        }
        if (repair != null && now - repair.lastProgress > config.planTimeoutMillis()) {
            LOG.warn("{} re-replication {} made no progress for {} ms; planning it again", ctx.self(), repair.id,
                    now - repair.lastProgress);
            startRepair();
        }
        ctx.schedule(interval, this::check);
    }

    /** One member's silence, judged (see {@link #check}): SUSPECT, DOWN, or nothing. */
    private void judge(Member m, long now) {
        if (m.state == MemberState.DOWN) {
            return;
        }
        long silent = now - m.lastAck;
        long unanswered = now - m.lastAnswer;
        double phi = m.answers.phi(unanswered);
        // its lease has run out: however long the ECS granted it (adapted to its history; the timeout's
        // worth at most), the member cannot be serving any more
        boolean leaseOver = now > m.leaseEndsBy + leaseMarginMillis() && silent > config.heartbeatMillis();
        if (leaseOver && m.unreachable > 0 && m.lastRefusedAt <= m.leaseEndsBy
                && now - m.probedAt >= config.heartbeatMillis() / 2) {
            // refused while it may still have held its lease — a brief refusal on a link that has healed
            // since would convict a live server: ask again now, and only a refusal from here on counts
            m.probedAt = now;
            probe(m.address);
        }
        if (leaseOver && convicted(m, unanswered, phi)) {
            String keep = hasQuorum() && committed() ? keepInRing(m) : null;
            if (hasQuorum() && committed() && keep == null) {
                declareDown(m, "no heartbeat reply for " + silent + " ms");
            } else if (keep != null) {
                if (now - lastNoQuorumLog >= 1_000) {
                    lastNoQuorumLog = now;
                    LOG.warn("{} {} is silent, but stays in the ring (its keys unavailable): {}", ctx.self(),
                            m.address, keep);
                }
            } else if (hasQuorum()) {
                if (now - lastNoQuorumLog >= 1_000) {
                    lastNoQuorumLog = now;
                    LOG.warn("{} {} is silent, but ring version {} has not reached a majority of its servers yet: "
                            + "no further ring change until it does", ctx.self(), m.address, ring.version());
                }
            } else if (now - lastNoQuorumLog >= 1_000) {
                lastNoQuorumLog = now;
                LOG.warn("{} {} is silent, but fewer than a majority of the ring's servers answer this ECS: "
                        + "not acting (no leases, no ring changes) until they do", ctx.self(), m.address);
                events.add("ecs", "no majority of servers answers: not acting (is this ECS cut off?)");
            }
        } else if (silent > config.timeoutMillis() && !convicted(m, unanswered, phi)) {
            // its lease has run out, but this silence is one its history has shown before (a loaded machine,
            // a slow link): late, not dead — it stays SUSPECT, out of the quorum, and is given more time
            if (m.state == MemberState.UP) {
                setState(m, MemberState.SUSPECT, "silent for " + silent + " ms, late as it has been before"
                        + String.format(java.util.Locale.ROOT, " (phi %.1f)", phi));
            }
        } else if (phi >= SUSPECT_PHI && m.state == MemberState.UP) {
            setState(m, MemberState.SUSPECT, "silent for " + silent + " ms"
                    + String.format(java.util.Locale.ROOT, " (phi %.1f)", phi));
        }
    }

    /** A transfer start its source has not answered (every source answers at once with its entry count) this long is sent again. */
    static final long START_RESEND_MILLIS = 1_000;

    /**
     * Sends again the start of every transfer of {@code p} whose source never answered it: a start lost on a
     * link that refused or dropped it left the plan waiting for its 30 s no-progress timeout (chaos seed 1408:
     * a 33.7 s heal). A source that runs it already ignores the repeat and says so ({@code KvNode.startTransfer}).
     */
    private void resendUnansweredStarts(Plan p, long now) {
        if (p == null || p.mode == null) {
            return;
        }
        for (int i = 0; i < p.transfers.size(); i++) {
            if (!p.done[i] && p.entriesTotal[i] < 0 && now - p.startSentAt[i] >= START_RESEND_MILLIS) {
                Transfer t = p.transfers.get(i);
                Member source = members.get(t.from());
                if (source != null && source.state != MemberState.DOWN) {
                    LOG.info("{} {} {} transfer {}: no answer from its source {}; sending its start again", ctx.self(),
                            p.kind.name().toLowerCase(Locale.ROOT), p.id, i, t.from());
                    sendTransfer(p, i, p.mode, p.base);
                }
            }
        }
    }

    /** Suspicion that shows a member SUSPECT (see {@link PhiAccrual}): about 300 ms of silence on a calm link. */
    static final double SUSPECT_PHI = 5;
    /** Suspicion that lets a silent member be declared DOWN after two timeouts (see {@link #convicted}). */
    static final double CONVICT_PHI = 8;

    /**
     * May a member silent for {@code silent} ms (longer than its lease) be taken for dead (issue 18)?
     * <ul>
     *   <li>At once if its connection was refused or reset since its last answer, and again after its lease ran
     *       out (a refusal while it may still have held it is asked again then: one on a link that has healed since
     *       convicted a live server once leases were short): a live process, however starved, has its connections
     *       accepted by its kernel, so a refusal means no process listens (a crash) — or a firewall, which is why
     *       it still waits for the lease (issue 17);</li>
     *   <li>else once silent for two timeouts and its history makes such a silence unlikely
     *       ({@link #CONVICT_PHI}): a stall (a loaded machine, a long GC, SIGSTOP) is not a death, and a
     *       member that has been answering late all along gets as long as its history asks for;</li>
     *   <li>else after ten timeouts, whatever its history.</li>
     * </ul>
     */
    private boolean convicted(Member m, long silent, double phi) {
        return m.unreachable > 0 && m.lastRefusedAt > m.leaseEndsBy || silent > 10 * config.timeoutMillis()
                || silent > 2 * config.timeoutMillis() && phi >= CONVICT_PHI;
    }

    @Override
    public void onPeerUnreachable(ServerAddress peer) {
        forwarder.onPeerUnreachable(peer);
        Member m = members.get(peer);
        if (m == null || m.state == MemberState.DOWN) {
            return;
        }
        // Evidence that hastens a probe, never a verdict (DESIGN §1): a firewall or a partition refuses
        // connections to a live server that may still hold its lease and serve. It goes DOWN only once its
        // lease has run out, refused again after that, and while this ECS has a majority (see judge).
        long now = ctx.now();
        m.unreachable++;
        m.lastRefusedAt = now;
        if (m.state == MemberState.UP) {
            setState(m, MemberState.SUSPECT, "connection refused or reset");
        }
        if (m.unreachable == 1) {
            probe(peer); // once per silence: heartbeats go on asking every heartbeat interval
        }
        if (deposed || waitingForMajority) {
            return;
        }
        long leaseOverAt = m.leaseEndsBy + leaseMarginMillis() + 1;
        if (now >= leaseOverAt) {
            judge(m, now); // fresh evidence after its lease: no need to wait for the next check
        } else if (m.unreachable == 1) {
            // ask again the moment its lease has run out (a crashed server is then out of the ring at once,
            // not up to a check interval later): the refusal to that probe is the evidence that counts
            ctx.schedule(leaseOverAt - now, () -> {
                if (members.get(peer) == m && m.state != MemberState.DOWN && m.unreachable > 0 && !deposed) {
                    judge(m, ctx.now());
                }
            });
        }
    }

    /** A heartbeat with no lease: its answer, or a refused connection, says whether the server is there. */
    private void probe(ServerAddress peer) {
        sent(++hbSeq, ctx.now());
        ctx.send(peer, Msg.of(Msg.HB, term, hbSeq, 0, ring.version(), 0));
    }

    private void sent(long seq, long at) {
        int i = (int) (seq % SENT_KEPT);
        hbSentSeq[i] = seq;
        hbSentAt[i] = at;
    }

    /** When heartbeat {@code seq} was sent, or -1 if it is too old to be remembered (or never was). */
    private long sentAt(long seq) {
        int i = (int) Math.floorMod(seq, (long) SENT_KEPT);
        return hbSentSeq[i] == seq ? hbSentAt[i] : -1;
    }

    void declareDown(Member m, String why) {
        LOG.warn("{} declaring {} DOWN: {}", ctx.self(), m.address, why);
        setState(m, MemberState.DOWN, why);
        Plan aborted = null;
        if (plan != null) {
            aborted = plan;
            abortPlan(m.address + " is down");
        }
        if (ring.contains(m.address)) {
            publish(ring.withoutMember(m.address), "removed " + m.address + " (" + why + ")");
            startRepair();
        } else if (repair != null && repair.involves(m.address)) {
            startRepair();
        }
        if (aborted != null && !aborted.subject.equals(m.address)) {
            requeue(aborted);
        }
        startNextPlan();
    }

    // ---- re-replication (DESIGN §6) ------------------------------------------------------------------

    /**
     * Sends every holder the published ring added since {@link #settled} what it lacks, from a holder
     * that survived (the successor of a crashed server already holds its ranges and coordinates them at
     * once; this restores the missing copies). Replaces any re-replication in progress.
     */
    private void startRepair() {
        abortRepair();
        if (settled.equals(ring)) {
            return;
        }
        List<Transfer> all = Placement.diff(settled, ring, config.replicas());
        List<Transfer> transfers = new ArrayList<>();
        for (Transfer t : all) {
            Member source = members.get(t.from());
            if (!ring.contains(t.from()) || source == null || source.state == MemberState.DOWN) {
                LOG.error("{} no surviving copy of {}: every holder of it is down; its keys are lost until one returns",
                        ctx.self(), t.range());
                events.add("repair", "no surviving copy of " + t.range() + " (every holder is down)");
                continue;
            }
            transfers.add(t);
        }
        if (transfers.isEmpty()) {
            markSettled("nothing to copy");
            return;
        }
        repair = new Plan(++planSeq, Plan.Kind.REPAIR, ctx.self(), ring, transfers, ctx.now());
        LOG.info("{} re-replication {}: {} transfers for ring version {}", ctx.self(), repair.id, transfers.size(),
                ring.version());
        events.add("repair", "re-replication " + repair.id + " for ring version " + ring.version() + ": "
                + transfers.size() + " transfer" + (transfers.size() == 1 ? "" : "s"));
        sendTransfers(repair, Msg.MODE_REPAIR, ring.version());
    }

    /** Repairs a range whose holders disagree: each holder sends it to every other; versions decide. */
    void repairRanges(List<dev.ringkv.ring.Range> ranges, List<List<ServerAddress>> holders) {
        if (!quiet()) {
            return;
        }
        List<Transfer> transfers = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            for (ServerAddress from : holders.get(i)) {
                for (ServerAddress to : holders.get(i)) {
                    if (!from.equals(to)) {
                        transfers.add(new Transfer(ranges.get(i), from, to));
                    }
                }
            }
        }
        repair = new Plan(++planSeq, Plan.Kind.REPAIR, ctx.self(), ring, transfers, ctx.now());
        String what = ranges.size() == 1 ? ranges.get(0) + " among " + holders.get(0) : ranges.size() + " ranges among their holders";
        LOG.warn("{} holders disagree; repair {} exchanges {}", ctx.self(), repair.id, what);
        events.add("repair", "holders disagree: exchanging " + what + " (repair " + repair.id + ")");
        sendTransfers(repair, Msg.MODE_REPAIR, ring.version());
    }

    private void sendTransfers(Plan p, String mode, long base) {
        for (int i = 0; i < p.transfers.size(); i++) {
            sendTransfer(p, i, mode, base);
        }
    }

    private void sendTransfer(Plan p, int i, String mode, long base) {
        Transfer t = p.transfers.get(i);
        p.startSentAt[i] = ctx.now();
        p.mode = mode;
        p.base = base;
        ctx.send(t.from(), Msg.of(Msg.XFER, term, p.id, i, t.range().from().hex(), t.range().to().hex(), t.to(),
                mode, base));
    }

    private void abortRepair() {
        if (repair != null) {
            Plan r = repair;
            repair = null;
            aborted.put(r.id, Boolean.TRUE);
            for (Transfer t : r.transfers) {
                ctx.send(t.from(), Msg.of(Msg.XFER_ABORT, term, r.id));
            }
        }
    }

    private void markSettled(String why) {
        boolean changed = !settled.equals(ring);
        settled = ring;
        saveState();
        if (changed) {
            LOG.info("{} every range of ring version {} has its {} copies ({})", ctx.self(), ring.version(),
                    replicationFactor(), why);
            events.add("repair", "replication restored: every range of ring version " + ring.version() + " has "
                    + replicationFactor() + " copies");
        }
    }

    private void setState(Member m, MemberState s, String why) {
        if (m.state != s) {
            MemberState old = m.state;
            m.state = s;
            m.stateSince = ctx.now();
            events.add("member", m.address + " " + old + " -> " + s + (why.isEmpty() ? "" : ": " + why));
        }
    }

    // ---- messages -----------------------------------------------------------------------------------

    @Override
    public void onPeerMessage(ServerAddress from, byte[][] msg) {
        if (forwarder.onMessage(msg)) {
            return;
        }
        if (deposed) {
            String name = Msg.name(msg);
            if (successor != null && (name.equals(Msg.JOIN) || name.equals(Msg.RING_REQUEST))) {
                ctx.send(Msg.addr(msg, 1), Msg.of(Msg.ECS_IS, successor)); // a joiner that still knows us only
            }
            return;
        }
        switch (Msg.name(msg)) {
            case Msg.STALE -> stale(from, Msg.num(msg, 1), Msg.str(msg, 2));
            case Msg.RING_REQUEST -> ctx.send(Msg.addr(msg, 1), ringMessage());
            case Msg.JOIN -> request(new Request(Plan.Kind.JOIN, Msg.addr(msg, 1)));
            case Msg.LEAVE -> request(new Request(Plan.Kind.LEAVE, Msg.addr(msg, 1)));
            case Msg.HB_ACK -> heartbeatAck(msg);
            case Msg.XFER_DONE -> transferDone(from, Msg.num(msg, 1), (int) Msg.num(msg, 2));
            case Msg.XFER_PROGRESS -> transferProgress(Msg.num(msg, 1), (int) Msg.num(msg, 2), Msg.num(msg, 3),
                    msg.length > 4 ? Msg.num(msg, 4) : -1);
            case Msg.XFER_FAILED -> transferFailed(Msg.num(msg, 1), (int) Msg.num(msg, 2), Msg.str(msg, 3));
            case Msg.SWITCH_ACK -> switchAcked(Msg.num(msg, 1));
            case Msg.UNANSWERED -> unanswered(from, Msg.addr(msg, 2));
            case Msg.REACH_REPORT -> {
                List<ServerAddress> reached = new ArrayList<>();
                for (int i = 2; i < msg.length; i++) {
                    reached.add(Msg.addr(msg, i));
                }
                reachability.report(from, Msg.num(msg, 1), reached);
            }
            case Msg.DIGEST_REPLY -> antiEntropy.reply(msg);
            default -> LOG.debug("{} ignoring {} from {}", ctx.self(), Msg.name(msg), from);
        }
    }

    private void heartbeatAck(byte[][] msg) {
        ServerAddress a = Msg.addr(msg, 1);
        Member m = members.get(a);
        if (m == null || m.state == MemberState.DOWN) {
            // declared dead but alive (it was paused or cut off): show it the ring without it, it rejoins
            ctx.send(a, ringMessage());
            return;
        }
        long seqAcked = Msg.num(msg, 2);
        long versionSeen = Msg.num(msg, 3);
        long keys = Msg.num(msg, 4);
        long bytes = Msg.num(msg, 5);
        long ops = Msg.num(msg, 6); // all parsed first: a malformed report changes nothing
        long sentAt = sentAt(seqAcked);
        if (seqAcked <= m.lastAckedSeq || sentAt < 0) {
            // overtaken by a newer one, or not ours: a heartbeat of this ECS's previous run (still in flight
            // when it restarted, numbered from another random start) or too old to count for anything
            return;
        }
        m.lastAckedSeq = seqAcked;
        m.roundTrips.add(ctx.now() - sentAt);
        long gap = ctx.now() - m.lastAnswer;
        if (ctx.now() - lastCheckAt <= config.heartbeatMillis() && gap >= config.heartbeatMillis() / 2) {
            // Not recorded: after a stall of this ECS, the answers queued meanwhile, read before check() credits
            // the stall (our silence, not the member's); and the rest of a burst — a member that was stalled
            // answers every heartbeat queued for it at once, which is one late answer, not several prompt ones.
            m.answers.interval(gap);
        }
        m.lastAnswer = ctx.now();
        m.lastAck = ctx.now();
        m.unreachable = 0;
        // the quorum counts from when we sent what it answers, not from when the answer arrived: an answer
        // held up for seconds on a slow link says nothing about whether the member still follows us now,
        // whereas a member that voted for a rival had not heard us (so not answered) for its whole timeout
        m.lastHeard = Math.max(m.lastHeard, sentAt);
        m.ringVersionSeen = Math.max(m.ringVersionSeen, versionSeen);
        if (committedVersion < ring.version() && committed()) {
            onCommitted(); // grants every member that has the ring its lease, including this one
        } else if (mayGrantLeases() && m.fencedAt == 0) {
            // renew the lease now rather than with the next heartbeat: one round trip after each
            // acknowledgement, so only a silence close to the timeout can let it lapse
            ctx.send(a, Msg.of(Msg.LEASE, term, seqAcked, grant(m), ring.version()));
        }
        m.keys = keys;
        m.bytes = bytes;
        m.opsPerSecond = ops;
        if (m.state == MemberState.SUSPECT && answeredRecently(m)) {
            // (an answer to a heartbeat sent long ago — held up by a partition, delivered at its heal — shows
            // nothing about now: it leaves the member SUSPECT, as it leaves it out of the quorum)
            setState(m, MemberState.UP, "answering again");
        }
        if (m.ringVersionSeen < ring.version() && ring.contains(a)) {
            ctx.send(a, ringMessage()); // it missed a publication
        }
    }

    /**
     * A server rejected our message: it follows an ECS of a newer term. This ECS steps down for good (a
     * dedicated ECS process exits; a server holding the role goes on as a plain member).
     */
    private void stale(ServerAddress from, long newerTerm, String newEcs) {
        if (newerTerm <= term) {
            return;
        }
        deposed = true;
        String who = newEcs.equals("-") ? "not known yet" : newEcs;
        successor = newEcs.equals("-") || newEcs.equals(ctx.self().toString()) ? null : ServerAddress.parse(newEcs);
        String why = "deposed: the servers follow term " + newerTerm + " (ECS " + who + "); this ECS was term " + term
                + " (told by " + from + ")";
        LOG.error("{} {}; stepping down", ctx.self(), why);
        events.add("election", ctx.self() + " " + why);
        onDeposed.accept(why);
    }

    private void request(Request r) {
        Member m = members.get(r.subject);
        if (r.kind == Plan.Kind.JOIN) {
            if (ring.contains(r.subject) && m != null && m.state != MemberState.DOWN) {
                // a member that restarted before anyone noticed: it only needs the ring again
                m.lastAck = ctx.now();
                ctx.send(r.subject, ringMessage());
                return;
            }
            if (m == null || m.state == MemberState.DOWN) {
                Member joiner = new Member(r.subject, MemberState.JOINING, ctx.now(), config.heartbeatMillis());
                joiner.leaseEndsBy = ctx.now() + leaseMillis(); // a rejoiner may hold a lease from before its DOWN
                members.put(r.subject, joiner);
                probe(r.subject); // its answer counts it for the quorum of the ring it is about to join
                events.add("member", r.subject + " asked to join");
            }
        } else if (m != null) {
            m.lastAck = Math.max(m.lastAck, ctx.now());
            events.add("member", r.subject + " asked to leave");
        } else if (!ring.contains(r.subject)) {
            ctx.send(r.subject, Msg.of(Msg.LEFT, term)); // it left already and missed the word
            return;
        }
        if (queue.contains(r) || (plan != null && plan.subject.equals(r.subject) && plan.kind == r.kind)) {
            return; // a retried request
        }
        queue.add(r);
        startNextPlan();
    }

    /**
     * True if no server can hold a lease under ring {@code ringVersion} any more: a newer ring was committed
     * (no lease under an older one was granted after it was published) twice a lease's length ago. A data
     * command forwarded under such a ring can no longer run (see {@code Forwarder}).
     */
    private boolean outlived(long ringVersion) {
        return committedVersion > ringVersion && ctx.now() - committedAt >= 2 * leaseMillis();
    }

    /** The takeover's check found every range's holders agreeing (or repaired them): changes may go on. */
    void verified() {
        startNextPlan();
    }

    /**
     * May {@code m} (silent, or unreachable from a majority) be taken out of the ring? Not if that would leave
     * some range with no copy in the ring that is known to be complete: with a re-replication unfinished, the
     * range's other holders may not have it yet, and the new coordinator would serve its keys as missing
     * (chaos --network seed 1002: a cut-off ECS took three servers out one after the other faster than their
     * copies were rebuilt). It stays in the ring, its keys unavailable, until it returns or the copies are
     * rebuilt. Returns why not, or null. (A server taking over the role starts from its ring as settled — it
     * cannot know what an interrupted re-replication left — so this guards the ECS that ran the re-replication.)
     */
    String keepInRing(Member m) {
        if (replicationFactor() < 2 || !ring.contains(m.address)) {
            return null; // one copy per key: a server gone takes its keys with it until it returns (README)
        }
        Ring next = ring.withoutMember(m.address);
        for (Transfer t : Placement.diff(settled, next, config.replicas())) {
            Member source = members.get(t.from());
            if (!next.contains(t.from()) || source == null || source.state == MemberState.DOWN) {
                return "it may hold the last complete copy of " + t.range();
            }
        }
        return null;
    }

    private void requeue(Plan p) {
        Request r = new Request(p.kind, p.subject);
        if (!queue.contains(r)) {
            queue.addFirst(r);
        }
    }

    // ---- plans --------------------------------------------------------------------------------------

    /**
     * A server reports that a replica did not confirm its writes: probe it at once (no lease in a probe)
     * rather than wait for the heartbeat timeout; if it is really gone, the probe's failure says so.
     */
    private void unanswered(ServerAddress reporter, ServerAddress peer) {
        Member m = members.get(peer);
        if (m == null || m.state == MemberState.DOWN) {
            return;
        }
        events.add("member", reporter + " reports " + peer + " is not confirming replicated writes");
        if (ring.contains(reporter) && ring.contains(peer)) {
            reachability.suspect(); // a partition between the servers, maybe (it also answers us: see below)
        }
        probe(peer);
    }

    private void startNextPlan() {
        if (waitingForMajority) {
            return; // a restarted ECS changes nothing before a majority answered it (check() starts it then)
        }
        if (repair != null || !settled.equals(ring) || antiEntropy.verifying()) {
            return; // a change waits until every range has all its copies again
        }
        if (!committed()) {
            return; // and until the last one reached a majority (onCommitted starts it then)
        }
        List<Request> waiting = new ArrayList<>(0);
        long nextLook = Long.MAX_VALUE;
        long now = ctx.now();
        while (plan == null && !queue.isEmpty()) {
            Request r = queue.poll();
            Member m = members.get(r.subject);
            if (m == null || m.state == MemberState.DOWN) {
                continue; // died while waiting
            }
            long wait = r.kind == Plan.Kind.JOIN ? reachability.joinAllowedIn(r.subject, now) : 0;
            if (wait > 0) {
                // taken out as unreachable from a majority: its join waits (see Reachability)
                nextLook = Math.min(nextLook, wait);
                waiting.add(r);
                continue;
            }
            Ring target;
            if (r.kind == Plan.Kind.JOIN) {
                if (ring.contains(r.subject)) {
                    continue;
                }
                try {
                    target = ring.withMember(r.subject);
                } catch (IllegalArgumentException e) {
                    LOG.error("{} refusing {}: {}", ctx.self(), r.subject, e.getMessage());
                    events.add("member", "refused " + r.subject + ": " + e.getMessage());
                    members.remove(r.subject);
                    continue;
                }
            } else {
                if (!ring.contains(r.subject)) {
                    members.remove(r.subject);
                    ctx.send(r.subject, Msg.of(Msg.LEFT, term));
                    continue;
                }
                target = ring.withoutMember(r.subject);
                setState(m, MemberState.LEAVING, "streaming its ranges away");
            }
            List<Transfer> transfers = Placement.diff(ring, target, config.replicas());
            plan = new Plan(++planSeq, r.kind, r.subject, target, transfers, ctx.now());
            LOG.info("{} plan {}: {} {} -> ring version {}, {} transfers", ctx.self(), plan.id,
                    r.kind.name().toLowerCase(Locale.ROOT), r.subject, target.version(), transfers.size());
            events.add("plan", "plan " + plan.id + ": " + r.kind.name().toLowerCase(Locale.ROOT) + " " + r.subject
                    + ", " + transfers.size() + " transfer" + (transfers.size() == 1 ? "" : "s"));
            sendTransfers(plan, Msg.MODE_PLAN, ring.version());
            if (plan.complete()) {
                switchOver();
            }
        }
        for (int i = waiting.size() - 1; i >= 0; i--) {
            queue.addFirst(waiting.get(i));
        }
        if (nextLook != Long.MAX_VALUE) {
            ctx.schedule(nextLook, this::startNextPlan);
        }
    }

    private Plan planOrRepair(long id) {
        if (plan != null && plan.id == id) {
            return plan;
        }
        return repair != null && repair.id == id ? repair : null;
    }

    private void transferProgress(long planId, int xfer, long entries, long total) {
        Plan p = planOrRepair(planId);
        if (p != null && xfer < p.transfers.size()) {
            p.entriesSent[xfer] = Math.max(p.entriesSent[xfer], entries);
            if (total >= 0) {
                p.entriesTotal[xfer] = total;
            }
            p.lastProgress = ctx.now();
        }
    }

    private void transferDone(ServerAddress from, long planId, int xfer) {
        if (repair != null && repair.id == planId && xfer < repair.transfers.size()) {
            if (repair.done[xfer]) {
                return; // a repeated report is no progress
            }
            repair.done[xfer] = true;
            repair.entriesSent[xfer] = Math.max(repair.entriesSent[xfer], Math.max(0, repair.entriesTotal[xfer]));
            repair.lastProgress = ctx.now();
            if (repair.complete()) {
                Plan r = repair;
                repair = null;
                if (!settled.equals(ring)) {
                    markSettled("re-replication " + r.id + " done");
                } else {
                    antiEntropy.repaired(); // an anti-entropy repair: the ring was settled already
                    events.add("repair", "repair " + r.id + " done: the holders agree again");
                }
                startNextPlan();
            }
            return;
        }
        if (plan == null || plan.id != planId || xfer >= plan.transfers.size()) {
            if (aborted.containsKey(planId)) {
                ctx.send(from, Msg.of(Msg.XFER_ABORT, term, planId)); // it missed the abort: let go again
            }
            return; // (a finished plan's late report needs nothing: the ring tells the source)
        }
        if (plan.done[xfer]) {
            return; // a repeated report is no progress
        }
        plan.done[xfer] = true;
        plan.lastProgress = ctx.now();
        Transfer t = plan.transfers.get(xfer);
        events.add("transfer", "plan " + planId + " transfer " + xfer + " done: " + t.range() + " " + t.from() + " -> " + t.to());
        if (plan.complete()) {
            switchOver();
        }
    }

    /**
     * Every transfer of the plan is done. If the change gives part of a server's range to another
     * coordinator (the joiner's new range, the leaver's whole range), that server first stops answering for
     * it ({@code SWITCH}); once it confirms, the new ring goes out. So two servers never both coordinate a
     * key, even for the moment the ring takes to reach everyone.
     */
    private void switchOver() {
        Member joiner = plan.kind == Plan.Kind.JOIN ? members.get(plan.subject) : null;
        if (joiner != null && !answeredRecently(joiner)) {
            // the new ring counts the joiner in its majority: publishing it before the joiner has answered a
            // heartbeat would leave this ECS without a majority (no leases for anyone) until it does
            Plan waiting = plan;
            probe(plan.subject);
            ctx.schedule(Math.max(1, config.heartbeatMillis() / 4), () -> {
                if (plan == waiting) {
                    switchOver();
                }
            });
            return;
        }
        if (plan.kind == Plan.Kind.JOIN && !ring.isEmpty()) {
            plan.switchAt = ring.coordinatorOf(plan.subject.position());
            plan.switchRange = plan.target.rangeOf(plan.subject);
        } else if (plan.kind == Plan.Kind.LEAVE && !plan.target.isEmpty()) {
            plan.switchAt = plan.subject;
            plan.switchRange = ring.rangeOf(plan.subject);
        } else {
            finishPlan();
            return;
        }
        sendSwitch();
    }

    private void sendSwitch() {
        plan.switchSentAt = ctx.now();
        ctx.send(plan.switchAt, Msg.of(Msg.SWITCH, term, plan.id, plan.switchRange.from().hex(),
                plan.switchRange.to().hex()));
    }

    private void switchAcked(long planId) {
        if (plan != null && plan.id == planId && plan.switchAt != null) {
            finishPlan();
        }
    }

    private void transferFailed(long planId, int xfer, String why) {
        reachability.suspect(); // a stalled transfer may be a partition between its two servers
        if (repair != null && repair.id == planId) {
            long id = repair.id;
            LOG.warn("{} re-replication {} transfer {} failed ({}); trying it again", ctx.self(), id, xfer, why);
            ctx.schedule(config.heartbeatMillis() * 5, () -> {
                if (repair != null && repair.id == id && !repair.done[xfer]) {
                    sendTransfer(repair, xfer, Msg.MODE_REPAIR, repair.target.version());
                }
            });
            return;
        }
        if (plan == null || plan.id != planId) {
            return;
        }
        Plan p = plan;
        abortPlan("transfer " + xfer + " failed: " + why);
        Request r = new Request(p.kind, p.subject);
        if (!queue.contains(r)) {
            queue.addLast(r); // behind the others: one failing change must not starve every other one
        }
        // give the failure a moment to clear (a broken link reconnects) before trying again
        ctx.schedule(config.heartbeatMillis() * 5, this::startNextPlan);
    }

    private void finishPlan() {
        Plan p = plan;
        plan = null;
        boolean wasSettled = settled.equals(ring);
        publish(p.target, p.kind.name().toLowerCase(Locale.ROOT) + " of " + p.subject + " (plan " + p.id + ")");
        Member m = members.get(p.subject);
        if (p.kind == Plan.Kind.JOIN) {
            if (m != null) {
                m.lastAck = ctx.now();
                setState(m, MemberState.UP, "joined");
            }
        } else {
            ctx.send(p.subject, Msg.of(Msg.LEFT, term));
            members.remove(p.subject);
            events.add("member", p.subject + " left");
        }
        if (wasSettled) {
            markSettled("plan " + p.id + " copied everything");
        }
        startNextPlan();
    }

    private void abortPlan(String why) {
        Plan p = plan;
        plan = null;
        aborted.put(p.id, Boolean.TRUE);
        LOG.warn("{} aborting plan {} ({} {}): {}", ctx.self(), p.id, p.kind, p.subject, why);
        events.add("plan", "plan " + p.id + " aborted: " + why);
        for (Transfer t : p.transfers) {
            ctx.send(t.from(), Msg.of(Msg.XFER_ABORT, term, p.id));
        }
        if (p.switchAt != null) {
            ctx.send(p.switchAt, Msg.of(Msg.XFER_ABORT, term, p.id)); // it goes on coordinating its range
        }
        Member m = members.get(p.subject);
        if (p.kind == Plan.Kind.LEAVE && m != null && m.state == MemberState.LEAVING) {
            setState(m, MemberState.UP, "leave interrupted");
        }
    }

    private void publish(Ring next, String why) {
        ring = next;
        saveState();
        LOG.info("{} publishing ring version {} ({} servers): {}", ctx.self(), ring.version(), ring.size(), why);
        events.add("ring", "ring version " + ring.version() + ": " + why);
        byte[][] msg = ringMessage();
        // a heartbeat right behind the ring (granting nothing): the answers say who installed it, and once a
        // majority has (committed), the leases under it go out (onCommitted) — one round trip, not a heartbeat
        sent(++hbSeq, ctx.now());
        byte[][] probe = Msg.of(Msg.HB, term, hbSeq, 0, ring.version(), 0);
        for (Member m : members.values()) {
            if (m.state != MemberState.DOWN) {
                ctx.send(m.address, msg);
                ctx.send(m.address, probe);
            }
        }
    }

    // ---- clients ------------------------------------------------------------------------------------

    @Override
    public void onCommand(Session s, byte[][] args) {
        String name = commands.validate(s, args);
        if (name == null) {
            return;
        }
        if (deposed && !name.equals("PING") && !name.equals("QUIT")) {
            s.reply(RespValue.error("TRYAGAIN " + ctx.self() + " is no longer the ECS: a newer term's ECS took over" + KvNode.NOT_APPLIED));
            return;
        }
        switch (name) {
            case "KEYRANGE" -> s.reply(ring.isEmpty() ? RespValue.error("STOPPED no servers in the ring yet")
                    : RespValue.bulk(ring.keyrangeText()));
            case "KEYRANGE_READ" -> s.reply(ring.isEmpty() ? RespValue.error("STOPPED no servers in the ring yet")
                    : RespValue.bulk(ring.keyrangeReadText(replicationFactor())));
            case "DBSIZE" -> s.reply(RespValue.integer(members.values().stream()
                    .filter(m -> ring.contains(m.address)).mapToLong(m -> m.keys).sum()));
            case "INFO" -> s.reply(RespValue.bulk(info()));
            case "RINGKV" -> ringkv(s, args);
            case "GET", "SET", "DEL", "EXISTS", "MGET", "MSET", "PUT", "DELETE" -> forwardData(s, args);
            default -> commands.connection(s, name, args, p -> null);
        }
    }

    private void forwardData(Session s, byte[][] args) {
        if (ring.isEmpty()) {
            s.reply(RespValue.error("STOPPED no servers in the ring yet"));
            return;
        }
        String name = Commands.name(args);
        List<byte[]> keys = KvNode.keysOf(name, args);
        ServerAddress owner = ring.coordinatorOf(keys.get(0));
        if (keys.stream().allMatch(k -> ring.coordinatorOf(k).equals(owner))) {
            forwarder.forward(owner, args, 0, ring.version(), s.defer());
            return;
        }
        // split here, each part its own forward (each cancellable): a coordinator never splits a forward
        Scatter.run((part, slot) -> forwarder.forward(ring.coordinatorOf(part[1]), part, 0, ring.version(), slot),
                s, name, args, keys);
    }

    private void ringkv(Session s, byte[][] args) {
        String sub = Commands.text(args[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "STATUS" -> s.reply(RespValue.bulk(status().toJson()));
            case "WATCH" -> events.watch(s, this::status);
            case "ECS" -> s.reply(RespValue.bulk(ctx.self().toString()));
            case "CHECK" -> antiEntropy.check(s.defer());
            default -> s.reply(RespValue.error("ERR unknown subcommand '" + Commands.text(args[1])
                    + "'. Try RINGKV STATUS, RINGKV WATCH, RINGKV CHECK or RINGKV ECS."));
        }
    }

    private String info() {
        return "# Server\r\nredis_version:7.0.0\r\nringkv_version:" + Commands.VERSION + "\r\nringkv_role:ecs\r\n"
                + "tcp_port:" + ctx.self().port() + "\r\n\r\n# Ring\r\nring_version:" + ring.version()
                + "\r\nring_term:" + term + "\r\nring_members:" + ring.size() + "\r\nring_replicas:"
                + replicationFactor() + "\r\n";
    }
}
