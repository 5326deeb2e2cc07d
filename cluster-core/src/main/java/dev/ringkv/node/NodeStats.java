package dev.ringkv.node;

/**
 * Counters of one node, sampled once a second on the node's own clock so INFO and the monitor API
 * can report operations per second: client commands, not the monitor API's own {@code RINGKV ...}
 * calls. Node thread only.
 */
public final class NodeStats {
    private long commands;
    private long lastSampleCommands;
    private long opsPerSecond;

    void commandProcessed() {
        commands++;
    }

    public long commandsProcessed() {
        return commands;
    }

    /** Commands in the last full second. */
    public long opsPerSecond() {
        return opsPerSecond;
    }

    void startSampling(NodeContext ctx) {
        ctx.schedule(1000, () -> {
            opsPerSecond = commands - lastSampleCommands;
            lastSampleCommands = commands;
            startSampling(ctx);
        });
    }
}
