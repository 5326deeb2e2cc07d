package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The placement diff between two rings (DESIGN §4, §7): which data must move before {@code after} can be
 * published, and what each server may delete once it is.
 *
 * <p>A position's <em>holders</em> in a ring are its replica set, {@code min(rf, size)} servers (none in an
 * empty ring). Holder sets only change at member positions, so both rings' member positions cut the ring
 * into elementary arcs on which everything is constant; results are those arcs merged into maximal
 * contiguous arcs, so every boundary is a member position of one ring or the other. An arc that covers the
 * whole ring is {@code Range(p, p)}.
 *
 * <p>Pure functions of their arguments; the rings' versions and terms are not looked at.
 */
public final class Placement {

    private static final Comparator<Transfer> ORDER = Comparator
            .comparing((Transfer t) -> t.range().from())
            .thenComparing(Transfer::to)
            .thenComparing(Transfer::from);

    private Placement() {
    }

    /**
     * The transfers that give every holder in {@code after} the positions it did not hold in
     * {@code before}. For each position and each new holder {@code h} not among its old holders there is
     * exactly one transfer covering it, to {@code h}, from an old holder chosen as:
     * <ol>
     *   <li>the old coordinator, if it is still in {@code after};
     *   <li>else the first old replica (clockwise) still in {@code after};
     *   <li>else — no old holder survives, e.g. all crashed or a graceful leave with rf 1 — the old
     *       coordinator anyway. Whether it can still serve (a leaving server) or the data is lost (crashed)
     *       is for the rebalance code to decide.
     * </ol>
     * No transfer covers a position whose new holders are all old holders. An empty {@code before} has no
     * data, so yields no transfers.
     *
     * @return transfers ordered by range start, then target, then source
     * @throws IllegalArgumentException if {@code replicationFactor < 1}
     */
    public static List<Transfer> diff(Ring before, Ring after, int replicationFactor) {
        Arcs arcs = new Arcs(before, after, replicationFactor);
        Map<Move, List<Integer>> moves = new LinkedHashMap<>();
        for (int i = 0; i < arcs.count(); i++) {
            List<ServerAddress> oldHolders = arcs.holders(before, i);
            if (oldHolders.isEmpty()) {
                continue;
            }
            ServerAddress source = sourceAmong(oldHolders, after);
            for (ServerAddress h : arcs.holders(after, i)) {
                if (!oldHolders.contains(h)) {
                    moves.computeIfAbsent(new Move(source, h), k -> new ArrayList<>()).add(i);
                }
            }
        }
        List<Transfer> transfers = new ArrayList<>();
        moves.forEach((move, covered) -> {
            for (Range r : arcs.maximalRuns(covered)) {
                transfers.add(new Transfer(r, move.from(), move.to()));
            }
        });
        transfers.sort(ORDER);
        return List.copyOf(transfers);
    }

    /**
     * Per server of {@code before}, the arcs it held and no longer holds in {@code after}: what it may
     * delete once {@code after} is published. Servers missing from {@code after} drop everything they held.
     *
     * @return servers in {@code before}'s ring order (only those that drop something), each with its arcs
     *         ordered by range start; unmodifiable
     * @throws IllegalArgumentException if {@code replicationFactor < 1}
     */
    public static Map<ServerAddress, List<Range>> dropped(Ring before, Ring after, int replicationFactor) {
        Arcs arcs = new Arcs(before, after, replicationFactor);
        Map<ServerAddress, List<Integer>> lost = new LinkedHashMap<>();
        for (int i = 0; i < arcs.count(); i++) {
            List<ServerAddress> newHolders = arcs.holders(after, i);
            for (ServerAddress h : arcs.holders(before, i)) {
                if (!newHolders.contains(h)) {
                    lost.computeIfAbsent(h, k -> new ArrayList<>()).add(i);
                }
            }
        }
        Map<ServerAddress, List<Range>> result = new LinkedHashMap<>();
        for (ServerAddress m : before.members()) {
            List<Integer> covered = lost.get(m);
            if (covered != null) {
                List<Range> ranges = new ArrayList<>(arcs.maximalRuns(covered));
                ranges.sort(Comparator.comparing(Range::from));
                result.put(m, List.copyOf(ranges));
            }
        }
        return Collections.unmodifiableMap(result);
    }

    private static ServerAddress sourceAmong(List<ServerAddress> oldHolders, Ring after) {
        for (ServerAddress h : oldHolders) {
            if (after.contains(h)) {
                return h;
            }
        }
        return oldHolders.get(0);
    }

    private record Move(ServerAddress from, ServerAddress to) {
    }

    /**
     * The elementary arcs: cut points are the member positions of both rings, ascending; arc {@code i} is
     * {@code (cut[i - 1], cut[i]]}, arc 0 wrapping from the last cut. One cut point means one full arc.
     */
    private static final class Arcs {
        private final Position[] cuts;
        private final int rf;

        Arcs(Ring before, Ring after, int rf) {
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
            if (rf < 1) {
                throw new IllegalArgumentException("replication factor must be >= 1, got " + rf);
            }
            TreeSet<Position> all = new TreeSet<>();
            before.members().forEach(m -> all.add(before.positionOf(m)));
            after.members().forEach(m -> all.add(after.positionOf(m)));
            this.cuts = all.toArray(new Position[0]);
            this.rf = rf;
        }

        int count() {
            return cuts.length;
        }

        /** The holders of arc {@code i} in {@code ring}; its end point stands for the whole arc. */
        List<ServerAddress> holders(Ring ring, int i) {
            return ring.isEmpty() ? List.of() : ring.replicasOf(cuts[i], rf);
        }

        /** The given arcs (ascending indices, at least one) merged into maximal runs, wrapping past zero. */
        List<Range> maximalRuns(List<Integer> covered) {
            int n = cuts.length;
            if (covered.size() == n) {
                return List.of(Range.full(cuts[n - 1]));
            }
            List<int[]> runs = new ArrayList<>();
            int start = covered.get(0);
            int end = start;
            for (int a : covered.subList(1, covered.size())) {
                if (a != end + 1) {
                    runs.add(new int[] {start, end});
                    start = a;
                }
                end = a;
            }
            runs.add(new int[] {start, end});
            if (runs.size() > 1 && runs.get(0)[0] == 0 && end == n - 1) {
                runs.get(0)[0] = runs.remove(runs.size() - 1)[0]; // the run across zero
            }
            List<Range> ranges = new ArrayList<>();
            for (int[] r : runs) {
                ranges.add(new Range(cuts[Math.floorMod(r[0] - 1, n)], cuts[r[1]]));
            }
            return ranges;
        }
    }
}
