package dev.ringkv.ecs;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.node.Msg;
import dev.ringkv.node.NodeContext;
import dev.ringkv.node.Session;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy (DESIGN §6): the ECS asks every holder of every range for its digest of that range and
 * compares them. A range whose holders disagree in two checks in a row — one disagreement is usually a
 * write still on its way to a replica — is repaired: each holder sends it to the others, and every copy
 * keeps the newest version of each key. Runs every {@code antiEntropyMillis} while the cluster is quiet,
 * and on demand ({@code RINGKV CHECK}, which answers with the comparison). ECS thread only.
 */
final class AntiEntropy {

    private static final Logger LOG = LoggerFactory.getLogger(AntiEntropy.class);
    private static final long REPLY_TIMEOUT_MILLIS = 2_000;
    private static final long RECHECK_MILLIS = 1_000;

    private final Ecs ecs;
    private final NodeContext ctx;
    private long roundSeq;
    private Round round;
    /** Ranges (with their holders) that disagreed in the previous check, and the ring it was. */
    private Set<String> previouslyDisagreeing = new HashSet<>();
    private long previousRingVersion = -1;
    private ClusterStatus.AntiEntropyStatus last;
    private long lastAt;
    private long repairs;
    private static final int VERIFY_ROUNDS = 10;
    private static final long VERIFY_POLL_MILLIS = 100;
    private boolean verifying;
    private int verifyRounds;

    private static final class Round {
        final long id;
        final Ring ring;
        final List<Range> ranges = new ArrayList<>();
        final List<List<ServerAddress>> holders = new ArrayList<>();
        final List<Map<ServerAddress, String>> digests = new ArrayList<>();
        final List<Session.PendingReply> waiting = new ArrayList<>();
        int expected;
        int received;

        Round(long id, Ring ring) {
            this.id = id;
            this.ring = ring;
        }
    }

    AntiEntropy(Ecs ecs, NodeContext ctx) {
        this.ecs = ecs;
        this.ctx = ctx;
        this.roundSeq = (ctx.random().nextLong() & 0x3fffffffffffffffL) >>> 16;
    }

    void start(long intervalMillis) {
        if (intervalMillis <= 0) {
            return;
        }
        ctx.schedule(intervalMillis, () -> {
            if (round == null && ecs.quiet() && ecs.ring().size() >= 2) {
                begin(null);
            }
            start(intervalMillis);
        });
    }

    /** {@code RINGKV CHECK}: compares now and answers with the result. */
    void check(Session.PendingReply reply) {
        Ring ring = ecs.ring();
        if (ring.isEmpty()) {
            reply.complete(RespValue.error("STOPPED no servers in the ring yet"));
            return;
        }
        if (round != null) {
            round.waiting.add(reply);
            return;
        }
        begin(reply);
    }

    void repaired() {
        repairs++;
    }

    /**
     * After a takeover (DESIGN §8): the previous ECS may have died in the middle of a transfer or a
     * re-replication, and nobody knows which ranges it left short. So the new ECS compares every range's
     * digests at once, repairs every range that disagrees even once, and looks again until they all agree
     * (at most {@link #VERIFY_ROUNDS} rounds; the periodic check goes on after that). Meanwhile no change
     * is planned and replica reads stay off.
     */
    void verify() {
        verifying = ecs.ring().size() >= 2;
        verifyRounds = 0;
        verifyLoop();
    }

    boolean verifying() {
        return verifying;
    }

    private void verifyLoop() {
        if (!verifying || ecs.deposed()) {
            return;
        }
        if (round == null && ecs.quiet()) {
            verifyRounds++;
            begin(null);
        }
        ctx.schedule(VERIFY_POLL_MILLIS, this::verifyLoop);
    }

    ClusterStatus.AntiEntropyStatus status(long now) {
        return last == null ? null : new ClusterStatus.AntiEntropyStatus(last.ringVersion(), now - lastAt,
                last.ranges(), last.disagreeing(), repairs);
    }

    private void begin(Session.PendingReply reply) {
        Ring ring = ecs.ring();
        int rf = ecs.replicationFactor();
        Round r = new Round(++roundSeq, ring);
        if (reply != null) {
            r.waiting.add(reply);
        }
        for (ServerAddress m : ring.members()) {
            Range range = ring.rangeOf(m);
            List<ServerAddress> hs = ring.replicasOf(ring.positionOf(m), rf);
            int index = r.ranges.size();
            r.ranges.add(range);
            r.holders.add(hs);
            r.digests.add(new LinkedHashMap<>());
            for (ServerAddress h : hs) {
                r.expected++;
                ctx.send(h, Msg.of(Msg.DIGEST_REQ, r.id, index, range.from().hex(), range.to().hex(), ecs.term()));
            }
        }
        round = r;
        long id = r.id;
        ctx.schedule(REPLY_TIMEOUT_MILLIS, () -> {
            if (round != null && round.id == id) {
                finish();
            }
        });
    }

