package dev.ringkv.ecs;

import dev.ringkv.node.Msg;
import dev.ringkv.node.NodeContext;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Servers a majority of the ring cannot reach, though they answer the ECS (issue 17, item 10). A partition
 * <em>between</em> the servers that the ECS sees across (it reaches both halves: a bridge) makes nobody
 * silent, so nothing is declared DOWN, while every write whose copies straddle the cut fails for as long
 * as it lasts.
 *
 * <ul>
 *   <li>A coordinator reporting an unconfirmed copy ({@code UNANSWERED}) or a stalled transfer starts a
 *       <em>round</em>: every member pings every other ({@code REACH_ASK}, {@code REACH_PING/PONG}) and
 *       reports, once, whom it heard back from within {@link #WAIT_MILLIS} ({@code REACH_REPORT}). A member
 *       whose own timer ran late (a stalled process) sends nothing: its silence proves nothing.</li>
 *   <li>One round's complete picture decides (every member that is not DOWN reported), never reports added up
 *       over time: the members reached by a majority of
 *       the ring are the good side; if they are a strict majority, the others are fenced — no more leases —
 *       unless that would take every copy of some range out of the ring, or the ECS's own server. Links so
 *       slow that nobody hears anybody in time make no majority, and take nobody out.</li>
 *   <li>{@link Ecs} takes a fenced member out of the ring once its last lease has run out (the timeout), one
 *       at a time, each with the quorum and the committed ring that DOWN needs.</li>
 *   <li>A member taken out asks to join again at once; its join waits (2 s, doubling to 30 s if it is taken
 *       out again soon after), and then it must first show, in a round of its own, that it reaches a
 *       majority of the ring — so a lasting partition does not churn the ring with joins that cannot work.</li>
 *   <li>Rounds run at most once a second, and back off (to 16 s) while they change nothing.</li>
 * </ul>
 *
 * <p>Node thread only.
 */
final class Reachability {

    private static final Logger LOG = LoggerFactory.getLogger(Reachability.class);
    /** How long a member waits for pongs (the same on every member: {@code KvNode.REACH_WAIT_MILLIS}). */
    static final long WAIT_MILLIS = dev.ringkv.node.KvNode.REACH_WAIT_MILLIS;
    static final long ROUND_MIN_MILLIS = 1_000;
    static final long ROUND_MAX_MILLIS = 16_000;
    static final long REJOIN_WAIT_MIN_MILLIS = 2_000;
    static final long REJOIN_WAIT_MAX_MILLIS = 30_000;
    /** A fenced member not taken out this long (no quorum, say) is leased again. */
    static final long FENCE_MAX_MILLIS = 10_000;

    private final Ecs ecs;
    private final NodeContext ctx;
    /** Ids of rounds and of joiners' checks, never reused while this ECS runs. */
    private long seq;
    /** The members' round under way (its id), and the ring it was asked under. */
    private long round = -1;
    /** The round is still waiting for its reports: a newer one must not replace it before it is judged. */
    private boolean roundOpen;
    private Ring roundRing;
    private final Map<ServerAddress, Set<ServerAddress>> reports = new HashMap<>();
    private long lastRoundAt = Long.MIN_VALUE / 2;
    private long interval = ROUND_MIN_MILLIS;
    /** Taken out: {until when its join waits, that wait}. */
    private final Map<ServerAddress, long[]> rejoinWait = new HashMap<>();
    /** A joiner asked to show it reaches the ring: the round it was asked in. */
    private final Map<ServerAddress, Long> joinerRound = new HashMap<>();
    /** Joiners that showed it: when. */
    private final Map<ServerAddress, Long> joinerReaches = new HashMap<>();

    Reachability(Ecs ecs, NodeContext ctx) {
        this.ecs = ecs;
        this.ctx = ctx;
    }

    /** A copy unconfirmed for a while, or a stalled transfer: a partition between servers, maybe. */
    void suspect() {
        long now = ctx.now();
        Ring ring = ecs.ring();
        if (roundOpen || now - lastRoundAt < interval || ring.size() < 3) {
            return;
        }
        lastRoundAt = now;
        long id = ++seq;
        round = id;
        roundOpen = true;
        roundRing = ring;
        reports.clear();
        for (ServerAddress a : ring.members()) {
            Member m = ecs.members().get(a);
            if (m != null && m.state != MemberState.DOWN) {
                ctx.send(a, Msg.of(Msg.REACH_ASK, ecs.term(), id));
            }
        }
        ctx.schedule(WAIT_MILLIS + Math.max(250, ecs.config().heartbeatMillis() * 3), () -> judge(id));
    }

    /** {@code REACH_REPORT round reached...} from {@code from}. */
    void report(ServerAddress from, long id, List<ServerAddress> reached) {
        if (id == round && roundRing != null && roundRing.contains(from)) {
            Set<ServerAddress> r = new HashSet<>(reached);
            r.add(from);
            reports.put(from, r);
        } else if (joinerRound.containsKey(from) && joinerRound.get(from) == id) {
            joinerRound.remove(from);
            Ring ring = ecs.ring();
            long reaches = reached.stream().filter(ring::contains).count();
            if (reaches * 2 > ring.size()) {
                joinerReaches.put(from, ctx.now());
            } else {
                LOG.info("{} {} reaches {} of the ring's {} servers: its join waits longer", ctx.self(), from, reaches,
                        ring.size());
                takenOut(from, ctx.now()); // a longer wait
            }
        }
    }

    private void judge(long id) {
        Ring ring = ecs.ring();
        if (id == round) {
            roundOpen = false;
        }
        if (id != round || !ring.equals(roundRing)) {
            return; // a newer round, or the ring changed meanwhile: this picture is out of date
        }
        int n = ring.size();
        long expected = ring.members().stream().filter(a -> ecs.members().get(a) != null
                && ecs.members().get(a).state != MemberState.DOWN).count();
        if (reports.size() < expected) {
            // a member that did not report (stalled, or its report lost) would make one bad link look like a
            // majority's verdict: no verdict from an incomplete picture
            interval = Math.min(ROUND_MAX_MILLIS, interval * 2);
            return;
        }
        Set<ServerAddress> good = new HashSet<>();
        for (ServerAddress x : ring.members()) {
            long by = reports.values().stream().filter(r -> r.contains(x)).count();
            if (by * 2 > n) {
                good.add(x);
            }
        }
        List<ServerAddress> out = new ArrayList<>();
        for (ServerAddress x : ring.members()) {
            Member m = ecs.members().get(x);
            if (!good.contains(x) && m != null && m.state != MemberState.DOWN && !x.equals(ctx.self())) {
                out.add(x);
            }
        }
        if (good.size() * 2 <= n || out.isEmpty()) {
            for (ServerAddress x : good) {
                unfence(x, "reached by a majority again");
            }
            interval = Math.min(ROUND_MAX_MILLIS, interval * 2); // nothing to do: look less often
            return;
        }
        String lost = everyCopyIn(ring, out);
        if (lost != null) {
            LOG.warn("{} {} cannot be reached by a majority of the servers, but every copy of {} is on them: "
                    + "leaving them in (their keys stay unavailable where the copies straddle the cut)", ctx.self(), out,
                    lost);
            interval = Math.min(ROUND_MAX_MILLIS, interval * 2);
            return;
        }
        interval = ROUND_MIN_MILLIS;
        long now = ctx.now();
        for (ServerAddress x : good) {
            unfence(x, "reached by a majority again");
        }
        for (ServerAddress x : out) {
            Member m = ecs.members().get(x);
            if (m.fencedAt == 0) {
                m.fencedAt = now;
                LOG.warn("{} {} answers this ECS, but only {} of the ring's {} servers reach it: no more leases for "
                        + "it; out of the ring once its lease has run out", ctx.self(), x,
                        reports.values().stream().filter(r -> r.contains(x)).count(), n);
                ecs.events().add("member", x + " cannot be reached by a majority of the servers: fenced");
            }
        }
    }

    private void unfence(ServerAddress x, String why) {
        Member m = ecs.members().get(x);
        if (m != null && m.fencedAt != 0) {
            m.fencedAt = 0;
            LOG.info("{} {} {}: leased again", ctx.self(), x, why);
        }
    }

    /** A range all of whose holders are in {@code out}, or null if every range keeps one outside it. */
    private String everyCopyIn(Ring ring, List<ServerAddress> out) {
        int rf = ecs.replicationFactor();
        for (ServerAddress m : ring.members()) {
            List<ServerAddress> holders = ring.replicasOf(m.position(), rf);
            if (out.containsAll(holders)) {
                return ring.rangeOf(m).toString();
            }
        }
        return null;
    }

    /**
     * Called every check: a fenced member whose last lease has run out is taken out of the ring (by
     * {@code takeOut}), one per committed ring; one fenced too long without that is leased again.
     */
    void takeOutFenced(long now, java.util.function.BiConsumer<Member, String> takeOut) {
        for (Member m : new ArrayList<>(ecs.members().values())) {
            if (m.fencedAt == 0) {
                continue;
            }
            if (m.state == MemberState.DOWN || !ecs.ring().contains(m.address)) {
                m.fencedAt = 0;
            } else if (now - m.fencedAt > FENCE_MAX_MILLIS) {
                unfence(m.address, "was not taken out in " + FENCE_MAX_MILLIS + " ms");
            } else if (now - m.fencedAt > ecs.config().timeoutMillis() && ecs.hasQuorum() && ecs.committed()
                    && ecs.keepInRing(m) == null) {
                // its last lease was granted before fencedAt and lasts leaseMillis < timeout from then
                long wait = takenOut(m.address, now);
                takeOut.accept(m, "a majority of the servers cannot reach it; it may join again in " + wait + " ms");
                return; // one at a time: the next once this ring is committed
            }
        }
    }

    /** Records that {@code a} is out, and how long its join waits: the wait, in ms. */
    private long takenOut(ServerAddress a, long now) {
        long[] w = rejoinWait.get(a);
        long next = w == null || now - w[0] > REJOIN_WAIT_MAX_MILLIS * 2 ? REJOIN_WAIT_MIN_MILLIS
                : Math.min(REJOIN_WAIT_MAX_MILLIS, w[1] * 2);
        rejoinWait.put(a, new long[] {now + next, next});
        joinerReaches.remove(a);
        return next;
    }

    /**
     * May {@code joiner}'s join be planned now? Always, unless it was taken out as unreachable: then once
     * its wait is over and it has shown, in a round of its own, that it reaches a majority of the ring.
     * Returns 0 if it may, else when to look again.
     */
    long joinAllowedIn(ServerAddress joiner, long now) {
        long[] w = rejoinWait.get(joiner);
        if (w == null) {
            return 0;
        }
        if (now < w[0]) {
            return w[0] - now;
        }
        Long shown = joinerReaches.get(joiner);
        if (shown != null && now - shown < REJOIN_WAIT_MIN_MILLIS) {
            return 0;
        }
        if (!joinerRound.containsKey(joiner)) {
            long id = ++seq;
            joinerRound.put(joiner, id);
            ctx.send(joiner, Msg.of(Msg.REACH_ASK, ecs.term(), id));
            ctx.schedule(WAIT_MILLIS * 3, () -> {
                if (joinerRound.get(joiner) != null && joinerRound.get(joiner) == id) {
                    // no report (a restarted server has no ring to ping yet): no evidence either way, and its
                    // wait is over — let it join (a join that cannot work fails, and it waits longer next time)
                    joinerRound.remove(joiner);
                    joinerReaches.put(joiner, ctx.now());
                }
            });
        }
        return WAIT_MILLIS + 100;
    }
}
