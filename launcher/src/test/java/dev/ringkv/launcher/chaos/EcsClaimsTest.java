package dev.ringkv.launcher.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.monitor.ClusterStatus.MemberStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the ECS-claims sampler reads into a status and an INFO answer. */
class EcsClaimsTest {

    private static MemberStatus member(String address, String state, boolean inRing) {
        return new MemberStatus(address, state, inRing, "0", 0, 0, 0, 0, 0, 1);
    }

    @Test
    void anEcsActsOnlyWithAMajorityOfItsOwnRingUp() {
        // seed 608's minority ECS after shrinking its ring to the two servers on its side: a majority of that ring
        assertTrue(EcsClaims.hasMajorityUp(new ClusterStatus("a:1", 5, 5, List.of(member("a:1", "UP", true),
                member("b:1", "UP", true), member("c:1", "DOWN", false), member("d:1", "DOWN", false)), null)));
        // cut off with a minority: the others turn SUSPECT before anyone may elect a rival
        assertFalse(EcsClaims.hasMajorityUp(new ClusterStatus("a:1", 5, 5, List.of(member("a:1", "UP", true),
                member("b:1", "SUSPECT", true), member("c:1", "SUSPECT", true)), null)));
        assertFalse(EcsClaims.hasMajorityUp(new ClusterStatus("a:1", 5, 5, List.of(member("a:1", "UP", true),
                member("b:1", "UP", true), member("c:1", "SUSPECT", true), member("d:1", "SUSPECT", true)), null)));
        assertFalse(EcsClaims.hasMajorityUp(new ClusterStatus("a:1", 5, 5, List.of(), null)));
        // UP but silent for longer than half a timeout: a member with late answers behind it stays UP for a
        // while (issue 18), and it may be voting for a rival already — it does not count
        MemberStatus late = new MemberStatus("c:1", "UP", true, "0", 0, 0, 0, 0, EcsClaims.ANSWERED_MILLIS + 1, 1);
        MemberStatus lateToo = new MemberStatus("b:1", "UP", true, "0", 0, 0, 0, 0, EcsClaims.ANSWERED_MILLIS + 50, 1);
        assertFalse(EcsClaims.hasMajorityUp(new ClusterStatus("a:1", 5, 5, List.of(member("a:1", "UP", true),
                lateToo, late), null)));
    }

    /**
     * chaos --network seeds 1118 and 1120 on 88d1f12: the dedicated ECS resumed from a pause answered STATUS
     * with every member UP (it does not blame them for its own silence) while the term-2 ECS acted. It could
     * not act — no member had answered it within a lease — and its status says so.
     */
    @Test
    void anEcsResumedFromAPauseWithNoMajorityAnsweringIsNotActing() {
        List<MemberStatus> allUp = List.of(member("a:1", "UP", true), member("b:1", "UP", true), member("c:1", "UP", true));
        ClusterStatus stalled = new ClusterStatus("e:1", 1, 5, allUp, null, 3, 0, null, null, false);
        assertFalse(EcsClaims.acting(stalled));
        assertFalse(EcsClaims.acting(ClusterStatus.fromJson(stalled.toJson())), stalled.toJson());
        assertTrue(EcsClaims.acting(new ClusterStatus("e:1", 1, 5, allUp, null, 3, 0, null, null, true)));
    }

    @Test
    void infoFieldsAreReadLineByLine() {
        var f = EcsClaims.fields("# Ring\r\nring_version:7000002\r\necs:10.77.1.12:5102\r\necs_term:7\r\n\r\n");
        assertEquals("10.77.1.12:5102", f.get("ecs"));
        assertEquals("7", f.get("ecs_term"));
        assertEquals("7000002", f.get("ring_version"));
    }
}
