package dev.ringkv.runtime;

import dev.ringkv.node.Cancellable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread that owns a node (DESIGN §3): socket readiness, timers, tasks handed over from
 * other threads, and a hook at the end of every turn (where the store's batch is flushed and replies
 * are written: the group commit).
 */
final class EventLoop {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    /** What a registered channel's attachment implements. */
    interface Handler {
        void onReady(SelectionKey key) throws IOException;

        /** Called when onReady threw: release the channel. */
        void onFailure(Exception e);
    }

    private final String name;
    /** Whether running out of memory halts the process (set by the {@code ringkv} command, off in tests). */
    private static volatile boolean haltOnOutOfMemory;

    /** Logged when the loop runs out of memory, just before the process halts. */
    private final String haltMessage;
    private final Selector selector;
    private final long origin = System.nanoTime();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final ArrayDeque<Runnable> soon = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private Runnable turnEnd = () -> { };
    private Runnable onExit = () -> { };
    private Thread thread;
    private long timerSeq;

    EventLoop(String name) {
        this.name = name;
        this.haltMessage = name + ": out of memory; halting the process so the cluster sees a crash";
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    Selector selector() {
        return selector;
    }

    void turnEnd(Runnable hook) {
        this.turnEnd = hook;
    }

    void onExit(Runnable hook) {
        this.onExit = hook;
    }

    long now() {
        return (System.nanoTime() - origin) / 1_000_000;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Makes an event loop that runs out of memory halt the whole process (exit code 70). */
    static void haltOnOutOfMemory(boolean on) {
        haltOnOutOfMemory = on;
    }

    void start() {
        thread = new Thread(this::run, name);
        thread.start();
    }

    /** Runs the task on the loop thread (from any thread). */
    void execute(Runnable task) {
        inbox.add(task);
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Runs the task on the loop thread in this or the next turn (loop thread only). */
    void runSoon(Runnable task) {
        soon.add(task);
    }

    Cancellable schedule(long delayMillis, Runnable task) {
        Timer t = new Timer(now() + Math.max(0, delayMillis), timerSeq++, task);
        timers.add(t);
        return () -> t.cancelled = true;
    }

    /** Asks the loop to finish its turn and exit; the exit hook runs on the loop thread. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    private void run() {
        try {
            while (running) {
                turn();
            }
        } catch (OutOfMemoryError e) {
            if (!haltOnOutOfMemory) {
                LOG.error("{} event loop died", name, e);
                return; // the finally block still runs
            }
            // A server process (the launcher asks for this): a node out of memory can neither answer nor stop
            // cleanly, and lingering with its ports open and no loop it would hold its ranges. A dead process
            // is seen at once (its connections reset) and its ranges move on.
            try {
                LOG.error(haltMessage, e); // prepared: there may be no memory left to build it
            } catch (Throwable ignored) {
                // no memory even to say so
            } finally {
                Runtime.getRuntime().halt(70);
            }
        } catch (Throwable t) {
            LOG.error("{} event loop died", name, t);
        } finally {
            try {
                onExit.run();
            } catch (RuntimeException e) {
                LOG.error("{} failed while stopping", name, e);
            }
            try {
                selector.close();
            } catch (IOException e) {
                LOG.debug("{} selector close failed", name, e);
            }
            stopped.countDown();
        }
    }

    private void turn() throws IOException {
        long timeout = timeoutMillis();
        if (timeout == 0) {
            selector.selectNow();
        } else {
            selector.select(timeout);
        }
        wakeupPending.set(false);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            Handler h = (Handler) key.attachment();
            try {
                if (key.isValid()) {
                    h.onReady(key);
                }
            } catch (IOException | RuntimeException e) {
                h.onFailure(e);
            }
        }
        Runnable r;
        while ((r = inbox.poll()) != null) {
            runGuarded(r);
        }
        int n = soon.size();
        for (int i = 0; i < n && (r = soon.poll()) != null; i++) {
            runGuarded(r);
        }
        long t = now();
        while (!timers.isEmpty() && timers.peek().due <= t) {
            Timer timer = timers.poll();
            if (!timer.cancelled) {
                runGuarded(timer.task);
            }
        }
        runGuarded(turnEnd);
    }

    private void runGuarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // one catch-all per task boundary: log and keep the loop alive
            LOG.error("{} task failed", name, e);
        }
    }

    private long timeoutMillis() {
        if (!inbox.isEmpty() || !soon.isEmpty() || !running) {
            return 0;
        }
        while (!timers.isEmpty() && timers.peek().cancelled) {
            timers.poll();
        }
        if (timers.isEmpty()) {
            return 1000;
        }
        return Math.max(1, timers.peek().due - now());
    }

    private static final class Timer implements Comparable<Timer> {
        final long due;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Timer(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
