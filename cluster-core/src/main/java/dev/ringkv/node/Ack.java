package dev.ringkv.node;

import dev.ringkv.wire.RespValue;

/**
 * Completes a client's reply once every copy a write needs is durable (DESIGN §6): the local store, and
 * during a range transfer the new holder too. The first failure answers the client at once. Node thread only.
 */
final class Ack {
    private final java.util.function.Consumer<RespValue> slot;
    private final RespValue ok;
    private int outstanding;
    private boolean answered;

    Ack(java.util.function.Consumer<RespValue> slot, RespValue ok) {
        this.slot = slot;
        this.ok = ok;
    }

    /** One more copy to wait for. */
    void expect() {
        outstanding++;
    }

    void done() {
        if (--outstanding == 0 && !answered) {
            answered = true;
            slot.accept(ok);
        }
    }

    void fail(RespValue error) {
        if (!answered) {
            answered = true;
            slot.accept(error);
        }
    }
}
