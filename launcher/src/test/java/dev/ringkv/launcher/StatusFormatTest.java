package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.monitor.ClusterEvent;
import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import dev.ringkv.monitor.ClusterStatus.PlanStatus;
import dev.ringkv.monitor.ClusterStatus.TransferStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text of {@code ringkv status} and {@code ringkv watch}, from hand-made snapshots. */
class StatusFormatTest {

    private static final String NL = System.lineSeparator();
    private static final String P1 = "0123456789abcdef0123456789abcdef";
    private static final String P2 = "fedcba9876543210fedcba9876543210";

    private static ClusterStatus cluster(PlanStatus plan) {
        return new ClusterStatus("127.0.0.1:5100", 3, 7, List.of(
                new MemberStatus("127.0.0.1:5101", "UP", true, P1, 0.6667, 1200, 1536, 42, 12, 7),
                new MemberStatus("127.0.0.1:5100", "SUSPECT", true, P2, 0.3333, 3, 5L * 1024 * 1024 * 1024, 0, 250, 7),
                new MemberStatus("127.0.0.1:5103", "JOINING", false, P2, 0.0, 0, 0, 0, 5, 0)), plan);
    }

    @Test
    void theTableHasAHeaderARowPerMemberAndMarksTheEcs() {
        String t = StatusFormat.table(cluster(null));
        assertEquals(String.join(NL,
                "ECS 127.0.0.1:5100, term 3, ring version 7, 2 servers in the ring, 1 copy per key",
                "State    Address          Owns  Keys    Bytes  Ops/s  Heartbeat  Position",
                "UP       127.0.0.1:5101  66.7%  1200  1.5 KiB     42      12 ms  01234567",
                "SUSPECT  127.0.0.1:5100  33.3%     3  5.0 GiB      0     250 ms  fedcba98  ECS",
                "JOINING  127.0.0.1:5103   0.0%     0      0 B      0       5 ms  fedcba98",
                ""), t);
    }

    @Test
    void aPlanInProgressIsListedBelowTheTable() {
        PlanStatus plan = new PlanStatus(4, "JOIN", "127.0.0.1:5103", 8, List.of(
                new TransferStatus(0, "127.0.0.1:5101", "127.0.0.1:5103", P1, P2, true, 120, 120),
                new TransferStatus(1, "127.0.0.1:5100", "127.0.0.1:5103", P2, P1, false, 7, -1)));
        String t = StatusFormat.table(cluster(plan));
        assertTrue(t.endsWith(String.join(NL, "",
                "Plan 4: JOIN 127.0.0.1:5103 (to ring version 8, 1/2 transfers done)",
                "  127.0.0.1:5101  ->  127.0.0.1:5103  (01234567, fedcba98]  done     120/120 sent",
                "  127.0.0.1:5100  ->  127.0.0.1:5103  (fedcba98, 01234567]  pending        7 sent",
                "")), t);
        assertEquals("status: ring v7, 1 up, 1 joining, 1 suspect, 0 down, plan 4 join 127.0.0.1:5103 (1/2 transfers done)",
                StatusFormat.summary(cluster(plan)));
    }

    @Test
    void anEmptyClusterSaysSo() {
        ClusterStatus s = new ClusterStatus("h:1", 1, 0, List.of(), null);
        assertEquals("ECS h:1, term 1, ring version 0, 0 servers in the ring, 1 copy per key" + NL + "(no servers yet)" + NL,
                StatusFormat.table(s));
        assertEquals("status: ring v0, 0 up, 0 suspect, 0 down, plan none", StatusFormat.summary(s));
    }

    @Test
    void aReReplicationShowsTheMissingCopiesAndItsTransfers() {
        PlanStatus repair = new PlanStatus(9, "REPAIR", "127.0.0.1:5100", 7, List.of(
                new TransferStatus(0, "127.0.0.1:5101", "127.0.0.1:5103", P1, P2, false, 400, 1000)));
        ClusterStatus s = new ClusterStatus("127.0.0.1:5100", 3, 7, List.of(), null, 3, 600, repair,
                new ClusterStatus.AntiEntropyStatus(7, 4000, 3, 0, 1));
        String t = StatusFormat.table(s);
        assertTrue(t.contains("3 copies per key"), t);
        assertTrue(t.contains("Under-replicated key copies: 600" + NL
                + "Plan 9: REPAIR 127.0.0.1:5100 (to ring version 7, 0/1 transfers done)"), t);
        assertTrue(t.contains("pending  400/1000 sent"), t);
        assertTrue(t.contains("Anti-entropy: 3 ranges compared 4 s ago (ring version 7), 0 disagreeing, 1 repaired so far"), t);
        assertTrue(StatusFormat.summary(s).endsWith(", plan none, under-replicated 600"), StatusFormat.summary(s));
    }

    @Test
    void sizesTimesAndEvents() {
        assertEquals("0 B", StatusFormat.bytes(0));
        assertEquals("1023 B", StatusFormat.bytes(1023));
        assertEquals("1.0 KiB", StatusFormat.bytes(1024));
        assertEquals("12.0 MiB", StatusFormat.bytes(12L * 1024 * 1024));
        assertEquals("2048.0 GiB", StatusFormat.bytes(2048L * 1024 * 1024 * 1024));
        assertEquals("+00:00:01.234", StatusFormat.elapsed(1234));
        assertEquals("+26:03:04.005", StatusFormat.elapsed(((26 * 60 + 3) * 60 + 4) * 1000L + 5));
        assertEquals("+00:00:01.234  member    127.0.0.1:5101 UP -> SUSPECT: silent for 250 ms",
                StatusFormat.event(new ClusterEvent(9, 1234, "member", "127.0.0.1:5101 UP -> SUSPECT: silent for 250 ms")));
    }
}
