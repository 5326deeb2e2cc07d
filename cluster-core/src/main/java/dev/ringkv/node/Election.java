package dev.ringkv.node;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's side of ECS failover (DESIGN §8): which ECS it follows and in which term, fencing of
 * messages from older terms, and the election it runs when the ECS falls silent.
 *
 * <p><b>Terms.</b> Every ECS acts in a term; every ECS→server message carries it. A server follows the
 * first ECS it hears in the highest term it knows and rejects a message of an older term (counted,
 * logged, and answered with {@code STALE term ecs} so the deposed ECS steps down). The term and the vote
 * are saved in the data directory ({@code control/election}) before any answer that depends on them.
 *
 * <p><b>Elections.</b> A member that has heard no heartbeat from its ECS for a random timeout (between
 * {@code electionMinMillis} and {@code electionMaxMillis}) first asks the other members of its ring
 * whether they <em>would</em> vote for it ({@code VOTE_REQ pre}): no term changes, so a server cut off
 * from the ECS alone cannot disturb a working cluster. With a majority it runs the real round: term + 1,
 * a vote for itself, {@code VOTE_REQ vote} to the others. A voter grants one vote per term, only to a
 * candidate whose ring version is at least its own, and only if it has not heard a live ECS within the
 * minimum timeout. A majority of <em>all</em> the ring's members wins. A refused or reset connection to
 * the ECS only makes the candidate ask sooner: it is no evidence of death (a firewall refuses for a live
 * process), so it never shrinks the majority nor makes a voter grant before its own timeout — otherwise
 * two halves of a refusing partition would each elect an ECS (DESIGN §1). The winner takes the ECS role
 * (see {@code dev.ringkv.ecs.ClusterMember}).
 *
 * <pre>
 * VOTE_REQ kind term candidate ringVersion       (kind: pre | vote)
 * VOTE kind term granted(1|0) voter voterTerm
 * STALE term ecs                                 (to an ECS whose message carried an older term)
 * RESIGN term successor                          (from the ECS: it gave up its role; see resigned)
 * </pre>
 *
 * <p><b>Hand-over.</b> A server holding the ECS role that leaves first gives the role up (it acts no more) and
 * tells every member, naming a successor; the successor stands at once and the others vote for it without
 * waiting out a silence (issue 18). A late or forged {@code RESIGN} — not from the ECS followed, or not in its
 * term — changes nothing; a hand-over that fails leaves an ordinary election to follow.
 *
 * <p>Threading: the node's thread only.
 */
public final class Election {

    private static final Logger LOG = LoggerFactory.getLogger(Election.class);
    private static final String RECORD = "election";
    public static final String PRE = "pre";
    public static final String VOTE = "vote";

    /** What the election needs from the server hosting it. */
    public interface Host {
        /** The ring this server serves under, or null. */
        Ring ring();

        /** True while the server is a member serving its ranges. */
        boolean isServing();

        /**
         * The ring this server may stand for election by: the one it serves under; else, restarted and not
         * admitted yet, the ring it remembers being a member of (see {@code KvNode.rememberedRing}); else null.
         */
        Ring electorate();

        /** True while this server itself holds the ECS role. */
        boolean hostsEcs();

        /** This server won the election for {@code term}, by {@code ring}: it must take the ECS role now. */
        void elected(long term, Ring ring);
    }

    private final NodeContext ctx;
    private final long minMillis;
    private final long maxMillis;
    private Host host;
    private long term;
    private ServerAddress votedFor;
    /** The ECS this server follows, and the term it was heard in (≤ {@link #term}). */
    private ServerAddress ecs;
    private long ecsTerm;
    private long lastHeard;
    /** The connection to the ECS we follow was refused or reset and it has not spoken since: ask sooner. */
    private boolean ecsGone;
    private long deadline;
    private Round round;
    private long staleRejected;
    private long lastStaleLog = Long.MIN_VALUE / 2;
    private long elections;
    private Cancellable timer;
    /** The last candidate this server voted for (in a real round), and when. */
    private ServerAddress grantedTo;
    private long grantedAt;
    /** The newest ring version this server installed, kept across restarts: its vote's yardstick. */
    private long ringVersion;
    /** This server is leaving: it never stands for election again. */
    private boolean retired;
    /** The last refusal logged (candidate, kind, term, reason): repeats of it are not logged again. */
    private String lastRefusal = "";

