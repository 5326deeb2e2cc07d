package dev.ringkv.storage;

/**
 * The version of a write (DESIGN §1, §6): three explicit fields, compared one after the other and never
 * packed into one number — the term of the ECS that was in charge when it was stamped, the version of the
 * ring its coordinator served under, and a sequence number (a Lamport clock: each coordinator's own,
 * raised past every copy it applies). So a write coordinated under a newer ring beats one made under an
 * older ring whichever server made it, however many terms the cluster has lived through. Replicas and
 * recovery keep the highest version; never wall-clock.
 *
 * <p>Records written before the ring field existed (segment format 1) read as ring 0.
 */
public record Version(long term, long ring, long seq) implements Comparable<Version> {

    public static final Version NONE = new Version(0, 0, 0);

    @Override
    public int compareTo(Version o) {
        return compare(term, ring, seq, o.term, o.ring, o.seq);
    }

    /** Compares two versions given as their fields (term, then ring version, then sequence). */
    public static int compare(long term1, long ring1, long seq1, long term2, long ring2, long seq2) {
        int c = Long.compare(term1, term2);
        if (c == 0) {
            c = Long.compare(ring1, ring2);
        }
        return c != 0 ? c : Long.compare(seq1, seq2);
    }

    public boolean isNewerThan(Version o) {
        return compareTo(o) > 0;
    }

    public static Version max(Version a, Version b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** {@code term.ring.seq}, as {@code ringkv dump} and {@code INFO}'s {@code last_version} print it. */
    @Override
    public String toString() {
        return term + "." + ring + "." + seq;
    }
}
