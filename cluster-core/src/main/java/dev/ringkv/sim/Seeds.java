package dev.ringkv.sim;

import java.util.function.LongConsumer;

/**
 * Runs a simulation body once per seed, JUnit-style: the first failing seed stops the run with an
 * {@link AssertionError} whose message starts {@code simulation failed for seed <S>: replay with
 * -Dringkv.sim.seed=<S>} (the original failure is its cause).
 *
 * <p>Seeds are {@code baseSeed, baseSeed + 1, ...}. System properties: {@value #SEED_PROPERTY} runs that one
 * seed only (a replay); {@value #COUNT_PROPERTY} overrides the count (a profile runs thousands).
 */
public final class Seeds {

    public static final String SEED_PROPERTY = "ringkv.sim.seed";
    public static final String COUNT_PROPERTY = "ringkv.sim.seeds";

    private Seeds() {
    }

    /** Runs {@code body} for {@code count} seeds from {@code baseSeed}, honouring the system properties. */
    public static void run(int count, long baseSeed, LongConsumer body) {
        run(count, baseSeed, body, System.getProperty(SEED_PROPERTY), System.getProperty(COUNT_PROPERTY));
    }

    /** As {@link #run(int, long, LongConsumer)} with the property values given (null = unset). */
    static void run(int count, long baseSeed, LongConsumer body, String onlySeed, String countOverride) {
        if (onlySeed != null && !onlySeed.isBlank()) {
            runOne(Long.parseLong(onlySeed.trim()), body);
            return;
        }
        int n = countOverride != null && !countOverride.isBlank() ? Integer.parseInt(countOverride.trim()) : count;
        for (int i = 0; i < n; i++) {
            runOne(baseSeed + i, body);
        }
    }

    private static void runOne(long seed, LongConsumer body) {
        try {
            body.accept(seed);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation failed for seed " + seed + ": replay with -D" + SEED_PROPERTY
                    + "=" + seed + " (" + e + ")", e);
        }
    }
}