    private static final class Round {
        final String kind;
        final long term;
        final Ring ring;
        final Set<ServerAddress> granted = new HashSet<>();

        Round(String kind, long term, Ring ring) {
            this.kind = kind;
            this.term = term;
            this.ring = ring;
        }
    }

    public Election(NodeContext ctx, ServerAddress bootstrapEcs, long minMillis, long maxMillis) {
        if (minMillis < 1 || maxMillis < minMillis) {
            throw new IllegalArgumentException("election timeout must be 1 <= min <= max, was " + minMillis + ".." + maxMillis);
        }
        this.ctx = ctx;
        this.ecs = bootstrapEcs;
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
    }

    /** Loads the saved term and vote. Elections run only once a host is {@link #enable enabled}. */
    public void start() {
        String saved = ctx.storage().control().load(RECORD);
        if (saved != null && !saved.isBlank()) {
            String[] p = saved.trim().split(" ");
            term = Long.parseLong(p[0]);
            votedFor = p.length > 1 && !p[1].equals("-") ? ServerAddress.parse(p[1]) : null;
            ringVersion = p.length > 2 ? Long.parseLong(p[2]) : 0;
        }
        lastHeard = ctx.now();
        deadline = ctx.now() + timeout();
    }

    /** Lets this server stand for election when the ECS falls silent. */
    public void enable(Host h) {
        this.host = h;
        arm();
    }

    /** The next look at the deadline: at it exactly, or within an eighth of the minimum timeout. */
    private void arm() {
        if (host == null) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        long delay = Math.max(1, Math.min(deadline - ctx.now(), minMillis / 8));
        timerDueAt = ctx.now() + delay;
        timer = ctx.schedule(delay, this::tick);
    }

    /** When the armed {@link #tick} should run: if it runs much later, this process was stalled. */
    private long timerDueAt;

    public long term() {
        return term;
    }

    /** The newest ring version this server installed (kept across restarts). */
    public long ringVersion() {
        return ringVersion;
    }

    /** The ECS this server follows (the bootstrap address until one is heard). */
    public ServerAddress ecs() {
        return ecs;
    }

    /** Term of the ECS this server follows (0 before the first heartbeat). */
    public long ecsTerm() {
        return ecsTerm;
    }

    /** Messages from an ECS of an older term rejected so far. */
    public long staleRejected() {
        return staleRejected;
    }

    /** Elections this server has started (real rounds, not pre-votes). */
    public long elections() {
        return elections;
    }

    /**
     * A joiner (not a member yet) turns to another address: one it was told is the ECS, or the next it
     * was given to join through. Which term that one acts in is not known until it speaks.
     */
    public void redirect(ServerAddress address) {
        if (!address.equals(ecs)) {
            ecs = address;
            ecsTerm = 0;
            ecsGone = false;
        }
    }

    /** True if the ECS we follow spoke within the shortest election timeout. */
    public boolean hearsEcs() {
        return ecsTerm > 0 && ctx.now() - lastHeard < minMillis;
    }

    /** This server took the ECS role for {@code t} (it won): it follows itself. */
    private void follow(ServerAddress who, long t) {
        ecsGone = false;
        if (!who.equals(ecs) || t != ecsTerm) {
            LOG.info("{} follows the ECS {} in term {} (was {} in term {})", ctx.self(), who, t, ecs, ecsTerm);
        }
        ecs = who;
        ecsTerm = t;
        round = null;
        heard();
    }

