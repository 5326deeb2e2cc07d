package dev.ringkv.wire;

/**
 * Limits enforced while decoding (DESIGN §5), so no peer can make a node buffer unbounded input.
 *
 * @param maxBulkBytes largest single argument (a value or a key) a frame may declare
 * @param maxArrayLength most arguments in one command
 * @param maxInlineBytes longest inline (telnet) command line, and longest {@code *}/{@code $} header line
 */
public record WireLimits(int maxBulkBytes, int maxArrayLength, int maxInlineBytes) {

    /** 16 MiB values, 1M arguments, 64 KiB inline lines. */
    public static final WireLimits DEFAULT = new WireLimits(16 * 1024 * 1024, 1024 * 1024, 64 * 1024);

    public WireLimits {
        if (maxBulkBytes < 1 || maxArrayLength < 1 || maxInlineBytes < 16) {
            throw new IllegalArgumentException("wire limits must be positive: " + maxBulkBytes + ", "
                    + maxArrayLength + ", " + maxInlineBytes);
        }
    }
}
