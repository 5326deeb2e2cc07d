package dev.ringkv.client;

/**
 * {@code -NOT_RESPONSIBLE <ring version>}: the node does not coordinate the key under its ring; refresh
 * the ring (KEYRANGE) and retry at the coordinator (DESIGN §5).
 */
public final class NotResponsibleException extends ServerErrorException {
    private final long ringVersion;

    public NotResponsibleException(String text) {
        super(text);
        long v = -1;
        String[] parts = text.split(" ");
        if (parts.length > 1) {
            try {
                v = Long.parseLong(parts[1]);
            } catch (NumberFormatException e) {
                v = -1;
            }
        }
        this.ringVersion = v;
    }

    /** The ring version the node answered under, or -1 if it gave none. */
    public long ringVersion() {
        return ringVersion;
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
