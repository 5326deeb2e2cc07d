package dev.ringkv.client;

/**
 * {@code -WRITE_LOCK} (a range is switching owner), {@code -STOPPED} (the node is not serving yet) or
 * {@code -TRYAGAIN} (a forward or a copy went unanswered, or the node has no lease): retry shortly.
 */
public final class RetryableServerException extends ServerErrorException {
    public RetryableServerException(String text) {
        super(text);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
