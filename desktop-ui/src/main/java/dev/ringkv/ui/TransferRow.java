package dev.ringkv.ui;

/**
 * A range transfer or re-replication in progress, as a progress bar shows it.
 *
 * @param progress 0..1, or -1 while the source has not said how many entries the range holds
 */
public record TransferRow(String label, double progress, boolean done) {
}