    /**
     * The fence (DESIGN §8): may this message, sent by {@code from} as the ECS of term {@code t}, act here?
     * A newer term makes {@code from} our ECS; an older one is rejected, counted, logged and answered
     * with {@code STALE}. Two ECSs in one term must never happen: the second is rejected loudly.
     */
    public boolean admit(ServerAddress from, long t) {
        if (t > term) {
            term = t;
            votedFor = null;
            save();
            follow(from, t);
            return true;
        }
        if (t == term && (ecsTerm < t || from.equals(ecs))) {
            if (ecsTerm < t) {
                follow(from, t); // the first ECS heard in this term: the one it elected
            }
            return true;
        }
        staleRejected++;
        long now = ctx.now();
        if (now - lastStaleLog >= 1_000) {
            lastStaleLog = now;
            if (t == term) {
                LOG.error("{} two ECSs claim term {}: following {}, rejecting {}", ctx.self(), t, ecs, from);
            } else {
                LOG.warn("{} rejecting a message from {} of stale term {} (the ECS is {} in term {}; {} rejected so far)",
                        ctx.self(), from, t, ecs, term, staleRejected);
            }
        }
        // name the ECS only if it is the current term's (mid-election there is none yet)
        ctx.send(from, Msg.of(Msg.STALE, term, ecs == null || ecsTerm < term ? "-" : ecs));
        return false;
    }

    /** The server installed a ring: remembered (durably) so that after a restart it still votes by it. */
    public void installed(long version) {
        if (version > ringVersion) {
            ringVersion = version;
            save();
        }
    }

    /** A heartbeat from the ECS we follow: it is alive. */
    public void heard() {
        ecsGone = false;
        lastHeard = ctx.now();
        deadline = lastHeard + timeout();
    }

    /**
     * A connection to the peer was refused or reset. If it is the ECS we follow, it may be dead: this
     * server asks for votes within a random {@code electionMinMillis / 4} rather than waiting out its
     * timeout, and asks again every so often. That is all a refusal may do (DESIGN §1): voters still
     * grant only once they have not heard the ECS for their own timeout, and the majority is still of
     * every member — a partition that refuses connections looks exactly like a crash from one side.
     */
    public void unreachable(ServerAddress peer) {
        if (peer.equals(ecs) && ecsTerm > 0 && !ecsGone) {
            ecsGone = true;
            long soon = ctx.now() + (long) (ctx.random().nextDouble() * Math.max(1, minMillis / 4));
            if (soon < deadline) {
                deadline = soon;
                LOG.warn("{} the connection to the ECS {} was refused: asking for votes soon", ctx.self(), ecs);
                arm();
            }
        }
    }

    /** The random wait before (another) election: shorter while the ECS's connection is refused. */
    private long timeout() {
        if (ecsGone) {
            return (long) (ctx.random().nextDouble() * Math.max(1, minMillis / 4));
        }
        return minMillis + (maxMillis > minMillis ? (long) (ctx.random().nextDouble() * (maxMillis - minMillis)) : 0);
    }

    private void tick() {
        long now = ctx.now();
        long late = now - timerDueAt;
        Ring electorate = host.electorate();
        if (late > minMillis / 2 && !host.hostsEcs() && electorate != null && now >= deadline) {
            // this process did not run (paused, starved, a long GC): the ECS's silence may be ours — its
            // heartbeats may be waiting in our socket — so read them before blaming it (issue 18)
            LOG.info("{} was stalled for {} ms; giving the ECS {} a full timeout before standing for election",
                    ctx.self(), late, ecs);
            deadline = now + timeout();
            timer = null;
            arm();
            return;
        }
        Round open = round;
        if (open != null && VOTE.equals(open.kind) && open.term == term && !host.hostsEcs()) {
            // ask again whoever has not granted yet, as Raft resends RequestVote: a voter that refused because its
            // RESIGN had not arrived yet (the successor's request overtook it) grants now; one that already granted
            // grants again, changing nothing (review of the hand-over: two terms per hand-over otherwise)
            for (ServerAddress m : open.ring.members()) {
                if (!open.granted.contains(m)) {
                    ctx.send(m, Msg.of(Msg.VOTE_REQ, VOTE, open.term, ctx.self(), open.ring.version()));
                }
            }
        }
        if (host.hostsEcs() || electorate == null || retired) {
            deadline = Math.max(deadline, now + minMillis);
        } else if (now >= deadline) {
            LOG.warn("{} no heartbeat from the ECS {} for {} ms: standing for election in term {}", ctx.self(), ecs,
                    now - lastHeard, term + 1);
            // the next try, if this one fails (a split vote): random again, or two candidates stay in lockstep
            deadline = now + (ecsGone ? minMillis / 4 + (long) (ctx.random().nextDouble() * Math.max(1, minMillis / 2))
                    : timeout());
            begin(PRE, term + 1, electorate);
        }
        timer = null;
        arm();
    }

