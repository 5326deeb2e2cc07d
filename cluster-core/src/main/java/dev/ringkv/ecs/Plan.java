package dev.ringkv.ecs;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.ring.Transfer;
import java.util.List;

/**
 * One membership change in progress (DESIGN §7): the ring it leads to and the transfers that must
 * finish before the ECS publishes that ring. ECS thread only.
 */
final class Plan {
    enum Kind { JOIN, LEAVE, REPAIR }

    final long id;
    final Kind kind;
    final ServerAddress subject;
    final Ring target;
    final List<Transfer> transfers;
    final boolean[] done;
    final long[] entriesSent;
    /** Entries in each transfer's range when its source started; -1 until reported. */
    final long[] entriesTotal;
    long lastProgress;
    /** When each transfer's start ({@code XFER}) was last sent, and how: to send it again if its source never answered. */
    final long[] startSentAt;
    String mode;
    long base;
    /** Set once every transfer is done: the server that must stop coordinating before the ring is published. */
    ServerAddress switchAt;
    dev.ringkv.ring.Range switchRange;
    long switchSentAt;

    Plan(long id, Kind kind, ServerAddress subject, Ring target, List<Transfer> transfers, long now) {
        this.id = id;
        this.kind = kind;
        this.subject = subject;
        this.target = target;
        this.transfers = transfers;
        this.done = new boolean[transfers.size()];
        this.entriesSent = new long[transfers.size()];
        this.entriesTotal = new long[transfers.size()];
        java.util.Arrays.fill(entriesTotal, -1);
        this.startSentAt = new long[transfers.size()];
        this.lastProgress = now;
    }

    boolean complete() {
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
    }

    boolean involves(ServerAddress a) {
        if (subject.equals(a)) {
            return true;
        }
        for (Transfer t : transfers) {
            if (t.from().equals(a) || t.to().equals(a)) {
                return true;
            }
        }
        return false;
    }

    /** Entries not yet sent by unfinished transfers (those whose total is known). */
    long entriesMissing() {
        long n = 0;
        for (int i = 0; i < done.length; i++) {
            if (!done[i] && entriesTotal[i] >= 0) {
                n += Math.max(0, entriesTotal[i] - entriesSent[i]);
            }
        }
        return n;
    }

    long totalEntriesSent() {
        long n = 0;
        for (long e : entriesSent) {
            n += e;
        }
        return n;
    }
}
