package dev.ringkv.launcher.chaos;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvException;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Who claims the ECS role in which term, sampled from every node about every 100 ms during a chaos run
 * (DESIGN §1: at most one ECS per term, and no two acting at once). Two sources per node:
 * {@code RINGKV STATUS}, which only an ECS answers itself (a server without the role names the ECS instead) —
 * a <em>claim</em>; and {@code INFO ring}, the ECS a server follows and its term — who the others
 * <em>follow</em>. Either showing two addresses for one term is a violation. So are two claimants answering
 * within {@link #TOGETHER_MILLIS} of each other, in one round, each with a majority of its own ring UP and
 * answering it ({@code quorum}: an ECS resumed from a pause shows its members UP but cannot act): two ECSs
 * acting at once, whatever their terms. (A member counts as answering for 200 ms after its last answer and
 * servers elect only after 400 ms without one, so a legitimate takeover never shows that.) Sampling can miss what lasted less
 * than a round; it never invents it.
 */
final class EcsClaims implements AutoCloseable {

    private static final long ROUND_MILLIS = 100;
    private static final long REPLY_MILLIS = 300;
    /** Two claims count as "at once" only if their answers arrived this close: statuses are snapshots. */
    static final long TOGETHER_MILLIS = 100;

    private final Supplier<List<ServerAddress>> nodes;
    private final LongSupplier clockMillis;
    /** term -> claimant -> first seen (ms into the run). */
    private final Map<Long, Map<String, Long>> claimed = new TreeMap<>();
    /** term -> ECS named by a follower -> first seen (ms into the run). */
    private final Map<Long, Map<String, Long>> followed = new TreeMap<>();
    /** Each node's latest INFO ring answer: {@code ecs}, {@code ecs_term}, {@code ring_version}. */
    private final Map<ServerAddress, Map<String, String>> latest = new HashMap<>();
    private final Map<ServerAddress, RingKvClient> connections = new HashMap<>();
    /** "A and B acting at once" -> the first sighting, one line each. */
    private final Map<String, String> together = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean stop;
    private long rounds;

    /**
     * @param nodes the nodes to ask now (asked again every round: added servers join in)
     * @param clockMillis the run's clock, ms since it started
     */
    EcsClaims(Supplier<List<ServerAddress>> nodes, LongSupplier clockMillis) {
        this.nodes = nodes;
        this.clockMillis = clockMillis;
        this.thread = new Thread(this::loop, "chaos-ecs-claims");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        try {
            while (!stop) {
                long t0 = System.nanoTime();
                round();
                long left = ROUND_MILLIS - (System.nanoTime() - t0) / 1_000_000;
                if (left > 0) {
                    TimeUnit.MILLISECONDS.sleep(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks every node at once (both questions pipelined), then records what came back within the reply time. */
    private void round() {
        Map<ServerAddress, CompletableFuture<RespValue>> status = new LinkedHashMap<>();
        Map<ServerAddress, CompletableFuture<Long>> arrived = new LinkedHashMap<>();
        Map<ServerAddress, CompletableFuture<RespValue>> info = new LinkedHashMap<>();
        for (ServerAddress a : nodes.get()) {
            RingKvClient c = connection(a);
            if (c != null) {
                CompletableFuture<RespValue> f = c.executeAsync(REPLY_MILLIS, RingKvClient.command("RINGKV", "STATUS"));
                status.put(a, f);
                arrived.put(a, f.thenApply(v -> System.nanoTime()));
                info.put(a, c.executeAsync(REPLY_MILLIS, RingKvClient.command("INFO", "ring")));
            }
        }
        long now = clockMillis.getAsLong();
        List<Object[]> acting = new ArrayList<>(); // {address, status, arrival ns}
        for (Map.Entry<ServerAddress, CompletableFuture<RespValue>> e : status.entrySet()) {
            RespValue v = reply(e.getValue());
            if (v instanceof RespValue.Bulk b) {
                try {
                    ClusterStatus s = ClusterStatus.fromJson(b.utf8());
                    if (s.ecs().equals(e.getKey().toString())) {
                        record(claimed, s.term(), s.ecs(), now);
                        if (acting(s)) {
                            // the arrival stamp runs right after the reply completes: join waits that instant out
                            acting.add(new Object[] {s.ecs(), s, arrived.get(e.getKey()).join()});
                        }
                    }
                } catch (IllegalArgumentException bad) {
                    // not a status: nothing claimed
                }
            }
        }
        for (int i = 0; i < acting.size(); i++) {
            for (int j = i + 1; j < acting.size(); j++) {
                long apart = Math.abs((Long) acting.get(i)[2] - (Long) acting.get(j)[2]) / 1_000_000;
                if (apart <= TOGETHER_MILLIS) {
                    ClusterStatus a = (ClusterStatus) acting.get(i)[1];
                    ClusterStatus b = (ClusterStatus) acting.get(j)[1];
                    String pair = a.ecs() + " (term " + a.term() + ") and " + b.ecs() + " (term " + b.term() + ")";
                    synchronized (this) {
                        together.putIfAbsent(pair, "two ECSs acting at once at +" + now + " ms, answers " + apart
                                + " ms apart: " + describe(a) + "; " + describe(b));
                    }
                }
            }
        }
        for (Map.Entry<ServerAddress, CompletableFuture<RespValue>> e : info.entrySet()) {
            if (reply(e.getValue()) instanceof RespValue.Bulk b) {
                Map<String, String> fields = fields(b.utf8());
                synchronized (this) {
                    latest.put(e.getKey(), fields);
                }
                String ecs = fields.getOrDefault("ecs", "");
                long term = parse(fields.get("ecs_term"));
                if (!ecs.isEmpty() && term > 0) {
                    record(followed, term, ecs, now);
                }
            }
        }
        synchronized (this) {
            rounds++;
        }
    }

    /**
     * A member that answered within this long counts as answering (half the default timeout; servers elect
     * only after a whole timeout without a heartbeat). Not the SUSPECT state: that adapts to each member's
     * history since issue 18, and a member with late answers behind it stays UP for longer.
     */
    static final long ANSWERED_MILLIS = 200;

    /** An ECS that can act: a majority of its ring answers it, and it shows them UP. */
    static boolean acting(ClusterStatus s) {
        return s.quorum() && hasMajorityUp(s);
    }

    /** Whether a majority of the ring this status publishes is UP in it and answered within {@link #ANSWERED_MILLIS}. */
    static boolean hasMajorityUp(ClusterStatus s) {
        long inRing = s.members().stream().filter(ClusterStatus.MemberStatus::inRing).count();
        long up = s.members().stream().filter(m -> m.inRing() && m.state().equals("UP")
                && m.heartbeatAgeMillis() <= ANSWERED_MILLIS).count();
        return inRing > 0 && up * 2 > inRing;
    }

    private static String describe(ClusterStatus s) {
        return s.ecs() + " in term " + s.term() + " with ring version " + s.ringVersion() + " of "
                + s.members().stream().filter(ClusterStatus.MemberStatus::inRing)
                .map(m -> m.address() + " " + m.state()).toList();
    }

    private RingKvClient connection(ServerAddress a) {
        RingKvClient c = connections.get(a);
        if (c != null && c.isOpen()) {
            return c;
        }
        try {
            c = RingKvClient.connect(a, Duration.ofMillis(REPLY_MILLIS));
            connections.put(a, c);
            return c;
        } catch (RingKvException e) {
            connections.remove(a);
            return null; // killed, or gone: asked again next round
        }
    }

    private static RespValue reply(CompletableFuture<RespValue> f) {
        try {
            return f.get(REPLY_MILLIS + 200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null; // paused, timed out, closed: no sample from it this round
        }
    }

    private synchronized void record(Map<Long, Map<String, Long>> into, long term, String ecs, long now) {
        into.computeIfAbsent(term, t -> new TreeMap<>()).putIfAbsent(ecs, now);
    }

    static Map<String, String> fields(String info) {
        Map<String, String> out = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    private static long parse(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** When a node other than {@code except} was first seen claiming the role in a term above {@code term}; -1 if not yet. */
    synchronized long firstClaimAbove(long term, java.util.Set<String> except) {
        long first = -1;
        for (Map.Entry<Long, Map<String, Long>> e : claimed.entrySet()) {
            if (e.getKey() > term) {
                for (Map.Entry<String, Long> c : e.getValue().entrySet()) {
                    if (!except.contains(c.getKey()) && (first < 0 || c.getValue() < first)) {
                        first = c.getValue();
                    }
                }
            }
        }
        return first;
    }

    /** The claimant of the highest term above {@code term} claimed by a node outside {@code except} (address, term), or null. */
    synchronized Map.Entry<String, Long> newestClaimAbove(long term, java.util.Set<String> except) {
        Map.Entry<String, Long> best = null;
        for (Map.Entry<Long, Map<String, Long>> e : claimed.entrySet()) {
            if (e.getKey() > term) {
                for (String who : e.getValue().keySet()) {
                    if (!except.contains(who) && (best == null || e.getKey() > best.getValue())) {
                        best = Map.entry(who, e.getKey());
                    }
                }
            }
        }
        return best;
    }

    /** The highest term anyone claimed or followed so far (0 before any sample). */
    synchronized long highestTerm() {
        long t = 0;
        for (Long k : claimed.keySet()) {
            t = Math.max(t, k);
        }
        for (Long k : followed.keySet()) {
            t = Math.max(t, k);
        }
        return t;
    }

    /** Completed sampling rounds (a wait for "a fresh sample" compares two of these). */
    synchronized long rounds() {
        return rounds;
    }

    /** The latest {@code INFO ring} fields of {@code a} (empty if it never answered). */
    synchronized Map<String, String> latest(ServerAddress a) {
        return latest.getOrDefault(a, Map.of());
    }

    /** One line per term: who claimed it and whom the servers followed in it. */
    synchronized List<String> table() {
        TreeMap<Long, String> lines = new TreeMap<>();
        java.util.Set<Long> terms = new java.util.TreeSet<>(claimed.keySet());
        terms.addAll(followed.keySet());
        for (long t : terms) {
            lines.put(t, "term " + t + ": claimed by " + names(claimed.get(t)) + "; followed: " + names(followed.get(t)));
        }
        return new ArrayList<>(lines.values());
    }

    /** Every term with two claimants, or whose followers named two ECSs: each a violation of DESIGN §1. */
    synchronized List<String> violations() {
        List<String> out = new ArrayList<>();
        claimed.forEach((t, who) -> {
            if (who.size() > 1) {
                out.add("two ECSs claimed term " + t + ": " + names(who));
            }
        });
        followed.forEach((t, who) -> {
            if (who.size() > 1) {
                out.add("servers followed two ECSs in term " + t + ": " + names(who));
            }
        });
        out.addAll(together.values());
        return out;
    }

    private static String names(Map<String, Long> who) {
        if (who == null || who.isEmpty()) {
            return "—";
        }
        List<String> parts = new ArrayList<>();
        who.forEach((a, at) -> parts.add(a + " (from +" + at + " ms)"));
        return String.join(", ", parts);
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.values().forEach(RingKvClient::close);
    }
}
