package dev.ringkv.ring;

import java.util.Objects;

/**
 * One data movement of a rebalance (DESIGN §7): server {@code from} streams every key in {@code range} to
 * server {@code to}. Produced by {@link Placement#diff}.
 */
public record Transfer(Range range, ServerAddress from, ServerAddress to) {

    public Transfer {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (from.equals(to)) {
            throw new IllegalArgumentException("a transfer needs two servers, got " + from + " twice");
        }
    }

    @Override
    public String toString() {
        return from + " -> " + to + " " + range;
    }
}
