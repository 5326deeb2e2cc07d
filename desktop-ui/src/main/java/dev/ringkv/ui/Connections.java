package dev.ringkv.ui;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.RingKvException;
import dev.ringkv.ring.ServerAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javafx.application.Platform;

/**
 * One open client connection per node, opened on first use and dropped when it fails. Confined to the
 * background thread that owns it; refuses the FX thread, which must never wait on the network (DESIGN §10).
 */
final class Connections implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Map<ServerAddress, RingKvClient> open = new HashMap<>();

    /** Throws if called on the FX thread: every network call of the monitor goes through here. */
    static void offFxThread() {
        if (Platform.isFxApplicationThread()) {
            throw new IllegalStateException("network call on the FX thread");
        }
    }

    RingKvClient to(ServerAddress node) {
        offFxThread();
        RingKvClient c = open.get(node);
        if (c == null || !c.isOpen()) {
            c = RingKvClient.connect(node, TIMEOUT);
            open.put(node, c);
        }
        return c;
    }

    /** Closes and forgets the connection to a node that failed, so the next use reconnects. */
    void drop(ServerAddress node) {
        RingKvClient c = open.remove(node);
        if (c != null) {
            c.close();
        }
    }

    /** Runs one call on {@code node}'s connection, dropping the connection if the call fails. */
    <T> T call(ServerAddress node, java.util.function.Function<RingKvClient, T> call) {
        try {
            return call.apply(to(node));
        } catch (RingKvException e) {
            if (!(e instanceof dev.ringkv.client.ServerErrorException)) {
                drop(node);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        open.values().forEach(RingKvClient::close);
        open.clear();
    }
}
