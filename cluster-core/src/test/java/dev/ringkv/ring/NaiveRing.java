package dev.ringkv.ring;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately naive reference ring for property tests: positions are {@link BigInteger}s hashed here
 * with {@link MessageDigest}, and every question is answered by scanning all members for the smallest
 * clockwise distance. Slow and obviously right; {@link Ring} and {@link Placement} are checked against it.
 */
final class NaiveRing {

    static final BigInteger SPACE = BigInteger.ONE.shiftLeft(128);

    private final Map<ServerAddress, BigInteger> positions = new LinkedHashMap<>();

    NaiveRing(Collection<ServerAddress> members) {
        for (ServerAddress m : members) {
            positions.put(m, md5(m.host() + ":" + m.port()));
        }
    }

    static BigInteger md5(String text) {
        return md5(text.getBytes(StandardCharsets.UTF_8));
    }

    static BigInteger md5(byte[] bytes) {
        try {
            return new BigInteger(1, MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** How far clockwise {@code to} is from {@code from}: {@code (to - from) mod 2^128}. */
    static BigInteger clockwise(BigInteger from, BigInteger to) {
        return to.subtract(from).mod(SPACE);
    }

    boolean isEmpty() {
        return positions.isEmpty();
    }

    Collection<ServerAddress> members() {
        return positions.keySet();
    }

    BigInteger position(ServerAddress m) {
        return positions.get(m);
    }

    /** The member at the smallest clockwise distance from the key (distance 0: the member at the key). */
    ServerAddress coordinator(BigInteger key) {
        return positions.keySet().stream()
                .min(Comparator.comparing(m -> clockwise(key, positions.get(m))))
                .orElseThrow();
    }

    /** The coordinator, then repeatedly the coordinator of the position just after the last one taken. */
    List<ServerAddress> replicas(BigInteger key, int rf) {
        List<ServerAddress> replicas = new ArrayList<>();
        if (isEmpty()) {
            return replicas;
        }
        ServerAddress next = coordinator(key);
        while (replicas.size() < Math.min(rf, positions.size())) {
            replicas.add(next);
            next = coordinator(positions.get(next).add(BigInteger.ONE).mod(SPACE));
        }
        return replicas;
    }

    /** The other member at the smallest counter-clockwise distance; the member itself when alone. */
    ServerAddress predecessor(ServerAddress m) {
        BigInteger p = positions.get(m);
        return positions.keySet().stream()
                .filter(x -> !x.equals(m))
                .min(Comparator.comparing(x -> clockwise(positions.get(x), p)))
                .orElse(m);
    }

    /** Every member's position and its two neighbours, plus both ends of the number line. */
    List<BigInteger> boundaries() {
        List<BigInteger> b = new ArrayList<>(List.of(BigInteger.ZERO, SPACE.subtract(BigInteger.ONE)));
        for (BigInteger p : positions.values()) {
            b.add(p.subtract(BigInteger.ONE).mod(SPACE));
            b.add(p);
            b.add(p.add(BigInteger.ONE).mod(SPACE));
        }
        return b;
    }
}
