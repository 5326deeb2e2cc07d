package dev.ringkv.ring;

/**
 * A half-open arc of the ring, {@code (from, to]}, walking clockwise and wrapping at zero.
 * {@code from == to} is the whole ring (a one-server ring coordinates everything).
 */
public record Range(Position from, Position to) {

    public boolean isFull() {
        return from.equals(to);
    }

    public boolean contains(Position p) {
        int c = from.compareTo(to);
        if (c == 0) {
            return true;
        }
        if (c < 0) {
            return p.compareTo(from) > 0 && p.compareTo(to) <= 0;
        }
        // wraps past zero
        return p.compareTo(from) > 0 || p.compareTo(to) <= 0;
    }

    public static Range full(Position at) {
        return new Range(at, at);
    }

    @Override
    public String toString() {
        return "(" + from.hex() + ", " + to.hex() + "]";
    }
}
