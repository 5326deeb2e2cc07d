package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.str;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anti-entropy's digest (issue 17, item 7): two replicas that hold different values under one version must
 * not look identical, and when a repair brings them together they must keep the same one.
 */
class DigestTest {

    private static final Range ALL = Range.full(Position.ZERO);

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    /** A store holding the same 50 keys as any other, plus {@code k} = {@code value} at version 1.1000. */
    private static LogStore holding(Path dir, String value, int inlineValueBytes) {
        LogStore s = LogStore.open(options(dir).inlineValueBytes(inlineValueBytes).build());
        for (int i = 0; i < 50; i++) {
            s.apply(b("key-" + i), b("value-" + i), v(i + 1));
        }
        s.apply(b("k"), b(value), v(1_000));
        s.flush();
        return s;
    }

    @Test
    void differentValuesUnderOneVersionDigestDifferently() {
        // in memory (inline) and on disk only: the hash is kept in the key directory either way
        for (int inline : List.of(4096, 0)) {
            try (LogStore a = holding(dirA.resolve("m" + inline), "x", inline);
                 LogStore b = holding(dirB.resolve("m" + inline), "y", inline)) {
                assertNotEquals(a.digest(ALL), b.digest(ALL), "inline limit " + inline);
                assertEquals(a.digest(ALL).entries(), b.digest(ALL).entries());
            }
        }
    }

    @Test
    void equalValuesDigestEquallyWhateverTheOrderOfWritesAndAfterRecoveryAndCompaction() {
        Digest expected;
        try (LogStore a = holding(dirA, "x", 4096)) {
            expected = a.digest(ALL);
        }
        try (LogStore b = LogStore.open(options(dirB).inlineValueBytes(0).build())) {
            b.apply(b("k"), b("x"), v(1_000));
            for (int i = 49; i >= 0; i--) {
                b.apply(b("key-" + i), b("old"), new Version(0, 0, i + 1)); // an older version first, then the one that stays
                b.apply(b("key-" + i), b("value-" + i), v(i + 1));
            }
            b.flush();
            assertEquals(expected, b.digest(ALL), "the digest depends on what is held, not on how it got there");
        }
        // recovery computes the hash again from the records on disk: the same digest
        try (LogStore a = LogStore.open(options(dirA).build()); LogStore b = LogStore.open(options(dirB).build())) {
            assertEquals(expected, a.digest(ALL));
            assertEquals(expected, b.digest(ALL));
        }
    }

    @Test
    void aTieOfVersionsKeepsTheSameValueOnEveryHolderWhateverTheOrder() {
        String kept;
        try (LogStore a = LogStore.open(options(dirA).build()); LogStore b = LogStore.open(options(dirB).build())) {
            a.apply(b("k"), b("x"), v(7));
            a.apply(b("k"), b("y"), v(7));
            b.apply(b("k"), b("y"), v(7));
            b.apply(b("k"), b("x"), v(7));
            a.flush();
            b.flush();
            kept = str(a.get(b("k")).value());
            assertEquals(kept, str(b.get(b("k")).value()), "both holders keep the same value");
            assertEquals(a.digest(ALL), b.digest(ALL));
            // the same copy again changes nothing (re-sent copies are idempotent)
            String other = kept.equals("x") ? "y" : "x";
            assertEquals(false, a.apply(b("k"), b(kept), v(7)));
            assertEquals(false, a.apply(b("k"), b(other), v(7)));
            // a tombstone of the same version loses to the value (its hash is 0); a newer version still wins
            assertEquals(false, a.apply(b("k"), null, v(7)));
            assertEquals(true, a.apply(b("k"), b("z"), v(8)));
            a.flush();
        }
        // recovery reads both records of version 7 on b and keeps the same one as before
        try (LogStore a = LogStore.open(options(dirA).build()); LogStore b = LogStore.open(options(dirB).build())) {
            assertEquals("z", str(a.get(b("k")).value()));
            assertEquals(kept, str(b.get(b("k")).value()), "recovery breaks the tie as the writes did");
            assertEquals(Long.compareUnsigned(Digest.valueHash(b("x")), Digest.valueHash(b("y"))) > 0 ? "x" : "y", kept,
                    "the greater value hash wins");
        }
    }

    @Test
    void valueHashesTellValuesApartAndNeverLookLikeATombstone() {
        assertEquals(0, Digest.valueHash(null));
        // MurmurHash3_x64_128's published vector (seed 0): the hash is the first half of it
        assertEquals(0xe34bbc7bbc071b6cL, Digest.valueHash(b("The quick brown fox jumps over the lazy dog")));
        java.util.Set<Long> seen = new java.util.HashSet<>();
        java.util.Random rnd = new java.util.Random(1);
        for (int length = 0; length < 80; length++) {
            byte[] v = new byte[length];
            rnd.nextBytes(v);
            assertNotEquals(0, Digest.valueHash(v));
            assertEquals(true, seen.add(Digest.valueHash(v)), "length " + length);
            for (int i = 0; i < length; i++) {
                v[i] ^= 1; // one bit anywhere, the tail bytes included, changes the hash
                assertEquals(true, seen.add(Digest.valueHash(v)), "length " + length + ", bit flipped at " + i);
                v[i] ^= 1;
            }
            byte[] padded = new byte[length + 3];
            System.arraycopy(v, 0, padded, 2, length);
            assertEquals(Digest.valueHash(v), Digest.valueHash(padded, 2, length), "an offset into a larger array");
        }
    }
}
