package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The consistent-hashing ring (DESIGN §4): an immutable, versioned set of servers, each at the MD5 of its
 * {@code host:port}.
 *
 * <p>Contract:
 * <ul>
 *   <li>Members are kept in <em>ring order</em>: ascending unsigned position. Two distinct servers at the
 *       same position (an MD5 collision, odds about n²/2<sup>129</sup>) are rejected with
 *       {@link IllegalArgumentException}: one of them would coordinate an empty arc, which a {@link Range}
 *       cannot express and KEYRANGE cannot carry. The ECS should refuse such a join with that message.
 *   <li>A server coordinates {@code (predecessor, itself]}, wrapping at zero; a one-server ring's server
 *       coordinates everything. A position's replica set is its coordinator, then the next distinct
 *       servers clockwise, {@code min(rf, size)} in all.
 *   <li>{@code version} is the metadata version (monotonic, assigned by the ECS); {@code term} is the ECS
 *       term that stamped it. Every derived ring ({@link #withMember}, {@link #withoutMember},
 *       {@link #withTerm}) has {@code version + 1}.
 *   <li>Pure value: no I/O, no clock, safe to share between threads. {@link #equals} compares version,
 *       term and members (with their positions).
 * </ul>
 */
public final class Ring {

    private static final Comparator<Map.Entry<ServerAddress, Position>> RING_ORDER =
            Map.Entry.<ServerAddress, Position>comparingByValue().thenComparing(Map.Entry.comparingByKey());

    private final long version;
    private final long term;
    private final List<ServerAddress> members;
    private final Position[] positions;
    private final Map<ServerAddress, Integer> index;

    /**
     * A ring of the given servers, each at {@link ServerAddress#position()}.
     *
     * @throws IllegalArgumentException on a negative version or term, a duplicate member, or two members
     *                                  at the same position
     */
    public Ring(long version, long term, Collection<ServerAddress> members) {
        this(version, term, positioned(members));
    }

    /**
     * A ring with explicitly placed members, for tests that need chosen positions (zero, the top of the
     * ring, neighbours one apart, collisions). Derived rings place added members at their real hash.
     */
    static Ring placed(long version, long term, Map<ServerAddress, Position> placement) {
        return new Ring(version, term, placement);
    }

    private Ring(long version, long term, Map<ServerAddress, Position> placement) {
        if (version < 0 || term < 0) {
            throw new IllegalArgumentException("version and term must be >= 0, got version " + version
                    + ", term " + term);
        }
        this.version = version;
        this.term = term;
        List<Map.Entry<ServerAddress, Position>> sorted = new ArrayList<>(placement.entrySet());
        sorted.sort(RING_ORDER);
        ServerAddress[] addrs = new ServerAddress[sorted.size()];
        this.positions = new Position[sorted.size()];
        this.index = new HashMap<>();
        for (int i = 0; i < addrs.length; i++) {
            addrs[i] = Objects.requireNonNull(sorted.get(i).getKey(), "member");
            positions[i] = Objects.requireNonNull(sorted.get(i).getValue(), "position");
            if (i > 0 && positions[i].equals(positions[i - 1])) {
                throw new IllegalArgumentException("members " + addrs[i - 1] + " and " + addrs[i]
                        + " hash to the same ring position " + positions[i]);
            }
            index.put(addrs[i], i);
        }
        this.members = List.of(addrs);
    }

    private static Map<ServerAddress, Position> positioned(Collection<ServerAddress> members) {
        Map<ServerAddress, Position> placement = new LinkedHashMap<>();
        for (ServerAddress m : members) {
            Objects.requireNonNull(m, "member");
            if (placement.put(m, m.position()) != null) {
                throw new IllegalArgumentException("duplicate member " + m);
            }
        }
        return placement;
    }

    public long version() {
        return version;
    }

    public long term() {
        return term;
    }

    /** The members in ring order (ascending position); unmodifiable. */
    public List<ServerAddress> members() {
        return members;
    }

    public int size() {
        return members.size();
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    public boolean contains(ServerAddress member) {
        return index.containsKey(member);
    }

    /** @throws IllegalArgumentException if {@code member} is not in this ring */
    public Position positionOf(ServerAddress member) {
        return positions[indexOf(member)];
    }

    /**
     * The server coordinating {@code p}: the first member clockwise at or after {@code p}, wrapping.
     *
     * @throws IllegalStateException on an empty ring ("empty ring")
     */
    public ServerAddress coordinatorOf(Position p) {
        return members.get(coordinatorIndex(p));
    }

    /** The coordinator of a key (at the MD5 of its bytes). */
    public ServerAddress coordinatorOf(byte[] key) {
        return coordinatorOf(Hashing.position(key));
    }

    /** The member just counter-clockwise of {@code member}; itself in a one-server ring. */
    public ServerAddress predecessorOf(ServerAddress member) {
        return members.get(step(indexOf(member), -1));
    }

    /** The member just clockwise of {@code member}; itself in a one-server ring. */
    public ServerAddress successorOf(ServerAddress member) {
        return members.get(step(indexOf(member), 1));
    }

    /** The arc {@code member} coordinates: {@code (predecessor, member]}; the full ring when alone. */
    public Range rangeOf(ServerAddress member) {
        return replicaRangeOf(member, 1);
    }

    /**
     * The replica set of {@code p}: its coordinator first, then the next distinct servers clockwise;
     * {@code min(replicationFactor, size)} servers.
     *
     * @throws IllegalArgumentException if {@code replicationFactor < 1}
     * @throws IllegalStateException    on an empty ring
     */
    public List<ServerAddress> replicasOf(Position p, int replicationFactor) {
        requireReplicationFactor(replicationFactor);
        int first = coordinatorIndex(p);
        int n = Math.min(replicationFactor, size());
        ServerAddress[] replicas = new ServerAddress[n];
        for (int i = 0; i < n; i++) {
            replicas[i] = members.get(step(first, i));
        }
        return List.of(replicas);
    }

    /** The replica set of a key (at the MD5 of its bytes). */
    public List<ServerAddress> replicasOf(byte[] key, int replicationFactor) {
        return replicasOf(Hashing.position(key), replicationFactor);
    }

    /**
     * The positions {@code member} holds as coordinator or replica: {@code (rf-th predecessor, member]};
     * the full ring ({@code Range(p, p)} at its own position) when {@code size <= rf}.
     *
     * @throws IllegalArgumentException if {@code member} is not in this ring or {@code rf < 1}
     */
    public Range replicaRangeOf(ServerAddress member, int replicationFactor) {
        requireReplicationFactor(replicationFactor);
        int i = indexOf(member);
        if (size() <= replicationFactor) {
            return Range.full(positions[i]);
        }
        return new Range(positions[step(i, -replicationFactor)], positions[i]);
    }

    /**
     * Whether {@code member} is in the replica set of {@code p}. A server that is not in this ring is
     * responsible for nothing (no exception: a removed server asks exactly this).
     */
    public boolean isResponsible(ServerAddress member, Position p, int replicationFactor) {
        requireReplicationFactor(replicationFactor);
        return contains(member) && replicaRangeOf(member, replicationFactor).contains(p);
    }

    /** This ring plus {@code member} at its hash, version + 1, same term. */
    public Ring withMember(ServerAddress member) {
        Objects.requireNonNull(member, "member");
        if (contains(member)) {
            throw new IllegalArgumentException(member + " is already a member of ring v" + version);
        }
        Map<ServerAddress, Position> next = placement();
        next.put(member, member.position());
        return new Ring(version + 1, term, next);
    }

    /** This ring minus {@code member}, version + 1, same term. */
    public Ring withoutMember(ServerAddress member) {
        indexOf(member);
        Map<ServerAddress, Position> next = placement();
        next.remove(member);
        return new Ring(version + 1, term, next);
    }

    /**
     * The same members stamped by a (new) ECS term, version + 1: a new leader republishes the ring under
     * its own term so stale-term metadata can be fenced.
     *
     * @throws IllegalArgumentException if {@code newTerm} is lower than this ring's term
     */
    public Ring withTerm(long newTerm) {
        if (newTerm < term) {
            throw new IllegalArgumentException("term cannot go back from " + term + " to " + newTerm);
        }
        return new Ring(version + 1, newTerm, placement());
    }

    /** Ring versions an ECS term may use before the next term's first version (see {@link #takenOverIn}). */
    public static final long VERSIONS_PER_TERM = 1_000_000;

    /**
     * The ring a newly elected ECS publishes (DESIGN §8): the same members stamped by its term, with version
     * {@code max(version + 1, term × 1,000,000)}. So every ring of a newer term is newer than any ring an
     * older term's ECS may still publish to a minority it is cut off with — a version alone orders rings
     * across terms, and a message carrying a ring version is fenced by it.
     */
    public Ring takenOverIn(long newTerm) {
        if (newTerm <= term) {
            throw new IllegalArgumentException("a takeover needs a newer term than " + term + ", got " + newTerm);
        }
        return new Ring(Math.max(version + 1, Math.multiplyExact(newTerm, VERSIONS_PER_TERM)), newTerm, placement());
    }

    /** The fraction of the ring (of 2<sup>128</sup> positions) {@code member} coordinates, in (0, 1]. */
    public double ownership(ServerAddress member) {
        Range r = rangeOf(member);
        if (r.isFull()) {
            return 1.0;
        }
        long lo = r.to().lo() - r.from().lo();
        long borrow = Long.compareUnsigned(r.to().lo(), r.from().lo()) < 0 ? 1 : 0;
        long hi = r.to().hi() - r.from().hi() - borrow;
        return unsignedToDouble(hi) * 0x1p-64 + unsignedToDouble(lo) * 0x1p-128;
    }

    /**
     * KEYRANGE in the original system's format: per member in ring order {@code from,to,host:port;}, with
     * {@code from} its predecessor's position (exclusive) and {@code to} its own (inclusive), 32 lower-case
     * hex digits each. Empty ring: the empty string.
     */
    public String keyrangeText() {
        return Keyrange.format(this, 1);
    }

    /**
     * KEYRANGE_READ: as {@link #keyrangeText()} but {@code from} is the start of the member's replica
     * range, since a member serves (eventual) reads for every position it holds.
     */
    public String keyrangeReadText(int replicationFactor) {
        requireReplicationFactor(replicationFactor);
        return Keyrange.format(this, replicationFactor);
    }

    /** {@link #parseKeyrange(String, long, long)} with term 0: KEYRANGE does not carry the term. */
    public static Ring parseKeyrange(String text, long version) {
        return parseKeyrange(text, version, 0);
    }

    /**
     * Parses {@link #keyrangeText()} output back to a ring. Entries may come in any order; a trailing
     * {@code ;} and surrounding whitespace are optional.
     *
     * @throws IllegalArgumentException if the text is malformed or inconsistent: a position that is not
     *                                  the MD5 of its {@code host:port}, or a {@code from} that is not the
     *                                  predecessor's position
     */
    public static Ring parseKeyrange(String text, long version, long term) {
        return Keyrange.parse(text, version, term);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ring r && version == r.version && term == r.term && members.equals(r.members)
                && Arrays.equals(positions, r.positions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, term, members);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Ring{v").append(version).append(" term ").append(term)
                .append(':');
        for (int i = 0; i < positions.length; i++) {
            sb.append(' ').append(members.get(i)).append('@').append(positions[i].hex(), 0, 8);
        }
        return sb.append('}').toString();
    }

    private int indexOf(ServerAddress member) {
        Integer i = index.get(member);
        if (i == null) {
            throw new IllegalArgumentException(member + " is not a member of ring v" + version);
        }
        return i;
    }

    private int coordinatorIndex(Position p) {
        Objects.requireNonNull(p, "position");
        if (isEmpty()) {
            throw new IllegalStateException("empty ring");
        }
        int i = Arrays.binarySearch(positions, p);
        if (i >= 0) {
            return i;
        }
        int insertion = -i - 1; // first member after p; past the top wraps to the lowest
        return insertion == positions.length ? 0 : insertion;
    }

    private int step(int i, int delta) {
        return Math.floorMod(i + delta, size());
    }

    private Map<ServerAddress, Position> placement() {
        Map<ServerAddress, Position> m = new LinkedHashMap<>();
        for (int i = 0; i < positions.length; i++) {
            m.put(members.get(i), positions[i]);
        }
        return m;
    }

    private static void requireReplicationFactor(int rf) {
        if (rf < 1) {
            throw new IllegalArgumentException("replication factor must be >= 1, got " + rf);
        }
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
    }
}
