package dev.ringkv.runtime;

import dev.ringkv.client.RingKvClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Real nodes on loopback, ephemeral ports, temporary directories; closed after each test. */
final class ServerFixture implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    NioNode start(Path dir) {
        NioNode n = Servers.standalone(ServerOptions.loopback(0), dir);
        open.add(n);
        return n;
    }

    RingKvClient client(NioNode n) {
        RingKvClient c = RingKvClient.connect(n.address(), Duration.ofSeconds(10));
        open.add(0, c);
        return c;
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + c, e);
            }
        }
    }
}
