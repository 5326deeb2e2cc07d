package dev.ringkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code LOCK} in the data directory, so two stores never append to the same files.
 * The operating system releases it when the process dies, so a crash leaves nothing to clean up.
 */
final class DirectoryLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DirectoryLock acquire(Path dir) {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir.resolve(StoreFiles.LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException("cannot lock data directory " + dir + ": " + StoreFiles.describe(e), e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                Segment.closeQuietly(channel);
                throw new StorageException("data directory " + dir + " is in use by another process");
            }
            writePid(channel);
            return new DirectoryLock(channel, lock);
        } catch (OverlappingFileLockException e) {
            Segment.closeQuietly(channel);
            throw new StorageException("data directory " + dir + " is already open in this process");
        } catch (IOException e) {
            Segment.closeQuietly(channel);
            throw new StorageException("cannot lock data directory " + dir + ": " + StoreFiles.describe(e), e);
        }
    }

    /** For an operator wondering who holds it; the lock, not the text, is what counts (so a full disk is fine). */
    private static void writePid(FileChannel channel) {
        try {
            channel.truncate(0);
            Segment.writeFully(channel, ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException ignored) {
            // informational only
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it as well
        }
        Segment.closeQuietly(channel);
    }
}
