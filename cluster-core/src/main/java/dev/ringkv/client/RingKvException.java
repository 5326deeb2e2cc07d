package dev.ringkv.client;

/** Base of every failure the client reports. Unchecked: callers choose what to catch. */
public class RingKvException extends RuntimeException {
    public RingKvException(String message) {
        super(message);
    }

    public RingKvException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True if sending the same command again (possibly elsewhere) may succeed. */
    public boolean isRetryable() {
        return false;
    }
}
