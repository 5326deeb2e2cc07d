package dev.ringkv.sim;

import java.util.function.LongConsumer;

/**
 * Runs a simulation body once per seed, JUnit-style: the first failing seed stops the run with an
 * {@link AssertionError} whose message starts {@code simulation failed for seed <S>: replay with
 * -Dringkv.sim.seed=<S>} (the original failure is its cause).
 *
 * <p>Seeds are {@code baseSeed, baseSeed + 1, ...}. System properties: {@value #SEED_PROPERTY} runs that one
 * seed only (a replay); {@value #COUNT_PROPERTY} overrides the count (a profile runs thousands);
 * {@value #FROM_PROPERTY} skips that many seeds first, so a long run can be cut into slices run apart
 * ({@code -Dringkv.sim.from=2500 -Dringkv.sim.seeds=2500} is the second half of {@code -Psim-long}).
 */
public final class Seeds {

    public static final String SEED_PROPERTY = "ringkv.sim.seed";
    public static final String COUNT_PROPERTY = "ringkv.sim.seeds";
    public static final String FROM_PROPERTY = "ringkv.sim.from";

    private Seeds() {
    }

    /** Runs {@code body} for {@code count} seeds from {@code baseSeed}, honouring the system properties. */
    public static void run(int count, long baseSeed, LongConsumer body) {
        run(count, baseSeed, body, System.getProperty(SEED_PROPERTY), System.getProperty(COUNT_PROPERTY),
                System.getProperty(FROM_PROPERTY));
    }

    /** As {@link #run(int, long, LongConsumer)} with the property values given (null = unset). */
    static void run(int count, long baseSeed, LongConsumer body, String onlySeed, String countOverride) {
        run(count, baseSeed, body, onlySeed, countOverride, null);
    }

    /** As {@link #run(int, long, LongConsumer)} with the property values given (null = unset). */
    static void run(int count, long baseSeed, LongConsumer body, String onlySeed, String countOverride, String from) {
        if (onlySeed != null && !onlySeed.isBlank()) {
            runOne(Long.parseLong(onlySeed.trim()), body);
            return;
        }
        int n = countOverride != null && !countOverride.isBlank() ? Integer.parseInt(countOverride.trim()) : count;
        int skip = from != null && !from.isBlank() ? Integer.parseInt(from.trim()) : 0;
        if (n < 0 || skip < 0) {
            throw new IllegalArgumentException("-D" + COUNT_PROPERTY + " and -D" + FROM_PROPERTY
                    + " must not be negative: " + n + ", " + skip);
        }
        for (int i = skip; i < skip + n; i++) {
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
