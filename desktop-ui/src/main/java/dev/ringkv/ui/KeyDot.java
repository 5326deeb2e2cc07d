package dev.ringkv.ui;

import dev.ringkv.ring.Position;

/** A stored key at its hash position: a dot on the ring. */
public record KeyDot(Position position, double fraction) {

    static KeyDot at(Position p) {
        return new KeyDot(p, RingView.fraction(p));
    }
}
