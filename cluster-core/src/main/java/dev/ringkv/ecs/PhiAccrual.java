package dev.ringkv.ecs;

/**
 * Phi-accrual suspicion (Hayashibara et al., as Cassandra and Akka use it): how unlikely a silence this long
 * is, given the intervals between the answers a member gave so far — {@code phi = -log10(P(interval >=
 * silence))} under a normal distribution fitted to the last {@value #WINDOW} intervals. A silence that a calm
 * link never shows is suspicious within a few heartbeats; the same silence from a member that has been
 * answering late all along (a loaded machine, a slow link) is not.
 *
 * <p>Suspicion only: the ECS still declares a member DOWN only once its lease has run out, with a quorum
 * and a committed ring (issue 17); phi decides how much longer than that a member with a jittery history
 * gets, and when to show SUSPECT. The standard deviation never drops below half a heartbeat interval, so a
 * perfectly regular history does not make a single late answer look like a death.
 *
 * <p>ECS thread only; no clock of its own (the caller passes intervals and silences).
 */
final class PhiAccrual {

    /** Intervals remembered: about ten seconds of answers at the default heartbeat. */
    static final int WINDOW = 100;
    /** Longer intervals are recorded as this (a partition's gap should not make the member immune for long). */
    static final long MAX_INTERVAL_MILLIS = 5_000;

    private final long[] intervals = new long[WINDOW];
    private int count;
    private int next;
    private long sum;
    private long sumOfSquares;
    private final double firstMean;
    private final double minStdDev;

    PhiAccrual(long heartbeatMillis) {
        this.firstMean = heartbeatMillis;
        this.minStdDev = Math.max(1.0, heartbeatMillis / 2.0);
    }

    /** The time between two answers, in ms. */
    void interval(long millis) {
        long v = Math.max(0, Math.min(MAX_INTERVAL_MILLIS, millis));
        if (count == WINDOW) {
            long old = intervals[next];
            sum -= old;
            sumOfSquares -= old * old;
        } else {
            count++;
        }
        intervals[next] = v;
        next = (next + 1) % WINDOW;
        sum += v;
        sumOfSquares += v * v;
    }

    /** Intervals recorded so far (at most {@link #WINDOW}). */
    int count() {
        return count;
    }

    /** The longest interval in the window (0 before the first). */
    long longest() {
        long max = 0;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, intervals[i]);
        }
        return max;
    }

    double mean() {
        return count == 0 ? firstMean : (double) sum / count;
    }

    double stdDev() {
        if (count < 2) {
            return minStdDev;
        }
        double m = mean();
        return Math.max(minStdDev, Math.sqrt(Math.max(0, (double) sumOfSquares / count - m * m)));
    }

    /** Suspicion of a member silent for {@code silenceMillis}: 1 is a 10% chance it is alive, 8 one in 10^8. */
    double phi(long silenceMillis) {
        double m = mean();
        double y = (silenceMillis - m) / stdDev();
        // the logistic approximation of the normal distribution's tail Akka uses (error below 0.0002)
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        double p = silenceMillis > m ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
        return p <= 0 ? Double.POSITIVE_INFINITY : -Math.log10(p);
    }

    /** The shortest silence (ms) whose phi reaches {@code threshold}: what "suspicious" means for this member now. */
    long silenceFor(double threshold) {
        long lo = 0;
        long hi = 60_000;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (phi(mid) >= threshold) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
