package dev.ringkv.node;

/** A scheduled task that has not run yet can be cancelled; cancelling a finished one does nothing. */
@FunctionalInterface
public interface Cancellable {
    void cancel();
}
