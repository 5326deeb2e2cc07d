package dev.ringkv.ring;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** MD5 ring positions (DESIGN §4). Thread-safe: one digest per thread. */
public final class Hashing {

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by the Java platform", e);
        }
    });

    private Hashing() {
    }

    /** The 128-bit unsigned MD5 of the bytes, as a ring position. */
    public static Position position(byte[] bytes) {
        byte[] d = MD5.get().digest(bytes);
        return new Position(toLong(d, 0), toLong(d, 8));
    }

    private static long toLong(byte[] b, int off) {
        long v = 0;
        for (int i = off; i < off + 8; i++) {
            v = (v << 8) | (b[i] & 0xffL);
        }
        return v;
    }
}
