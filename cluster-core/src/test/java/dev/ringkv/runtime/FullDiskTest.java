package dev.ringkv.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.client.RingKvClient;
import dev.ringkv.client.ServerErrorException;
import dev.ringkv.node.KvNode;
import dev.ringkv.node.NodeConfig;
import dev.ringkv.storage.LogStore;
import dev.ringkv.storage.QuotaChannel;
import dev.ringkv.storage.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk: the write gets a clear error and is not applied; reads go on; writes resume when space returns. */
class FullDiskTest {

    @TempDir
    Path dir;

    @Test
    void aWriteThatCannotReachTheDiskIsRefusedAndLosesNothing() {
        QuotaChannel.Disk disk = new QuotaChannel.Disk();
        LogStore store = LogStore.open(StoreOptions.builder(dir).channelOpener(disk.opener()).build());
        try (NioNode node = NioNode.start(ServerOptions.loopback(0), store, ctx -> new KvNode(ctx, NodeConfig.DEFAULT));
             RingKvClient c = RingKvClient.connect(node.address(), Duration.ofSeconds(5))) {
            c.set("k", "before");
            disk.allowOnly(10); // the next record does not fit
            ServerErrorException e = assertThrows(ServerErrorException.class, () -> c.set("k", "after"));
            assertTrue(e.getMessage().startsWith("ERR storage: disk write failed: No space left on device"), e.getMessage());
            assertEquals("before", c.get("k"), "the refused write must not be visible");
            assertEquals("PONG", c.ping());
            disk.unlimited();
            c.set("k", "after");
            assertEquals("after", c.get("k"));
        }
        try (LogStore reopened = LogStore.open(dir)) {
            assertEquals("after", new String(reopened.get("k".getBytes()).value()));
        }
    }
}
