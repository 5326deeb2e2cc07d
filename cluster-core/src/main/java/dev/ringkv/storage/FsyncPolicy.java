package dev.ringkv.storage;

import java.util.Locale;

/**
 * When appended records are forced to the disk (DESIGN §9). In every policy a write is acknowledged
 * only after its record was handed to the operating system, so it survives the death of the process;
 * the policy decides what survives the death of the machine.
 */
public enum FsyncPolicy {
    /** fsync before acknowledging: every write of one event-loop turn shares one fsync (group commit). */
    ALWAYS,
    /** fsync once a second from a background thread: a power loss can lose up to ~1 s of writes. */
    EVERYSEC,
    /** never fsync: the operating system writes back when it likes. */
    NO;

    public static FsyncPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown fsync policy '" + text + "' (expected always, everysec or no)");
        }
    }
}
