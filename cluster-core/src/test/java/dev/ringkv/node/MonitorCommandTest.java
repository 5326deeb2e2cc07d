package dev.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The monitor API's own calls are not counted as load in ops/s (a watching monitor would see itself). */
class MonitorCommandTest {

    private static byte[][] cmd(String... a) {
        byte[][] b = new byte[a.length][];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i].getBytes(StandardCharsets.UTF_8);
        }
        return b;
    }

    @Test
    void ringkvCommandsInAnyCaseAreMonitorCommands() {
        assertTrue(KvNode.isMonitorCommand(cmd("RINGKV", "ENTRIES", "-", "-", "-", "10")));
        assertTrue(KvNode.isMonitorCommand(cmd("ringkv", "digest")));
        assertTrue(KvNode.isMonitorCommand(cmd("RingKv", "STATUS")));
    }

    @Test
    void dataCommandsAndLookalikesAreLoad() {
        for (String name : new String[] {"SET", "GET", "RINGK", "RINGKVX", "RINGKW", "INFO", ""}) {
            assertFalse(KvNode.isMonitorCommand(cmd(name, "x")), name);
        }
        assertFalse(KvNode.isMonitorCommand(new byte[0][]));
    }
}