    private void begin(String kind, long t, Ring ring) {
        round = new Round(kind, t, ring);
        round.granted.add(ctx.self());
        if (VOTE.equals(kind)) {
            elections++;
            term = t;
            votedFor = ctx.self();
            save();
        }
        for (ServerAddress m : ring.members()) {
            if (!m.equals(ctx.self())) {
                ctx.send(m, Msg.of(Msg.VOTE_REQ, kind, t, ctx.self(), ring.version()));
            }
        }
        tally();
    }

    /**
     * A majority of every member of the round's ring (none is ever left out: see {@link #unreachable}). The
     * candidate's own vote counts by the rule every voter follows: only once it has not heard the ECS for its
     * own minimum timeout. Standing early because the ECS's connection was refused, it may still be in the
     * ECS's majority (it answered a heartbeat within a lease); counting itself then, it and the old ECS could
     * both have a majority at once (simulation seed 23870: a refusing partition around the ECS host of a
     * 3-server ring).
     */
    private void tally() {
        Round r = round;
        if (r == null) {
            return;
        }
        long mayCountSelfAt = lastHeard + minMillis;
        boolean selfCounts = ecsTerm == 0 || ctx.now() >= mayCountSelfAt;
        long votes = r.granted.stream().filter(r.ring::contains)
                .filter(v -> selfCounts || !v.equals(ctx.self())).count();
        if (votes * 2L <= r.ring.size()) {
            if (!selfCounts) {
                long wait = mayCountSelfAt - ctx.now();
                ctx.schedule(wait, () -> {
                    if (round == r) {
                        tally(); // our own vote counts from now: it may complete the majority
                    }
                });
            }
            return;
        }
        if (PRE.equals(r.kind)) {
            begin(VOTE, r.term, r.ring);
        } else {
            round = null;
            LOG.warn("{} elected ECS for term {} with {} of {} votes", ctx.self(), r.term, r.granted.size(),
                    r.ring.size());
            follow(ctx.self(), r.term);
            host.elected(r.term, r.ring);
        }
    }

