package dev.ringkv.client;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The routing-aware client (DESIGN §5): it knows the ring, sends each key's command straight to the
 * key's coordinator, and follows ring changes transparently.
 *
 * <p><b>Routing.</b> {@link #connect} fetches {@code KEYRANGE} and the ring version ({@code INFO ring})
 * from the first seed that answers (a member or the ECS). It keeps one pipelined {@link RingKvClient}
 * per node, opened lazily, each of which first opts in with {@code RINGKV ROUTING on}: a node that does
 * not coordinate a key then answers {@code -NOT_RESPONSIBLE <ring version>} instead of forwarding it.
 * Multi-key commands (MGET, MSET, multi-key DEL and EXISTS) are split per coordinator and their replies
 * reassembled in the caller's key order; a split MSET is therefore atomic per node, not across nodes.
 *
 * <p><b>Retries.</b> On a retryable failure — {@code NOT_RESPONSIBLE}, {@code STOPPED},
 * {@code WRITE_LOCK}, {@code TRYAGAIN}, or a {@link ConnectionException} (refused, broken, or no reply
 * within {@link Options#callTimeout()}) — the client refreshes its ring where that can help (from the node
 * that reported a newer ring, else from a node that answered recently, else any member or seed), backs off
 * ({@link Options#backoffMin()} doubling to {@link Options#backoffMax()}, with jitter; no wait when the
 * refresh brought a newer ring) and sends again to the key's coordinator under the ring it now has. It
 * stops after {@link Options#maxRetries()} retries or when the next try would pass the operation's
 * {@link Options#deadline()}, and then throws the <em>last</em> error. Non-retryable errors ({@code ERR},
 * {@code DELETE_ERROR}, ...) are never retried.
 *
 * <p><b>At-least-once after a connection failure.</b> When a connection breaks or times out after a
 * command was written, the client cannot know whether the node applied it, and retries. A write retried
 * that way may be applied twice. SET, MSET and DEL store or remove the same value again, so that is
 * harmless to the data; what a retried command <em>answers</em> may differ from a single run, though:
 * {@code PUT} may say {@code PUT_UPDATE} for a key it created, {@code DEL} may count 0, {@code DELETE} may
 * fail with {@code DELETE_ERROR}, and conditional forms such as {@code SET ... NX} may report that the
 * condition failed.
 *
 * <p><b>Reads</b> go to the key's coordinator by default, which answers with the last acknowledged write
 * (it waits for a write of the key that is still being replicated). With
 * {@link Options#withReplicaReads(boolean) replica reads} on, GET, EXISTS and MGET (sync, async and
 * through {@code execute}) go instead to a holder of each key chosen at random among its copies — its
 * coordinator and the next servers clockwise, as {@code KEYRANGE_READ} lists them — so reads spread over
 * every copy. The number of copies comes with the ring ({@code ring_replicas} in {@code INFO ring}; 1 from
 * a server that does not report it, which makes every read a coordinator read). The keys of one MGET are
 * grouped by the holder chosen for each. Every connection then sends {@code READONLY} when it opens,
 * which changes nothing for writes. Replica reads are <b>eventually consistent</b>: a replica may, for a
 * short time, answer with a value older than the last acknowledged write (while the ring changes, or
 * while a copy catches up), so a caller may not see its own write at once, and two reads of one key may
 * see a newer value and then an older one. In particular, right after a server crashes, the server that
 * takes over a copy of its ranges may answer their keys as missing until re-replication has copied them
 * there. A server answers a replica read only for keys it holds under its own ring; for any other it
 * answers {@code NOT_RESPONSIBLE}, and the read is retried as below, at the coordinator (after a
 * connection failure: at another holder).
 *
 * <p><b>Threading.</b> Thread-safe. The synchronous methods wait for their asynchronous counterpart.
 * The {@code ...Async} methods send on the calling thread when the node's connection is already open
 * (one socket write, as {@link RingKvClient#executeAsync}); connecting, refreshing and retrying happen on
 * a small internal executor, never on a connection's reader thread. Futures complete on a connection's
 * reader thread or on that executor: do not block inside their callbacks (or use the {@code ...Async(fn,
 * executor)} forms of {@link CompletableFuture}). A failed future's cause is the typed
 * {@link RingKvException}.
 */
public final class RingKvCluster implements AutoCloseable {

    /**
     * Tunables.
     *
     * @param callTimeout how long to wait for one connect or one reply (default 5 s)
     * @param maxRetries  how many times one operation (or one per-node part of a split MGET/MSET) is sent
     *                    again after a retryable failure (default 8)
     * @param backoffMin  the first back-off (default 10 ms); it doubles per retry, with jitter
     * @param backoffMax  the longest back-off (default 500 ms)
     * @param deadline    total time for one operation, retries included (default 10 s)
     * @param replicaReads whether GET, EXISTS and MGET may be answered by any holder of their keys, not only
     *                    the coordinator: eventually consistent, see the class notes (default false)
     */
    public record Options(Duration callTimeout, int maxRetries, Duration backoffMin, Duration backoffMax,
                          Duration deadline, boolean replicaReads) {

        public static final Options DEFAULT = new Options(Duration.ofSeconds(5), 8, Duration.ofMillis(10),
                Duration.ofMillis(500), Duration.ofSeconds(10), false);

        public Options {
            Objects.requireNonNull(callTimeout, "callTimeout");
            Objects.requireNonNull(backoffMin, "backoffMin");
            Objects.requireNonNull(backoffMax, "backoffMax");
            Objects.requireNonNull(deadline, "deadline");
            if (callTimeout.toMillis() < 1 || deadline.toMillis() < 1) {
                throw new IllegalArgumentException("callTimeout and deadline must be at least 1 ms");
            }
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
            }
            if (backoffMin.toMillis() < 1 || backoffMax.compareTo(backoffMin) < 0) {
                throw new IllegalArgumentException("need 1 ms <= backoffMin <= backoffMax, got " + backoffMin
                        + " and " + backoffMax);
            }
        }

        /** Options with reads at the coordinator (as before replica reads existed). */
        public Options(Duration callTimeout, int maxRetries, Duration backoffMin, Duration backoffMax,
                       Duration deadline) {
            this(callTimeout, maxRetries, backoffMin, backoffMax, deadline, false);
        }

        public Options withCallTimeout(Duration d) {
            return new Options(d, maxRetries, backoffMin, backoffMax, deadline, replicaReads);
        }

        public Options withMaxRetries(int n) {
            return new Options(callTimeout, n, backoffMin, backoffMax, deadline, replicaReads);
        }

        public Options withBackoff(Duration min, Duration max) {
            return new Options(callTimeout, maxRetries, min, max, deadline, replicaReads);
        }

        public Options withDeadline(Duration d) {
            return new Options(callTimeout, maxRetries, backoffMin, backoffMax, d, replicaReads);
        }

        /**
         * Reads (GET, EXISTS, MGET) from any holder of their keys ({@code true}) or from the coordinator only
         * ({@code false}, the default). Replica reads spread the load over every copy but are eventually
         * consistent: see the class notes.
         */
        public Options withReplicaReads(boolean on) {
            return new Options(callTimeout, maxRetries, backoffMin, backoffMax, deadline, on);
        }
    }

    private static final byte[][] INFO_RING = {ascii("INFO"), ascii("ring")};
    private static final byte[][] KEYRANGE = {ascii("KEYRANGE")};
    private static final byte[][] KEYRANGE_READ = {ascii("KEYRANGE_READ")};
    private static final byte[][] ROUTING_ON = {ascii("RINGKV"), ascii("ROUTING"), ascii("on")};
    private static final byte[][] READONLY = {ascii("READONLY")};
    private static final byte[] GET = ascii("GET");
    private static final byte[] SET = ascii("SET");
    private static final byte[] DEL = ascii("DEL");
    private static final byte[] EXISTS = ascii("EXISTS");
    private static final byte[] MGET = ascii("MGET");
    private static final byte[] RINGKV = ascii("RINGKV");
    private static final byte[] ONCE = ascii("ONCE");
    private static final byte[] RETRY = ascii("RETRY");
    /**
     * Write ids: a random start per client, then one more per write. A plain {@code SET} goes out as
     * {@code RINGKV ONCE id SET key value} (a one-key {@code DEL} as {@code RINGKV ONCE id DEL key}), the
     * same id on every retry, so a retry after a lost reply (at another coordinator, say, after a failover)
     * is not made a second time (issue 17, item 8); a retry that may follow a try that took effect is marked
     * {@code RETRY} (see {@link SingleOp#retrying}).
     */
    private final AtomicLong nextWriteId = new AtomicLong((ThreadLocalRandom.current().nextLong() >>> 2) + 1);
    private static final byte[] MSET = ascii("MSET");
    private static final byte[] PUT = ascii("PUT");
    private static final byte[] DELETE = ascii("DELETE");

    /** A ring as one node reported it, with the KEYRANGE text it sent and its copies per key. */
    private record View(Ring ring, String keyrange, ServerAddress from, int replicas) {
    }

    private final Options options;
    private final List<ServerAddress> seeds;
    private final ConcurrentHashMap<ServerAddress, Node> nodes = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadPoolExecutor connector;
    private final Object ringLock = new Object();
    private volatile Ring ring;
    private volatile int replicas = 1; // written before ring: a reader of ring then replicas sees a match or newer
    private CompletableFuture<View> refreshing; // guarded by ringLock
    private volatile ServerAddress lastAnswered;
    private volatile boolean closed;
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong notResponsible = new AtomicLong();
    private final ReplicaReads replicaReads = new ReplicaReads();

    private RingKvCluster(Options options, List<ServerAddress> seeds) {
        this.options = options;
        this.seeds = seeds;
        this.timer = new ScheduledThreadPoolExecutor(2, daemon("ringkv-cluster-retry"));
        timer.setRemoveOnCancelPolicy(true);
        this.connector = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon("ringkv-cluster-connect"));
        connector.allowCoreThreadTimeOut(true);
    }

    /** {@link #connect(Options, ServerAddress...)} with {@link Options#DEFAULT}. */
    public static RingKvCluster connect(ServerAddress... seeds) {
        return connect(Options.DEFAULT, seeds);
    }

    /**
     * Connects to the cluster: asks each seed in turn (once) for the ring until one answers. Seeds may be
     * members or the ECS; a standalone server is a one-node ring.
     *
     * @throws ConnectionException      if no seed could be reached
     * @throws RingKvException          the last seed's error if none could give a ring (e.g. {@code STOPPED})
     * @throws IllegalArgumentException if there is no seed
     */
    public static RingKvCluster connect(Options options, ServerAddress... seeds) {
        Objects.requireNonNull(options, "options");
        if (seeds.length == 0) {
            throw new IllegalArgumentException("need at least one seed address");
        }
        List<ServerAddress> list = List.copyOf(new LinkedHashSet<>(List.of(seeds)));
        RingKvCluster c = new RingKvCluster(options, list);
        try {
            c.await(c.refresh(null, null));
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    // ---- the view ---------------------------------------------------------------------------------

    /** The ring this client currently routes by (never null once connected). */
    public Ring ring() {
        return ring;
    }

    /**
     * Copies per key under {@link #ring()}, as the node that gave the ring reported it
     * ({@code ring_replicas} in {@code INFO ring}); 1 if it did not report it.
     */
    public int replicas() {
        return replicas;
    }

    /** The seeds this client was connected with. */
    public List<ServerAddress> seeds() {
        return seeds;
    }

    public Options options() {
        return options;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Fetches the ring now (from a node that answered recently, else any member or seed) and routes by it if newer. */
    public Ring refresh() {
        return await(refresh(null, null)).ring();
    }

    /** KEYRANGE as a node answers it now ({@code from,to,host:port;...}); routes by that ring if newer. */
    public String keyrange() {
        return await(refresh(null, null)).keyrange();
    }

    /** KEYRANGE_READ as a node answers it now. */
    public String keyrangeRead() {
        CompletableFuture<String> f = new CompletableFuture<>();
        askAny(sources(null, null), 0, f, null, (a, c) -> c.executeAsync(KEYRANGE_READ).thenApply(v -> {
            if (v instanceof RespValue.Bulk b) {
                return b.utf8();
            }
            throw replyError(a, v);
        }));
        return await(f);
    }

    /** Ring fetches that succeeded since {@link #connect} (the first one included). */
    public long refreshes() {
        return refreshes.get();
    }

    /** Commands (or per-node parts of split commands) sent again after a retryable failure. */
    public long retries() {
        return retries.get();
    }

    /** {@code -NOT_RESPONSIBLE} replies received: each means a node's ring differed from this client's. */
    public long notResponsibleReplies() {
        return notResponsible.get();
    }

    /**
     * Replica reads: reads (or per-node parts of split reads) sent to a server that is not the coordinator of
     * their keys under this client's ring. Always 0 without {@link Options#replicaReads()}.
     */
    public long replicaReads() {
        return replicaReads.offCoordinator();
    }

    // ---- sync API ---------------------------------------------------------------------------------

    /** The value, or null if the key does not exist. */
    public byte[] get(byte[] key) {
        return await(getAsync(key));
    }

    /** The value as UTF-8, or null if the key does not exist. */
    public String get(String key) {
        byte[] v = get(utf8(key));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    public void set(byte[] key, byte[] value) {
        await(setAsync(key, value));
    }

    public void set(String key, String value) {
        set(utf8(key), utf8(value));
    }

    /** Deletes the key; true if it existed (see the class notes on retries). */
    public boolean del(byte[] key) {
        return await(delAsync(key));
    }

    public boolean del(String key) {
        return del(utf8(key));
    }

    public boolean exists(byte[] key) {
        return await(existsAsync(key));
    }

    public boolean exists(String key) {
        return exists(utf8(key));
    }

    /** The original system's put: {@code PUT_SUCCESS} (new key) or {@code PUT_UPDATE}; value {@code null} deletes. */
    public String put(String key, String value) {
        return simpleText(await(executeAsync(PUT, utf8(key), utf8(value))));
    }

    /** The original system's delete: {@code DELETE_SUCCESS}, or a ServerErrorException {@code DELETE_ERROR}. */
    public String delete(String key) {
        return simpleText(await(executeAsync(DELETE, utf8(key))));
    }

    /** The values in key order (null where a key does not exist), fetched per coordinator. */
    public List<byte[]> mget(List<byte[]> keys) {
        return await(mgetAsync(keys));
    }

    /** {@link #mget(List)} with UTF-8 keys and values. */
    public List<String> mget(String... keys) {
        List<byte[]> k = new ArrayList<>(keys.length);
        for (String s : keys) {
            k.add(utf8(s));
        }
        List<String> out = new ArrayList<>(keys.length);
        for (byte[] v : mget(k)) {
            out.add(v == null ? null : new String(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Sets {@code keys[i]} to {@code values[i]}, one MSET per coordinator (atomic per node only). */
    public void mset(List<byte[]> keys, List<byte[]> values) {
        await(msetAsync(keys, values));
    }

    /** {@link #mset(List, List)} with UTF-8 keys and values, in the map's iteration order. */
    public void mset(Map<String, String> entries) {
        List<byte[]> k = new ArrayList<>(entries.size());
        List<byte[]> v = new ArrayList<>(entries.size());
        entries.forEach((key, value) -> {
            k.add(utf8(key));
            v.add(utf8(value));
        });
        mset(k, v);
    }

    /**
     * Runs a key command at the coordinator of its key ({@code args[1]}): GET, SET (with options), PUT,
     * DELETE, ... MGET, MSET, DEL and EXISTS may name several keys: they are split per coordinator and the
     * replies combined as one node would answer. With {@link Options#replicaReads()}, GET, EXISTS and MGET
     * go to a holder of each key instead (see the class notes).
     *
     * @throws ServerErrorException     for an error reply that retrying cannot fix
     * @throws IllegalArgumentException without a key ({@code args.length < 2})
     */
    public RespValue execute(byte[]... args) {
        return await(executeAsync(args));
    }

    public RespValue execute(String... args) {
        return execute(RingKvClient.command(args));
    }

    // ---- async API --------------------------------------------------------------------------------

    /** As {@link #execute(byte[]...)}; the future fails with the typed {@link RingKvException}. */
    public CompletableFuture<RespValue> executeAsync(byte[]... args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("a key command needs a name and a key");
        }
        if (args.length > 2) {
            String name = new String(args[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
            switch (name) {
                case "MGET" -> {
                    return mgetAsync(List.of(args).subList(1, args.length)).thenApply(RingKvCluster::bulks);
                }
                case "MSET" -> {
                    if (args.length % 2 == 1) {
                        List<byte[]> k = new ArrayList<>();
                        List<byte[]> v = new ArrayList<>();
                        for (int i = 1; i < args.length; i += 2) {
                            k.add(args[i]);
                            v.add(args[i + 1]);
                        }
                        return msetAsync(k, v).thenApply(x -> RespValue.OK);
                    }
                    return CompletableFuture.failedFuture(
                            new ServerErrorException("ERR wrong number of arguments for 'mset' command"));
                }
                case "DEL", "EXISTS" -> {
                    return submit(new CountOp(args[0], List.of(args).subList(1, args.length)),
                            op -> RespValue.integer(((CountOp) op).sum.get()));
                }
                default -> {
                    // a single-key command with options
                }
            }
        }
        return submit(new SingleOp(args), op -> ((SingleOp) op).reply);
    }

    public CompletableFuture<byte[]> getAsync(byte[] key) {
        return executeAsync(GET, key).thenApply(RingKvCluster::bytesOrNull);
    }

    public CompletableFuture<Void> setAsync(byte[] key, byte[] value) {
        return executeAsync(SET, key, value).thenApply(v -> null);
    }

    public CompletableFuture<Boolean> delAsync(byte[] key) {
        return executeAsync(DEL, key).thenApply(RingKvCluster::positive);
    }

    public CompletableFuture<Boolean> existsAsync(byte[] key) {
        return executeAsync(EXISTS, key).thenApply(RingKvCluster::positive);
    }

    /** As {@link #mget(List)}; the list may contain nulls. */
    public CompletableFuture<List<byte[]>> mgetAsync(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        MgetOp op = new MgetOp(keys);
        return submit(op, o -> {
            List<byte[]> out = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                out.add(op.values.get(i));
            }
            return Collections.unmodifiableList(out);
        });
    }

    /** As {@link #mset(List, List)}. */
    public CompletableFuture<Void> msetAsync(List<byte[]> keys, List<byte[]> values) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + values.size() + " values");
        }
        if (keys.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return submit(new MsetOp(keys, values), op -> null);
    }

    // ---- operations -------------------------------------------------------------------------------

    /** A command over some keys; {@link #command} builds it for a subset (indices into {@link #keys}). */
    private abstract static class Op {
        final List<byte[]> keys;
        final long deadline;
        /** A read that any holder of its keys may answer in replica-read mode. */
        final boolean read;

        Op(List<byte[]> keys, Duration deadline, boolean read) {
            this.keys = keys;
            this.deadline = System.nanoTime() + deadline.toNanos();
            this.read = read;
        }

        abstract byte[][] command(int[] idx);

        /** Takes the reply for these indices; throws a RingKvException if it is not what was expected. */
        abstract void accept(ServerAddress from, int[] idx, RespValue reply);

        long remainingNanos() {
            return deadline - System.nanoTime();
        }
    }

    private final class SingleOp extends Op {
        final byte[][] args;
        volatile RespValue reply;
        /**
         * An earlier try may have reached a node (no reply, or an error that does not rule it out): the next
         * ones go as {@code RINGKV ONCE id RETRY ...}, which a node that does not know the id refuses
         * ({@code -UNCERTAIN}) rather than make the write a second time, after writes made since.
         */
        volatile boolean retrying;

        SingleOp(byte[][] args) {
            super(List.<byte[]>of(args[1]), options.deadline(), ReplicaReads.isRead(args[0]));
            if (carriesWriteId(args)) {
                byte[][] once = new byte[args.length + 3][];
                once[0] = RINGKV;
                once[1] = ONCE;
                once[2] = ascii(Long.toString(nextWriteId.getAndIncrement()));
                System.arraycopy(args, 0, once, 3, args.length);
                this.args = once;
            } else {
                this.args = args;
            }
        }

        @Override
        byte[][] command(int[] idx) {
            if (!retrying || args[0] != RINGKV) {
                return args;
            }
            byte[][] retry = new byte[args.length + 1][];
            System.arraycopy(args, 0, retry, 0, 3);
            retry[3] = RETRY;
            System.arraycopy(args, 3, retry, 4, args.length - 3);
            return retry;
        }

        @Override
        void accept(ServerAddress from, int[] idx, RespValue r) {
            reply = r;
        }
    }

    private final class CountOp extends Op {
        final byte[] name;
        final AtomicLong sum = new AtomicLong();

        CountOp(byte[] name, List<byte[]> keys) {
            super(keys, options.deadline(), ReplicaReads.isRead(name));
            this.name = name;
        }

        @Override
        byte[][] command(int[] idx) {
            byte[][] c = new byte[idx.length + 1][];
            c[0] = name;
            for (int i = 0; i < idx.length; i++) {
                c[i + 1] = keys.get(idx[i]);
            }
            return c;
        }

        @Override
        void accept(ServerAddress from, int[] idx, RespValue r) {
            if (!(r instanceof RespValue.Int n)) {
                throw replyError(from, r);
            }
            sum.addAndGet(n.value());
        }
    }

    private final class MgetOp extends Op {
        final AtomicReferenceArray<byte[]> values;

        MgetOp(List<byte[]> keys) {
            super(List.copyOf(keys), options.deadline(), true);
            this.values = new AtomicReferenceArray<>(keys.size());
        }

        @Override
        byte[][] command(int[] idx) {
            byte[][] c = new byte[idx.length + 1][];
            c[0] = MGET;
            for (int i = 0; i < idx.length; i++) {
                c[i + 1] = keys.get(idx[i]);
            }
            return c;
        }

        @Override
        void accept(ServerAddress from, int[] idx, RespValue r) {
            if (!(r instanceof RespValue.Array a) || a.items().size() != idx.length) {
                throw replyError(from, r);
            }
            for (int i = 0; i < idx.length; i++) {
                values.set(idx[i], bytesOrNull(a.items().get(i)));
            }
        }
    }

    private final class MsetOp extends Op {
        final List<byte[]> values;

        MsetOp(List<byte[]> keys, List<byte[]> values) {
            super(List.copyOf(keys), options.deadline(), false);
            this.values = List.copyOf(values);
        }

        @Override
        byte[][] command(int[] idx) {
            byte[][] c = new byte[2 * idx.length + 1][];
            c[0] = MSET;
            for (int i = 0; i < idx.length; i++) {
                c[2 * i + 1] = keys.get(idx[i]);
                c[2 * i + 2] = values.get(idx[i]);
            }
            return c;
        }

        @Override
        void accept(ServerAddress from, int[] idx, RespValue r) {
            if (!RespValue.OK.equals(r)) {
                throw replyError(from, r);
            }
        }
    }

    private interface Result<T> {
        T of(Op op);
    }

    private <T> CompletableFuture<T> submit(Op op, Result<T> result) {
        CompletableFuture<T> out = new CompletableFuture<>();
        int[] all = new int[op.keys.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        CompletableFuture<Void> done;
        try {
            done = run(op, all, 0, null);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((v, e) -> {
            if (e != null) {
                out.completeExceptionally(unwrap(e));
                return;
            }
            try {
                out.complete(result.of(op));
            } catch (RuntimeException x) {
                out.completeExceptionally(x);
            }
        });
        return out;
    }

    /**
     * Sends the command for these keys to their coordinators under the current ring. In replica-read mode a
     * read goes to a holder of each key instead, on its first try and after a connection failure at
     * {@code unreachable} (another holder then); its other retries go to the coordinator.
     */
    private CompletableFuture<Void> run(Op op, int[] idx, int attempt, ServerAddress unreachable) {
        if (closed) {
            return CompletableFuture.failedFuture(closedError());
        }
        Ring r = ring;
        int rf = replicas;
        boolean spread = op.read && options.replicaReads() && (attempt == 0 || unreachable != null);
        if (idx.length == 1) { // the usual case: one key, one target, no grouping
            byte[] key = op.keys.get(idx[0]);
            ServerAddress target = spread ? replicaReads.pick(r, rf, key, unreachable) : r.coordinatorOf(key);
            if (spread && !target.equals(r.coordinatorOf(key))) {
                replicaReads.sentOffCoordinator(1);
            }
            return attempt(op, target, idx, attempt, r.version());
        }
        Map<ServerAddress, List<Integer>> groups = new LinkedHashMap<>();
        Set<ServerAddress> offCoordinator = spread ? new LinkedHashSet<>() : Set.of();
        for (int i : idx) {
            byte[] key = op.keys.get(i);
            ServerAddress target;
            if (spread) {
                target = replicaReads.pick(r, rf, key, unreachable);
                if (!target.equals(r.coordinatorOf(key))) {
                    offCoordinator.add(target);
                }
            } else {
                target = r.coordinatorOf(key);
            }
            groups.computeIfAbsent(target, a -> new ArrayList<>()).add(i);
        }
        replicaReads.sentOffCoordinator(offCoordinator.size());
        if (groups.size() == 1) {
            Map.Entry<ServerAddress, List<Integer>> g = groups.entrySet().iterator().next();
            return attempt(op, g.getKey(), idx, attempt, r.version());
        }
        List<CompletableFuture<Void>> parts = new ArrayList<>(groups.size());
        groups.forEach((target, list) -> {
            int[] sub = new int[list.size()];
            for (int i = 0; i < sub.length; i++) {
                sub[i] = list.get(i);
            }
            parts.add(attempt(op, target, sub, attempt, r.version()));
        });
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]));
    }

    private CompletableFuture<Void> attempt(Op op, ServerAddress target, int[] idx, int attempt, long ringVersion) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long timeoutMs = Math.max(1, Math.min(options.callTimeout().toMillis(),
                TimeUnit.NANOSECONDS.toMillis(op.remainingNanos())));
        CompletableFuture<RingKvClient> connection = node(target).client();
        byte[][] command = op.command(idx);
        CompletableFuture<RespValue> reply = connection.isDone() && !connection.isCompletedExceptionally()
                ? connection.join().executeAsync(timeoutMs, command) // the usual case: no timer per call
                : connection.thenCompose(c -> c.executeAsync(command)).orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        reply.whenComplete((v, err) -> {
            RingKvException e = err != null ? failure(target, err, timeoutMs) : errorReply(v);
            if (e == null) {
                lastAnswered = target;
                try {
                    op.accept(target, idx, v);
                    done.complete(null);
                } catch (RuntimeException x) {
                    done.completeExceptionally(x);
                }
                return;
            }
            if (op instanceof SingleOp single && !refusedUntouched(e)) {
                single.retrying = true;
            }
            retry(op, target, idx, attempt, ringVersion, e, done);
        });
        return done;
    }

    /**
     * True for a failure that says the node did nothing with the command: it does not coordinate the key
     * ({@code NOT_RESPONSIBLE}), is not serving ({@code STOPPED}), or refused it before it touched anything
     * (an error ending {@code (not applied)}: no lease, a range switching, ...). Anything else — no reply, a
     * lost connection, a write that failed while its copies were on their way — may have left it applied.
     */
    private static boolean refusedUntouched(RingKvException e) {
        return e instanceof NotResponsibleException
                || (e instanceof ServerErrorException s && (s.code().equals("STOPPED")
                || (s.getMessage() != null && s.getMessage().endsWith(NOT_APPLIED))));
    }

    /** See {@code KvNode.NOT_APPLIED}. */
    private static final String NOT_APPLIED = " (not applied)";

    /** Runs on whichever thread failed the attempt (often a reader): only bookkeeping and scheduling here. */
    private void retry(Op op, ServerAddress target, int[] idx, int attempt, long sentUnder, RingKvException e,
                       CompletableFuture<Void> done) {
        if (closed || !e.isRetryable() || attempt >= options.maxRetries() || op.remainingNanos() <= 0) {
            done.completeExceptionally(e);
            return;
        }
        CompletableFuture<?> before;
        if (e instanceof NotResponsibleException nr) {
            notResponsible.incrementAndGet();
            lastAnswered = target;
            // a node with a newer ring than ours knows it; one with an older ring will catch up: wait
            before = nr.ringVersion() < 0 || nr.ringVersion() > ring.version() ? refresh(target, null)
                    : CompletableFuture.completedFuture(null);
        } else if (e instanceof ConnectionException) {
            before = refresh(null, target); // the ring may have dropped it
        } else if (e instanceof ServerErrorException s && s.code().equals("STOPPED")) {
            before = refresh(null, target); // joining, or declared down and rejoining
        } else if (e instanceof ServerErrorException s && s.code().equals("TRYAGAIN") && lostItsLease(s)) {
            // cut off from its ECS (or paused): the ECS may have given its ranges to others by now, which only
            // the rest of the cluster can tell (issue 17, item 10)
            before = refresh(null, target);
        } else {
            before = CompletableFuture.completedFuture(null); // WRITE_LOCK, TRYAGAIN: the node will get there
        }
        long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(op.remainingNanos()));
        before.copy().orTimeout(waitMs, TimeUnit.MILLISECONDS).whenComplete((ignored, refreshFailed) -> {
            // a failed refresh is not the operation's error: the retry will meet whatever is wrong
            long delayMs = ring.version() > sentUnder ? 0 : backoffMillis(attempt + 1);
            if (closed || TimeUnit.MILLISECONDS.toNanos(delayMs) >= op.remainingNanos()) {
                done.completeExceptionally(e);
                return;
            }
            retries.incrementAndGet();
            try {
                timer.schedule(() -> {
                    CompletableFuture<Void> next;
                    try {
                        // a read that could not reach a replica tries another holder; all else the coordinator
                        next = run(op, idx, attempt + 1, e instanceof ConnectionException ? target : null);
                    } catch (RuntimeException x) {
                        next = CompletableFuture.failedFuture(x);
                    }
                    next.whenComplete((v, f) -> {
                        if (f != null) {
                            done.completeExceptionally(unwrap(f));
                        } else {
                            done.complete(null);
                        }
                    });
                }, delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                done.completeExceptionally(e);
            }
        });
    }

    /** {@code TRYAGAIN … has no current lease} or {@code … lost its lease …}: the node is not sure its ranges are its own. */
    private static boolean lostItsLease(ServerErrorException e) {
        String m = e.getMessage();
        return m != null && (m.contains("no current lease") || m.contains("lost its lease"));
    }

    private long backoffMillis(int retry) {
        long min = options.backoffMin().toMillis();
        long max = options.backoffMax().toMillis();
        long d = Math.min(max, min << Math.min(retry - 1, 30));
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1); // jitter: spread clients that failed together
    }

    // ---- the ring ---------------------------------------------------------------------------------

    /** One ring fetch at a time: callers that arrive meanwhile share its result. */
    private CompletableFuture<View> refresh(ServerAddress prefer, ServerAddress avoid) {
        CompletableFuture<View> f;
        synchronized (ringLock) {
            if (refreshing != null) {
                return refreshing;
            }
            f = new CompletableFuture<>();
            refreshing = f;
        }
        CompletableFuture<View> mine = f;
        f.whenComplete((v, e) -> {
            synchronized (ringLock) {
                if (refreshing == mine) {
                    refreshing = null;
                }
            }
        });
        List<ServerAddress> sources = sources(prefer, avoid);
        offload(() -> askAny(sources, 0, mine, null, this::fetchView), mine);
        return f;
    }

    /** Where to ask for the ring: the preferred node, one that answered lately, members, then seeds; {@code avoid} last. */
    private List<ServerAddress> sources(ServerAddress prefer, ServerAddress avoid) {
        Set<ServerAddress> s = new LinkedHashSet<>();
        if (prefer != null) {
            s.add(prefer);
        }
        Ring r = ring;
        ServerAddress la = lastAnswered;
        if (la != null && r != null && r.contains(la)) {
            s.add(la);
        }
        if (r != null) {
            for (ServerAddress m : r.members()) {
                Node n = nodes.get(m);
                if (n != null && n.isOpen()) {
                    s.add(m);
                }
            }
            s.addAll(r.members());
        }
        s.addAll(seeds);
        if (avoid != null && s.remove(avoid)) {
            s.add(avoid);
        }
        return new ArrayList<>(s);
    }

    private interface Ask<T> {
        CompletableFuture<T> ask(ServerAddress a, RingKvClient c);
    }

    /** Asks each source in turn until one answers; fails with the last error. */
    private <T> void askAny(List<ServerAddress> sources, int i, CompletableFuture<T> result, RingKvException last,
                            Ask<T> ask) {
        if (closed) {
            result.completeExceptionally(closedError());
            return;
        }
        if (i >= sources.size()) {
            result.completeExceptionally(last != null ? last : new ConnectionException("no node to ask"));
            return;
        }
        ServerAddress a = sources.get(i);
        long timeoutMs = options.callTimeout().toMillis();
        node(a).client().thenCompose(c -> ask.ask(a, c)).orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .whenComplete((v, err) -> {
                    if (err == null) {
                        result.complete(v);
                        return;
                    }
                    RingKvException e = failure(a, err, timeoutMs);
                    offload(() -> askAny(sources, i + 1, result, e, ask), result);
                });
    }

    /** INFO ring, KEYRANGE, INFO ring in one write: equal versions around KEYRANGE make a consistent pair. */
    private CompletableFuture<View> fetchView(ServerAddress a, RingKvClient c) {
        List<CompletableFuture<RespValue>> fs = c.pipeline(List.of(INFO_RING, KEYRANGE, INFO_RING));
        return CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).thenApply(x -> {
            RespValue before = fs.get(0).join();
            RespValue text = fs.get(1).join();
            RespValue after = fs.get(2).join();
            for (RespValue v : List.of(before, text, after)) {
                if (v instanceof RespValue.Error err) {
                    throw ServerErrorException.of(err.text());
                }
            }
            long v1 = ringVersion(a, before);
            long v2 = ringVersion(a, after);
            if (v1 != v2 || !(text instanceof RespValue.Bulk b) || !(after instanceof RespValue.Bulk info)) {
                throw new ConnectionException(a + " changed its ring while we read it (v" + v1 + " -> v" + v2 + ")");
            }
            Ring r;
            try {
                r = Ring.parseKeyrange(b.utf8(), v2);
            } catch (IllegalArgumentException e) {
                throw new RingKvException("bad KEYRANGE from " + a + ": " + e.getMessage(), e);
            }
            if (r.isEmpty()) {
                throw new RetryableServerException("STOPPED " + a + " has no servers in its ring");
            }
            View view = new View(r, b.utf8(), a, ReplicaReads.replicasIn(info.utf8()));
            install(view);
            return view;
        });
    }

    private void install(View v) {
        refreshes.incrementAndGet();
        List<Node> gone = new ArrayList<>();
        synchronized (ringLock) {
            Ring cur = ring;
            if (cur != null && v.ring().version() <= cur.version()) {
                return;
            }
            replicas = v.replicas();
            ring = v.ring();
            if (cur != null) {
                for (ServerAddress m : cur.members()) {
                    if (!v.ring().contains(m) && !seeds.contains(m)) {
                        Node n = nodes.remove(m);
                        if (n != null) {
                            gone.add(n);
                        }
                    }
                }
            }
        }
        for (Node n : gone) {
            n.close(); // its in-flight commands fail over to the new coordinators
        }
    }

    private static long ringVersion(ServerAddress a, RespValue info) {
        if (info instanceof RespValue.Bulk b) {
            for (String line : b.utf8().split("\r?\n")) {
                if (line.startsWith("ring_version:")) {
                    try {
                        return Long.parseLong(line.substring("ring_version:".length()).trim());
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
            }
        }
        throw new RingKvException(a + " did not report its ring version in INFO ring");
    }

    // ---- connections ------------------------------------------------------------------------------

    private Node node(ServerAddress a) {
        Node n = nodes.get(a);
        return n != null ? n : nodes.computeIfAbsent(a, Node::new);
    }

    /** One lazily opened, routing-aware connection per node; opening runs on the connector threads. */
    private final class Node {
        private final ServerAddress address;
        private volatile RingKvClient client; // written under this; read without it on the fast path
        private CompletableFuture<RingKvClient> opening; // guarded by this
        private boolean dropped; // guarded by this

        Node(ServerAddress address) {
            this.address = address;
        }

        synchronized boolean isOpen() {
            return client != null && client.isOpen();
        }

        CompletableFuture<RingKvClient> client() {
            RingKvClient open = client;
            if (open != null && open.isOpen()) {
                return CompletableFuture.completedFuture(open); // no lock for the usual case
            }
            CompletableFuture<RingKvClient> f;
            synchronized (this) {
                if (client != null && client.isOpen()) {
                    return CompletableFuture.completedFuture(client);
                }
                if (opening != null) {
                    return opening;
                }
                f = new CompletableFuture<>();
                opening = f;
            }
            CompletableFuture<RingKvClient> mine = f;
            try {
                connector.execute(() -> open(mine));
            } catch (RejectedExecutionException e) {
                fail(mine, closedError());
            }
            return f;
        }

        private void open(CompletableFuture<RingKvClient> f) {
            RingKvClient c = null;
            try {
                if (closed) {
                    throw closedError();
                }
                c = RingKvClient.connect(address, options.callTimeout());
                List<CompletableFuture<RespValue>> setup = c.pipeline(options.replicaReads()
                        ? List.of(ROUTING_ON, READONLY) : List.<byte[][]>of(ROUTING_ON));
                // an error reply to ROUTING: the ECS (or a plain Redis server), fine for KEYRANGE; no key is
                // routed to it
                c.await(setup.get(0));
                if (options.replicaReads()) {
                    // an error reply: a server from before replica reads; it gets coordinator reads only
                    replicaReads.readOnly(address, !(c.await(setup.get(1)) instanceof RespValue.Error));
                }
                synchronized (this) {
                    if (closed) {
                        throw closedError();
                    }
                    if (dropped) {
                        throw new ConnectionException(address + " is no longer in the ring");
                    }
                    client = c;
                    opening = null;
                }
                f.complete(c);
            } catch (RingKvException e) {
                if (c != null) {
                    c.close();
                }
                fail(f, e);
            }
        }

        private void fail(CompletableFuture<RingKvClient> f, RingKvException e) {
            synchronized (this) {
                if (opening == f) {
                    opening = null;
                }
            }
            f.completeExceptionally(e);
        }

        void close() {
            RingKvClient c;
            synchronized (this) {
                dropped = true;
                c = client;
                client = null;
            }
            if (c != null) {
                c.close();
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Runs {@code task} on the retry executor; fails {@code onReject} if the client is closing. */
    private void offload(Runnable task, CompletableFuture<?> onReject) {
        try {
            timer.execute(task);
        } catch (RejectedExecutionException e) {
            onReject.completeExceptionally(closedError());
        }
    }

    private <T> T await(CompletableFuture<T> f) {
        long waitMs = options.deadline().toMillis() + options.callTimeout().toMillis() + 1000;
        try {
            return f.get(waitMs, TimeUnit.MILLISECONDS); // the operation ends by its deadline; this is a guard
        } catch (ExecutionException e) {
            throw asRuntime(unwrap(e.getCause()));
        } catch (TimeoutException e) {
            throw new ConnectionException("no answer from the cluster within " + waitMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting for the cluster");
        }
    }

    private static RuntimeException asRuntime(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new RingKvException(String.valueOf(t), t);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** What a failed future means: a typed client error, a timeout, or (anything else) a connection failure. */
    private static RingKvException failure(ServerAddress a, Throwable err, long timeoutMs) {
        Throwable t = unwrap(err);
        if (t instanceof RingKvException r) {
            return r;
        }
        if (t instanceof TimeoutException) {
            return new ConnectionException("no reply from " + a + " within " + timeoutMs + " ms");
        }
        return new ConnectionException(a + ": " + t, t);
    }

    /** The typed error of an error reply, or null. */
    private static RingKvException errorReply(RespValue v) {
        return v instanceof RespValue.Error e ? ServerErrorException.of(e.text()) : null;
    }

    private static RingKvException replyError(ServerAddress a, RespValue v) {
        RingKvException e = errorReply(v);
        return e != null ? e : new RingKvException("unexpected reply from " + a + ": " + v);
    }

    private static ConnectionException closedError() {
        return new ConnectionException("the cluster client is closed");
    }

    private static byte[] bytesOrNull(RespValue v) {
        if (v instanceof RespValue.Bulk b) {
            return b.bytes();
        }
        if (v instanceof RespValue.NullBulk) {
            return null;
        }
        throw new RingKvException("expected a bulk string, got " + v);
    }

    private static boolean positive(RespValue v) {
        return v instanceof RespValue.Int i && i.value() > 0;
    }

    private static String simpleText(RespValue v) {
        if (v instanceof RespValue.Simple s) {
            return s.text();
        }
        throw new RingKvException("expected a status reply, got " + v);
    }

    private static RespValue bulks(List<byte[]> values) {
        List<RespValue> items = new ArrayList<>(values.size());
        for (byte[] v : values) {
            items.add(RespValue.bulk(v));
        }
        return new RespValue.Array(items);
    }

    /** {@code SET key value} and nothing more (options change what a repeat means: those go as they are). */
    /** A plain {@code SET key value} or a one-key {@code DEL key}: the writes sent with an id (RINGKV ONCE). */
    private static boolean carriesWriteId(byte[][] args) {
        return args.length == 3 && named(args[0], 's', 'e', 't') || args.length == 2 && named(args[0], 'd', 'e', 'l');
    }

    /** A three-letter command name, in any case, without making a String of it. */
    private static boolean named(byte[] name, char a, char b, char c) {
        return name.length == 3 && (name[0] | 0x20) == a && (name[1] | 0x20) == b && (name[2] | 0x20) == c;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Closes every connection; operations still running fail with a {@link ConnectionException}. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // queued and delayed tasks still run (soon: at most one back-off away), see the client closed and
        // fail their operations; nothing new is accepted
        timer.shutdown();
        connector.shutdown();
        for (Node n : nodes.values()) {
            n.close();
        }
        nodes.clear();
    }
}
