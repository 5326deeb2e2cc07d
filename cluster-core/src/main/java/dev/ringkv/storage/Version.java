package dev.ringkv.storage;

/**
 * The version of a write (DESIGN §6): the term of the ECS that was in charge when it was stamped, then
 * a per-coordinator sequence number. Replicas and recovery keep the highest version; never wall-clock.
 */
public record Version(long term, long seq) implements Comparable<Version> {

    public static final Version NONE = new Version(0, 0);

    @Override
    public int compareTo(Version o) {
        int c = Long.compare(term, o.term);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    public boolean isNewerThan(Version o) {
        return compareTo(o) > 0;
    }

    public static Version max(Version a, Version b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return term + "." + seq;
    }
}
