package dev.ringkv.launcher;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import dev.ringkv.monitor.ClusterStatus.PlanStatus;
import dev.ringkv.monitor.ClusterStatus.TransferStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How {@code ringkv status} and {@code ringkv watch} print the ECS's snapshots and events. Pure text. */
final class StatusFormat {
    private static final String NL = System.lineSeparator();
    private static final String[] HEADINGS = {"State", "Address", "Owns", "Keys", "Bytes", "Ops/s", "Heartbeat",
        "Position", ""};
    /** Columns aligned to the right (numbers); the others are aligned to the left. */
    private static final boolean[] RIGHT = {false, false, true, true, true, true, true, false, false};

    private StatusFormat() {
    }

    /** The {@code nodetool status}-like table: a header line, one row per member, then the plan if any. */
    static String table(ClusterStatus s) {
        StringBuilder b = new StringBuilder();
        long inRing = s.members().stream().filter(MemberStatus::inRing).count();
        b.append("ECS ").append(s.ecs()).append(", term ").append(s.term()).append(", ring version ")
                .append(s.ringVersion()).append(", ").append(inRing).append(inRing == 1 ? " server" : " servers")
                .append(" in the ring, ").append(s.replicas()).append(s.replicas() == 1 ? " copy" : " copies")
                .append(" per key").append(NL);
        if (s.members().isEmpty()) {
            b.append("(no servers yet)").append(NL);
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(HEADINGS);
            for (MemberStatus m : s.members()) {
                rows.add(new String[] {m.state(), m.address(), percent(m.ownership()), String.valueOf(m.keys()),
                    bytes(m.bytes()), String.valueOf(m.opsPerSecond()), m.heartbeatAgeMillis() + " ms",
                    abbreviate(m.position()), m.address().equals(s.ecs()) ? "ECS" : ""});
            }
            appendAligned(b, rows);
        }
        if (s.plan() != null) {
            b.append(NL).append(plan(s.plan()));
        }
        if (s.repair() != null || s.underReplicatedKeys() > 0) {
            b.append(NL).append("Under-replicated key copies: ").append(s.underReplicatedKeys()).append(NL);
            if (s.repair() != null) {
                b.append(plan(s.repair()));
            }
        }
        if (s.antiEntropy() != null) {
            ClusterStatus.AntiEntropyStatus a = s.antiEntropy();
            b.append(NL).append("Anti-entropy: ").append(a.ranges()).append(" ranges compared ")
                    .append(a.atMillisAgo() / 1000).append(" s ago (ring version ").append(a.ringVersion()).append("), ")
                    .append(a.disagreeing()).append(" disagreeing, ").append(a.repairs()).append(" repaired so far")
                    .append(NL);
        }
        return b.toString();
    }

    /** The plan in progress: a line for the plan, then one per transfer. */
    static String plan(PlanStatus p) {
        StringBuilder b = new StringBuilder();
        b.append("Plan ").append(p.id()).append(": ").append(p.kind()).append(' ').append(p.subject())
                .append(" (to ring version ").append(p.targetRingVersion()).append(", ")
                .append(doneCount(p)).append('/').append(p.transfers().size()).append(" transfers done)").append(NL);
        List<String[]> rows = new ArrayList<>();
        for (TransferStatus t : p.transfers()) {
            rows.add(new String[] {"  " + t.from(), "->", t.to(), "(" + abbreviate(t.rangeFrom()) + ", "
                    + abbreviate(t.rangeTo()) + "]", t.done() ? "done" : "pending", t.entriesSent()
                    + (t.entriesTotal() >= 0 ? "/" + t.entriesTotal() : "") + " sent"});
        }
        appendAligned(b, rows, false, false, false, false, false, true);
        return b.toString();
    }

    /** One line for a periodic status push, e.g. {@code status: ring v4, 3 up, 0 suspect, 0 down, plan none}. */
    static String summary(ClusterStatus s) {
        StringBuilder b = new StringBuilder("status: ring v").append(s.ringVersion());
        b.append(", ").append(count(s, "UP")).append(" up");
        for (String state : new String[] {"JOINING", "LEAVING"}) {
            long n = count(s, state);
            if (n > 0) {
                b.append(", ").append(n).append(' ').append(state.toLowerCase(Locale.ROOT));
            }
        }
        b.append(", ").append(count(s, "SUSPECT")).append(" suspect, ").append(count(s, "DOWN")).append(" down, plan ");
        PlanStatus p = s.plan();
        if (p == null) {
            b.append("none");
        } else {
            b.append(p.id()).append(' ').append(p.kind().toLowerCase(Locale.ROOT)).append(' ').append(p.subject())
                    .append(" (").append(doneCount(p)).append('/').append(p.transfers().size())
                    .append(" transfers done)");
        }
        if (s.underReplicatedKeys() > 0 || s.repair() != null) {
            b.append(", under-replicated ").append(s.underReplicatedKeys());
        }
        return b.toString();
    }

    /** One line for an event: time since the ECS started, kind, text. */
    static String event(ClusterEvent e) {
        return String.format(Locale.ROOT, "%s  %-8s  %s", elapsed(e.atMillis()), e.kind(), e.text());
    }

    /** {@code +HH:mm:ss.SSS} (hours grow past 99 if they must). */
    static String elapsed(long millis) {
        long ms = Math.max(0, millis);
        return String.format(Locale.ROOT, "+%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
                ms % 1000);
    }

    /** 512 B, 1.5 KiB, 12.0 MiB, 3.2 GiB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB"};
        double v = n;
        int u = -1;
        while (u < units.length - 1 && v >= 1024) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** 0.3337 → {@code 33.4%}. */
    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    private static String abbreviate(String hex) {
        return hex == null ? "-" : hex.length() <= 8 ? hex : hex.substring(0, 8);
    }

    private static long count(ClusterStatus s, String state) {
        return s.members().stream().filter(m -> m.state().equals(state)).count();
    }

    private static long doneCount(PlanStatus p) {
        return p.transfers().stream().filter(TransferStatus::done).count();
    }

    private static void appendAligned(StringBuilder b, List<String[]> rows) {
        appendAligned(b, rows, RIGHT);
    }

    private static void appendAligned(StringBuilder b, List<String[]> rows, boolean... right) {
        int cols = rows.isEmpty() ? 0 : rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                if (c > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[c] - r[c].length());
                line.append(right[c] ? pad + r[c] : r[c] + pad);
            }
            b.append(line.toString().stripTrailing()).append(NL);
        }
    }
}
