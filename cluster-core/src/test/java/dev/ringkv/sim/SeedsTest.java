package dev.ringkv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Running a body per seed, and pointing at the seed that failed. */
class SeedsTest {

    @Test
    void runsCountSeedsFromTheBase() {
        List<Long> seen = new ArrayList<>();
        Seeds.run(3, 100, seen::add, null, null);
        assertEquals(List.of(100L, 101L, 102L), seen);
    }

    @Test
    void aFailureNamesTheSeedAndHowToReplayIt() {
        List<Long> seen = new ArrayList<>();
        AssertionError e = assertThrows(AssertionError.class, () -> Seeds.run(10, 1000, seed -> {
            seen.add(seed);
            if (seed == 1002) {
                throw new IllegalStateException("invariant broken");
            }
        }, null, null));
        assertTrue(e.getMessage().startsWith("simulation failed for seed 1002: replay with -Dringkv.sim.seed=1002"),
                e.getMessage());
        assertEquals("invariant broken", e.getCause().getMessage());
        assertEquals(List.of(1000L, 1001L, 1002L), seen, "stops at the first failure");
    }

    @Test
    void theSeedPropertyReplaysJustThatSeed() {
        List<Long> seen = new ArrayList<>();
        Seeds.run(50, 0, seen::add, "1234", "9");
        assertEquals(List.of(1234L), seen);
    }

    @Test
    void theCountPropertyOverridesTheCount() {
        List<Long> seen = new ArrayList<>();
        Seeds.run(50, 7, seen::add, null, "4");
        assertEquals(List.of(7L, 8L, 9L, 10L), seen);
    }

    @Test
    void theFromPropertySkipsThatManySeedsSoALongRunCanBeSliced() {
        List<Long> seen = new ArrayList<>();
        Seeds.run(50, 7, seen::add, null, "3", "100");
        assertEquals(List.of(107L, 108L, 109L), seen);
        assertThrows(IllegalArgumentException.class, () -> Seeds.run(50, 7, seen::add, null, "3", "-1"));
    }
}