    /** {@code DIGEST_REPLY round index address ringVersion digest}. */
    void reply(byte[][] msg) {
        long id = Msg.num(msg, 1);
        int index = (int) Msg.num(msg, 2);
        ServerAddress from = Msg.addr(msg, 3);
        long ringVersion = Msg.num(msg, 4);
        String digest = Msg.str(msg, 5);
        if (round == null || round.id != id || index < 0 || index >= round.ranges.size()
                || !round.holders.get(index).contains(from)) {
            return;
        }
        // a holder on another ring may legitimately hold something else: count it as disagreeing
        String seen = ringVersion == round.ring.version() ? digest : digest + " (ring " + ringVersion + ")";
        if (round.digests.get(index).put(from, seen) == null && ++round.received == round.expected) {
            finish();
        }
    }

    private void verifyFinished(Round r, int disagreeing, int unanswered, Set<String> disagreeingKeys) {
        if (disagreeing == 0 && unanswered == 0 && ecs.ring().version() == r.ring.version()) {
            verifying = false;
            LOG.info("{} takeover check: every range of ring version {} agrees on all its holders", ctx.self(),
                    r.ring.version());
            ecs.verified();
        } else if (verifyRounds >= VERIFY_ROUNDS) {
            verifying = false;
            LOG.warn("{} takeover check: {} ranges still disagree and {} unanswered after {} rounds; the periodic check goes on",
                    ctx.self(), disagreeing, unanswered, verifyRounds);
            ecs.verified();
        } else if (disagreeing > 0 && ecs.quiet() && ecs.ring().version() == r.ring.version()) {
            List<Range> ranges = new ArrayList<>();
            List<List<ServerAddress>> holders = new ArrayList<>();
            for (int i = 0; i < r.ranges.size(); i++) {
                if (disagreeingKeys.contains(r.ranges.get(i) + " " + r.holders.get(i))) {
                    ranges.add(r.ranges.get(i));
                    holders.add(r.holders.get(i));
                }
            }
            ecs.repairRanges(ranges, holders); // when it is done, verifyLoop looks again
        }
    }

    private void finish() {
        Round r = round;
        round = null;
        int disagreeing = 0;
        int unanswered = 0;
        Set<String> now = new HashSet<>();
        List<Integer> toRepair = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < r.ranges.size(); i++) {
            Map<ServerAddress, String> d = r.digests.get(i);
            List<ServerAddress> hs = r.holders.get(i);
            String verdict;
            if (d.size() < hs.size()) {
                unanswered++;
                verdict = "UNANSWERED";
            } else if (new HashSet<>(d.values()).size() > 1) {
                disagreeing++;
                verdict = "DISAGREE";
                String key = r.ranges.get(i) + " " + hs;
                now.add(key);
                if (previousRingVersion == r.ring.version() && previouslyDisagreeing.contains(key)) {
                    toRepair.add(i);
                }
            } else {
                verdict = "AGREE";
            }
            text.append(verdict).append(' ').append(r.ranges.get(i).from().hex()).append(' ')
                    .append(r.ranges.get(i).to().hex());
            for (ServerAddress h : hs) {
                text.append(' ').append(h).append('=').append(d.getOrDefault(h, "?"));
            }
            text.append('\n');
        }
        previouslyDisagreeing = now;
        previousRingVersion = r.ring.version();
        last = new ClusterStatus.AntiEntropyStatus(r.ring.version(), 0, r.ranges.size(), disagreeing, repairs);
        lastAt = ctx.now();
        String head = "ring " + r.ring.version() + ": " + r.ranges.size() + " ranges, " + disagreeing
                + " disagreeing, " + unanswered + " unanswered\n";
        for (Session.PendingReply w : r.waiting) {
            w.complete(RespValue.bulk(head + text));
        }
        if (disagreeing > 0) {
            LOG.info("{} anti-entropy: {} of {} ranges disagree in ring version {}", ctx.self(), disagreeing,
                    r.ranges.size(), r.ring.version());
        }
        if (verifying) {
            verifyFinished(r, disagreeing, unanswered, now);
            return;
        }
        if (!toRepair.isEmpty() && ecs.quiet() && ecs.ring().version() == r.ring.version()) {
            int i = toRepair.get(0); // one repair at a time; the next check finds the rest
            ecs.repairRanges(List.of(r.ranges.get(i)), List.of(r.holders.get(i)));
            previouslyDisagreeing.remove(r.ranges.get(i) + " " + r.holders.get(i));
        } else if (!now.isEmpty()) {
            ctx.schedule(RECHECK_MILLIS, () -> {
                if (round == null && ecs.quiet()) {
                    begin(null); // a second look: disagreeing twice in a row means a real difference
                }
            });
        }
    }
}
