package dev.ringkv.storage;

import static dev.ringkv.storage.Fixtures.b;
import static dev.ringkv.storage.Fixtures.options;
import static dev.ringkv.storage.Fixtures.str;
import static dev.ringkv.storage.Fixtures.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ring-ordered scan against a deliberately naive reference: filter everything, sort by walk order. */
class ScanTest {

    private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);

    @TempDir
    Path dir;

    private LogStore store;
    private List<Position> keyPositions;

    @BeforeEach
    void fill() {
        store = LogStore.open(options(dir).inlineValueBytes(8).build());
        for (int i = 0; i < 400; i++) {
            store.apply(b("key-" + i), b("value-" + i), v(i + 1));
        }
        for (int i = 0; i < 400; i += 7) {
            store.apply(b("key-" + i), null, v(1_000 + i));
        }
        store.flush();
        keyPositions = store.scan(Range.full(Position.ZERO), null, Integer.MAX_VALUE, true).stream()
                .map(StoredEntry::position).toList();
        assertEquals(400, keyPositions.size());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private List<String> naive(Range range, boolean includeTombstones) {
        BigInteger from = range.from().toBigInteger();
        Comparator<StoredEntry> walk = Comparator
                .comparing((StoredEntry e) -> e.position().toBigInteger().subtract(from).subtract(BigInteger.ONE).mod(RING))
                .thenComparing(StoredEntry::key, Arrays::compareUnsigned);
        List<StoredEntry> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            all.add(store.get(b("key-" + i)));
        }
        return all.stream().filter(e -> range.contains(e.position()))
                .filter(e -> includeTombstones || !e.isTombstone())
                .sorted(walk).map(e -> str(e.key())).toList();
    }

    private List<String> paged(Range range, int pageSize, boolean includeTombstones) {
        List<String> keys = new ArrayList<>();
        StoredEntry after = null;
        for (int pages = 0; pages < 1_000; pages++) {
            List<StoredEntry> page = store.scan(range, after, pageSize, includeTombstones);
            assertTrue(page.size() <= pageSize);
            page.forEach(e -> keys.add(str(e.key())));
            if (page.size() < pageSize) {
                return keys;
            }
            after = page.get(page.size() - 1);
        }
        throw new AssertionError("paging did not end");
    }

    private void check(Range range, int pageSize, boolean includeTombstones) {
        assertEquals(naive(range, includeTombstones), paged(range, pageSize, includeTombstones),
                () -> range + " page " + pageSize + " tombstones " + includeTombstones);
    }

    @Test
    void aNormalRangeIsWalkedInRingOrder() {
        Range range = new Range(Position.fromHex("20000000000000000000000000000000"),
                Position.fromHex("90000000000000000000000000000000"));
        check(range, 1, false);
        check(range, 13, true);
        check(range, 1_000, false);
    }

    @Test
    void aWrappingRangeIsWalkedFromItsStartAcrossZeroToItsEnd() {
        Range range = new Range(Position.fromHex("c0000000000000000000000000000000"),
                Position.fromHex("30000000000000000000000000000000"));
        List<String> keys = paged(range, 7, false);
        check(range, 7, false);
        check(range, 1, true);
        StoredEntry first = store.get(b(keys.get(0)));
        StoredEntry last = store.get(b(keys.get(keys.size() - 1)));
        assertTrue(first.position().compareTo(range.from()) > 0, "starts past `from`");
        assertTrue(last.position().compareTo(range.to()) <= 0, "ends before `to`, after wrapping");
    }

    @Test
    void aFullRangeHoldsEverythingStartingAfterItsPoint() {
        check(Range.full(Position.ZERO), 50, true);
        check(Range.full(Position.MAX), 9, false);
        Range atKey = Range.full(keyPositions.get(100));
        List<String> keys = paged(atKey, 33, true);
        assertEquals(400, keys.size());
        assertEquals(str(store.scan(Range.full(Position.ZERO), null, Integer.MAX_VALUE, true).get(100).key()),
                keys.get(keys.size() - 1), "the key at the point itself comes last");
        check(atKey, 33, true);
    }

    @Test
    void endpointsAtKeyPositionsAreExclusiveThenInclusive() {
        Position from = keyPositions.get(10);
        Position to = keyPositions.get(20);
        List<StoredEntry> got = store.scan(new Range(from, to), null, 100, true);
        assertEquals(10, got.size());
        assertEquals(keyPositions.get(11), got.get(0).position());
        assertEquals(to, got.get(9).position());
    }

    @Test
    void randomRangesAndPagesMatchTheNaiveFilter() {
        Random random = new Random(99);
        for (int i = 0; i < 150; i++) {
            Position from = pick(random);
            Position to = random.nextInt(10) == 0 ? from : pick(random);
            check(new Range(from, to), 1 + random.nextInt(40), random.nextBoolean());
        }
    }

    private Position pick(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> keyPositions.get(random.nextInt(keyPositions.size()));
            case 1 -> random.nextBoolean() ? Position.ZERO : Position.MAX;
            default -> new Position(random.nextLong(), random.nextLong());
        };
    }

    @Test
    void pagingSurvivesTheLastReturnedKeyBeingDeleted() {
        Range full = Range.full(Position.ZERO);
        List<String> expected = naive(full, false);
        List<StoredEntry> first = store.scan(full, null, 50, false);
        StoredEntry last = first.get(49);
        store.apply(last.key(), null, v(5_000));
        List<StoredEntry> rest = store.scan(full, last, 1_000, false);
        List<String> keys = new ArrayList<>();
        first.forEach(e -> keys.add(str(e.key())));
        rest.forEach(e -> keys.add(str(e.key())));
        assertEquals(expected, keys);
    }

    @Test
    void aZeroLimitReturnsNothingAndANegativeOneIsRefused() {
        assertTrue(store.scan(Range.full(Position.ZERO), null, 0, true).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> store.scan(Range.full(Position.ZERO), null, -1, true));
    }

    @Test
    void largeValuesComeBackFromAScan() {
        byte[] large = new byte[5_000];
        Arrays.fill(large, (byte) 'z');
        store.apply(b("large"), large, v(9_000));
        List<StoredEntry> pending = store.scan(Range.full(Position.ZERO), null, 1_000, false);
        store.flush();
        List<StoredEntry> flushed = store.scan(Range.full(Position.ZERO), null, 1_000, false);
        for (List<StoredEntry> entries : List.of(pending, flushed)) {
            StoredEntry e = entries.stream().filter(x -> str(x.key()).equals("large")).findFirst().orElseThrow();
            assertEquals(5_000, e.value().length);
        }
    }
}
