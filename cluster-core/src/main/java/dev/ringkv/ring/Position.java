package dev.ringkv.ring;

import java.math.BigInteger;
import java.util.HexFormat;

/**
 * A point on the ring: a 128-bit unsigned integer (the MD5 of a key or of {@code host:port}), held as
 * two longs and compared unsigned. Immutable.
 */
public record Position(long hi, long lo) implements Comparable<Position> {

    public static final Position ZERO = new Position(0L, 0L);
    public static final Position MAX = new Position(-1L, -1L);

    private static final HexFormat HEX = HexFormat.of();

    @Override
    public int compareTo(Position o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    /** 32 lower-case hex digits, zero-padded: the original system's hash format. */
    public String hex() {
        return HEX.toHexDigits(hi) + HEX.toHexDigits(lo); // String.format was a fifth of a simulation's time
    }

    public static Position fromHex(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("a ring position is 32 hex digits, got '" + hex + "'");
        }
        return new Position(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                Long.parseUnsignedLong(hex.substring(16), 16));
    }

    public static Position of(BigInteger value) {
        if (value.signum() < 0 || value.bitLength() > 128) {
            throw new IllegalArgumentException("not a 128-bit unsigned value: " + value);
        }
        return new Position(value.shiftRight(64).longValue(), value.longValue());
    }

    public BigInteger toBigInteger() {
        BigInteger h = new BigInteger(Long.toUnsignedString(hi));
        return h.shiftLeft(64).or(new BigInteger(Long.toUnsignedString(lo)));
    }

    @Override
    public String toString() {
        return hex();
    }
}
