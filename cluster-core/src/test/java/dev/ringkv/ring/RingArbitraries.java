package dev.ringkv.ring;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Generators shared by the ring property tests. */
final class RingArbitraries {

    private RingArbitraries() {
    }

    /** Random hosts (names, dotted quads, localhost) and ports. */
    static Arbitrary<ServerAddress> servers() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withChars('-', '.')
                .ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> ips = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3));
        Arbitrary<String> hosts = Arbitraries.oneOf(names, ips, Arbitraries.just("localhost"));
        return Combinators.combine(hosts, Arbitraries.integers().between(1, 65535)).as(ServerAddress::new);
    }

    static Arbitrary<List<ServerAddress>> members(int min, int max) {
        return servers().list().uniqueElements().ofMinSize(min).ofMaxSize(max);
    }

    /** Uniform 128-bit positions (jqwik adds 0, 1, max and friends as edge cases). */
    static Arbitrary<BigInteger> positions() {
        return Arbitraries.bigIntegers().between(BigInteger.ZERO, NaiveRing.SPACE.subtract(BigInteger.ONE));
    }

    static Arbitrary<List<BigInteger>> keys() {
        return positions().list().ofMaxSize(16);
    }
}
