package dev.ringkv.client;

/** {@code -WRITE_LOCK} (a range is switching owner) or {@code -STOPPED} (the node is not serving yet): retry shortly. */
public final class RetryableServerException extends ServerErrorException {
    public RetryableServerException(String text) {
        super(text);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
