package dev.ringkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryLockTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryHeldByAnotherProcessIsRefusedWithAClearMessage() throws Exception {
        Path data = dir.toAbsolutePath().normalize();
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LockHolderMain.class.getName(), data.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return "failed: " + e;
                }
            }).get(30, TimeUnit.SECONDS);
            assertEquals("locked " + data, line);

            StorageException e = assertThrows(StorageException.class, () -> LogStore.open(Fixtures.options(data).build()));
            assertEquals("data directory " + data + " is in use by another process", e.getMessage());

            holder.getOutputStream().close();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "the holder exits once its stdin closes");
            try (LogStore store = LogStore.open(Fixtures.options(data).build())) {
                assertEquals(0, store.keyCount(), "free again once the other process is gone");
            }
        } finally {
            holder.destroyForcibly();
        }
    }
}