    /** {@code VOTE_REQ} and {@code VOTE}; false for any other message. */
    public boolean onMessage(ServerAddress from, String name, byte[][] msg) {
        switch (name) {
            case Msg.VOTE_REQ -> {
                voteRequested(Msg.str(msg, 1), Msg.num(msg, 2), Msg.addr(msg, 3), Msg.num(msg, 4));
                return true;
            }
            case Msg.VOTE -> {
                voted(Msg.str(msg, 1), Msg.num(msg, 2), Msg.num(msg, 3) == 1, Msg.addr(msg, 4), Msg.num(msg, 5));
                return true;
            }
            case Msg.RESIGN -> {
                resigned(from, Msg.num(msg, 1), Msg.addr(msg, 2));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** This server is leaving: it will not stand for election again (it may still vote until it has left). */
    public void retire() {
        retired = true;
    }

    /**
     * The ECS this server follows gave up its role in term {@code t} and named {@code successor} to take it. It
     * acts no more, so this server may vote at once, as if it had been silent for a full timeout; the successor
     * stands at once in term {@code t + 1}, without a pre-vote (that guards a live ECS from a candidate cut off
     * from it; this one resigned). Only from the ECS followed, in the term it is followed in: a late {@code RESIGN}
     * (a newer term exists) or one from anyone else changes nothing. If the successor does not win, the others
     * stand after their usual timeouts.
     */
    public void resigned(ServerAddress from, long t, ServerAddress successor) {
        if (ecsTerm == 0 || t != ecsTerm || t != term || !from.equals(ecs)) {
            LOG.info("{} ignores a RESIGN of term {} from {} (it follows {} in term {}, knows term {})", ctx.self(), t,
                    from, ecs, ecsTerm, term);
            return;
        }
        LOG.info("{} the ECS {} of term {} handed its role to {}", ctx.self(), from, t, successor);
        lastHeard = ctx.now() - minMillis;
        ecsGone = false;
        grantedTo = null; // if we backed this ECS's candidacy, it did take over: nothing to wait for
        round = null;
        deadline = ctx.now() + timeout();
        if (successor.equals(ctx.self()) && !retired && host != null && !host.hostsEcs() && host.isServing()
                && host.ring().contains(ctx.self())) {
            begin(VOTE, term + 1, host.ring());
        }
        arm();
    }

    private void voteRequested(String kind, long t, ServerAddress candidate, long candidateRingVersion) {
        // a server that restarted has no ring yet but still votes, by the newest ring it had installed
        Ring ring = host == null ? null : host.ring();
        long mine = Math.max(ringVersion, ring == null ? 0 : ring.version());
        // heard within our own timeout: the ECS may still count us in its majority, whatever a refused
        // connection suggests (a firewall between us and it refuses for a live ECS)
        boolean ecsAlive = host != null && host.hostsEcs() || ctx.now() - lastHeard < minMillis;
        boolean upToDate = host != null && candidateRingVersion >= mine;
        // a candidate we just voted for may be taking over right now: give it time before backing another
        boolean backedAnother = grantedTo != null && !grantedTo.equals(candidate) && ctx.now() - grantedAt < minMillis;
        boolean grant;
        if (ecsAlive || backedAnother) {
            grant = false; // no election disturbs a live ECS, or the candidate we just backed
        } else if (PRE.equals(kind)) {
            grant = upToDate && t > term;
        } else {
            boolean changed = t > term;
            if (changed) {
                term = t; // an election in a newer term: the old ECS is fenced from now on
                votedFor = null;
                round = null;
            }
            grant = upToDate && t == term && (votedFor == null || votedFor.equals(candidate));
            if (grant && !candidate.equals(votedFor)) {
                changed = true;
            }
            if (grant) {
                votedFor = candidate;
                grantedTo = candidate;
                grantedAt = ctx.now();
                // give the candidate time to take over before standing ourselves (the full timeout, even
                // if the old ECS is provably gone)
                deadline = ctx.now() + minMillis + (long) (ctx.random().nextDouble() * (maxMillis - minMillis));
            }
            if (changed) {
                save(); // before the answer: one vote per term, across restarts
            }
        }
        if (!grant) {
            String why = ecsAlive ? "the ECS is alive" : backedAnother
                    ? "voted for " + grantedTo + " " + (ctx.now() - grantedAt) + " ms ago"
                    : !upToDate ? "its ring is older than ours" : "already voted for " + votedFor + " in term " + term;
            // a candidate asks again every tick (see tick): say it once per candidate, term and kind of reason
            String refusal = candidate + " " + kind + " " + t + " " + why.replaceAll("[0-9]+ ms ago", "");
            if (!refusal.equals(lastRefusal)) {
                lastRefusal = refusal;
                LOG.info("{} refuses {} {} for term {}: {}", ctx.self(), candidate, kind, t, why);
            }
        }
        ctx.send(candidate, Msg.of(Msg.VOTE, kind, t, grant ? 1 : 0, ctx.self(), term));
    }

    private void voted(String kind, long t, boolean granted, ServerAddress voter, long voterTerm) {
        if (voterTerm > term) {
            term = voterTerm; // a newer election is on: ours is lost
            votedFor = null;
            round = null;
            save();
            return;
        }
        if (round != null && round.kind.equals(kind) && round.term == t && granted) {
            round.granted.add(voter);
            tally();
        }
    }

    private void save() {
        ctx.storage().control().save(RECORD, term + " " + (votedFor == null ? "-" : votedFor) + " " + ringVersion);
    }
}
