package dev.ringkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file channel on a disk with a quota: writes past it are cut short, then fail with "No space left on
 * device", as a full disk does. Also counts forces. Every other call goes to the real channel.
 */
public final class QuotaChannel extends FileChannel {

    /** Shared by every channel of one store. */
    public static final class Disk {
        private final AtomicLong remaining = new AtomicLong(Long.MAX_VALUE);
        final AtomicInteger forces = new AtomicInteger();
        /** One permit per force, for a test that waits for the background fsync. */
        final Semaphore forced = new Semaphore(0);

        public void allowOnly(long bytes) {
            remaining.set(bytes);
        }

        public void unlimited() {
            remaining.set(Long.MAX_VALUE);
        }

        public StoreOptions.ChannelOpener opener() {
            return (path, options) -> new QuotaChannel(FileChannel.open(path, options), this);
        }

        /** Takes up to {@code wanted} bytes of the quota; returns what it got. */
        long take(long wanted) {
            while (true) {
                long r = remaining.get();
                long got = Math.min(r, wanted);
                if (remaining.compareAndSet(r, r - got)) {
                    return got;
                }
            }
        }
    }

    private final FileChannel delegate;
    private final Disk disk;

    QuotaChannel(FileChannel delegate, Disk disk) {
        this.delegate = delegate;
        this.disk = disk;
    }

    private interface Write {
        int to(ByteBuffer src) throws IOException;
    }

    private int guarded(ByteBuffer src, Write write) throws IOException {
        int wanted = src.remaining();
        if (wanted == 0) {
            return write.to(src);
        }
        long allowed = disk.take(wanted);
        if (allowed == 0) {
            throw new IOException("No space left on device");
        }
        if (allowed == wanted) {
            return write.to(src);
        }
        ByteBuffer part = src.duplicate();
        part.limit(src.position() + (int) allowed);
        int n = write.to(part);
        src.position(src.position() + n);
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return guarded(src, delegate::write);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return guarded(src, b -> delegate.write(b, position));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        if (disk.take(total) < total) {
            throw new IOException("No space left on device");
        }
        return delegate.write(srcs, offset, length);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        delegate.force(metaData);
        disk.forces.incrementAndGet();
        disk.forced.release();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new IOException("not supported by the quota channel");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
