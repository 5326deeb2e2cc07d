package dev.ringkv.client;

/** The connection could not be opened, broke, or a reply did not come in time. */
public final class ConnectionException extends RingKvException {
    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }

    public ConnectionException(String message) {
        super(message);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
