package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.List;

/**
 * The original system's KEYRANGE text: {@code from,to,host:port;} per member in ring order, positions as
 * 32 lower-case hex digits, arcs {@code (from, to]}. {@code from == to} is the full ring. Used through
 * {@link Ring#keyrangeText()}, {@link Ring#keyrangeReadText(int)} and {@link Ring#parseKeyrange}.
 */
final class Keyrange {

    private Keyrange() {
    }

    /** Each member with its {@code (rf-th predecessor, self]} arc; rf 1 gives plain KEYRANGE. */
    static String format(Ring ring, int replicationFactor) {
        StringBuilder sb = new StringBuilder();
        for (ServerAddress m : ring.members()) {
            Range r = ring.replicaRangeOf(m, replicationFactor);
            sb.append(r.from().hex()).append(',').append(r.to().hex()).append(',').append(m).append(';');
        }
        return sb.toString();
    }

    static Ring parse(String text, long version, long term) {
        String body = text.strip();
        if (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1);
        }
        List<Position> froms = new ArrayList<>();
        List<Position> tos = new ArrayList<>();
        List<ServerAddress> addrs = new ArrayList<>();
        if (!body.isEmpty()) {
            for (String entry : body.split(";", -1)) {
                String[] f = entry.strip().split(",", 3);
                if (f.length != 3) {
                    throw new IllegalArgumentException("keyrange entry is not FROM,TO,HOST:PORT: '" + entry + "'");
                }
                try {
                    froms.add(Position.fromHex(f[0]));
                    tos.add(Position.fromHex(f[1]));
                    addrs.add(ServerAddress.parse(f[2]));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("bad keyrange entry '" + entry + "': " + e.getMessage(), e);
                }
            }
        }
        Ring ring = new Ring(version, term, addrs);
        for (int i = 0; i < addrs.size(); i++) {
            ServerAddress m = addrs.get(i);
            Position self = ring.positionOf(m);
            Position pred = ring.positionOf(ring.predecessorOf(m));
            if (!tos.get(i).equals(self)) {
                throw new IllegalArgumentException("keyrange gives " + m + " position " + tos.get(i)
                        + " but its hash is " + self);
            }
            if (!froms.get(i).equals(pred)) {
                throw new IllegalArgumentException("keyrange gives " + m + " range start " + froms.get(i)
                        + " but its predecessor is at " + pred);
            }
        }
        return ring;
    }
}
