package dev.ringkv.launcher.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Millisecond samples with the order statistics the benchmarks print. */
final class Samples {
    private final List<Double> values = new ArrayList<>();

    void add(double millis) {
        values.add(millis);
    }

    int size() {
        return values.size();
    }

    double percentile(double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    String summary() {
        if (values.isEmpty()) {
            return "no samples";
        }
        return String.format(Locale.ROOT, "n=%d  median %.1f ms  p99 %.1f ms  min %.1f ms  max %.1f ms", values.size(),
                percentile(50), percentile(99), percentile(0), percentile(100));
    }
}
