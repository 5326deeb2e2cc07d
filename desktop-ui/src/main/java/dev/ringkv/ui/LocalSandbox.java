package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's own local cluster. For now a single real RingKV node on a free loopback port, in this
 * process, with its data in a directory that is kept after the window closes (its path is logged and
 * shown), so nothing the user stored is removed behind their back.
 */
final class LocalSandbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalSandbox.class);

    private final NioNode node;
    private final Path dir;

    private LocalSandbox(NioNode node, Path dir) {
        this.node = node;
        this.dir = dir;
    }

    static LocalSandbox start(Path dataDir) throws IOException {
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("ringkv-sandbox-");
        NioNode node = Servers.standalone(ServerOptions.loopback(0), dir.resolve("node-1"));
        LOG.info("sandbox node {} started, data in {}", node.address(), dir.toAbsolutePath());
        return new LocalSandbox(node, dir);
    }

    ServerAddress address() {
        return node.address();
    }

    Path dataDir() {
        return dir;
    }

    @Override
    public void close() {
        node.close();
        LOG.info("sandbox stopped; its data stays in {}", dir.toAbsolutePath());
    }
}
