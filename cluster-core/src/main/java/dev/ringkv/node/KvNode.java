package dev.ringkv.node;

import dev.ringkv.ring.Ring;
import dev.ringkv.storage.StorageException;
import dev.ringkv.storage.Store;
import dev.ringkv.storage.StoredEntry;
import dev.ringkv.storage.Version;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KV server logic (DESIGN §5, §6): the Redis-compatible commands and the original system's verbs,
 * served from the local store. Writes are stamped with a version and acknowledged only once the store
 * says they are durable (handed to the OS, or fsynced under {@code --fsync always}).
 *
 * <p>Threading: node thread only (see {@link NodeLogic}).
 */
public final class KvNode implements NodeLogic {

    private static final Logger LOG = LoggerFactory.getLogger(KvNode.class);
    private static final long COMPACTION_SLICE_MILLIS = 2;
    private static final byte[] NULL_WORD = "null".getBytes(StandardCharsets.US_ASCII);

    private final NodeContext ctx;
    private final NodeConfig config;
    private final Store store;
    private final NodeStats stats = new NodeStats();
    private final Commands commands = new Commands();
    private Supplier<Map<String, String>> runtimeInfo = Map::of;
    private Ring ring;
    private long term;
    private long seq;
    private long startedAt;

    public KvNode(NodeContext ctx, NodeConfig config) {
        this.ctx = ctx;
        this.config = config;
        this.store = ctx.storage();
    }

    @Override
    public void onStart() {
        Version high = store.highestVersion();
        term = high.term();
        seq = high.seq();
        ring = new Ring(1, term, List.of(ctx.self()));
        startedAt = ctx.now();
        stats.startSampling(ctx);
        compactLater(1000);
        LOG.info("{} serving a one-node ring (version {}), {} keys, last version {}",
                ctx.self(), ring.version(), store.keyCount(), high);
    }

    /**
     * Compaction runs in slices of at most {@link #COMPACTION_SLICE_MILLIS} of loop time, with a pause of
     * the same length between slices while work remains: it can take up to half the loop when a writer
     * saturates the disk with garbage, and never stalls a command for longer than one slice.
     */
    private void compactLater(long delay) {
        ctx.schedule(delay, () -> {
            boolean more = false;
            long start = ctx.now();
            try {
                for (int i = 0; i < 256; i++) {
                    more = store.compactStep();
                    if (!more || ctx.now() - start >= COMPACTION_SLICE_MILLIS) {
                        break;
                    }
                }
            } catch (StorageException e) {
                LOG.warn("{} compaction step failed: {}", ctx.self(), e.getMessage());
                more = false;
            }
            compactLater(more ? COMPACTION_SLICE_MILLIS : 1000);
        });
    }

    /** Extra INFO fields from the runtime (connections, pid, port). */
    public void runtimeInfo(Supplier<Map<String, String>> supplier) {
        this.runtimeInfo = supplier;
    }

    public Ring ring() {
        return ring;
    }

    public NodeStats stats() {
        return stats;
    }

    @Override
    public void onCommand(Session s, byte[][] args) {
        stats.commandProcessed();
        try {
            dispatch(s, args);
        } catch (StorageException e) {
            s.reply(RespValue.error("ERR storage: " + e.getMessage()));
        } catch (RuntimeException e) {
            // one catch-all per task boundary: the node keeps serving every other command
            LOG.error("{} failed on command {}", ctx.self(), Commands.name(args), e);
            s.reply(RespValue.error("ERR internal error: " + e));
        }
    }

    private void dispatch(Session s, byte[][] args) {
        String name = Commands.name(args);
        Commands.Spec spec = commands.lookup(name);
        if (spec == null) {
            s.reply(RespValue.error(Commands.unknownCommand(args)));
            return;
        }
        if (!spec.arityOk(args.length)) {
            s.reply(RespValue.error("ERR wrong number of arguments for '" + name.toLowerCase(Locale.ROOT)
                    + "' command"));
            return;
        }
        switch (name) {
            case "GET" -> get(s, args[1]);
            case "SET" -> set(s, args);
            case "DEL" -> del(s, args);
            case "EXISTS" -> exists(s, args);
            case "MGET" -> mget(s, args);
            case "MSET" -> mset(s, args);
            case "PUT" -> put(s, args);
            case "DELETE" -> delete(s, args[1]);
            case "KEYRANGE" -> s.reply(RespValue.bulk(ring.keyrangeText()));
            case "KEYRANGE_READ" -> s.reply(RespValue.bulk(ring.keyrangeReadText(1)));
            case "DBSIZE" -> s.reply(RespValue.integer(store.keyCount()));
            case "INFO" -> s.reply(RespValue.bulk(info(args.length > 1 ? Commands.text(args[1]) : "default")));
            default -> commands.connection(s, name, args, this::configValue);
        }
    }

    private void get(Session s, byte[] key) {
        s.reply(RespValue.bulk(liveValue(key)));
    }

    private byte[] liveValue(byte[] key) {
        StoredEntry e = store.get(key);
        return e == null ? null : e.value();
    }

    private void set(Session s, byte[][] args) {
        boolean nx = false;
        boolean xx = false;
        boolean get = false;
        for (int i = 3; i < args.length; i++) {
            String opt = Commands.text(args[i]).toUpperCase(Locale.ROOT);
            switch (opt) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GET" -> get = true;
                case "EX", "PX", "EXAT", "PXAT", "KEEPTTL" -> {
                    s.reply(RespValue.error("ERR SET option " + opt + " is not supported: RingKV keys do not expire"));
                    return;
                }
                default -> {
                    s.reply(RespValue.error("ERR syntax error"));
                    return;
                }
            }
        }
        if (nx && xx) {
            s.reply(RespValue.error("ERR syntax error"));
            return;
        }
        if (!checkKey(s, args[1]) || !checkValue(s, args[2])) {
            return;
        }
        byte[] old = (nx || xx || get) ? liveValue(args[1]) : null;
        if ((nx && old != null) || (xx && old == null)) {
            s.reply(get ? RespValue.bulk(old) : RespValue.NULL);
            return;
        }
        write(s, args[1], args[2], get ? RespValue.bulk(old) : RespValue.OK);
    }

    private void del(Session s, byte[][] args) {
        long n = 0;
        for (int i = 1; i < args.length; i++) {
            if (liveValue(args[i]) != null) {
                store.apply(args[i], null, nextVersion());
                n++;
            }
        }
        ackWhenDurable(s, RespValue.integer(n), n > 0);
    }

    private void exists(Session s, byte[][] args) {
        long n = 0;
        for (int i = 1; i < args.length; i++) {
            if (liveValue(args[i]) != null) {
                n++;
            }
        }
        s.reply(RespValue.integer(n));
    }

    private void mget(Session s, byte[][] args) {
        List<RespValue> out = new ArrayList<>(args.length - 1);
        for (int i = 1; i < args.length; i++) {
            out.add(RespValue.bulk(liveValue(args[i])));
        }
        s.reply(new RespValue.Array(out));
    }

    private void mset(Session s, byte[][] args) {
        if (args.length % 2 != 1) {
            s.reply(RespValue.error("ERR wrong number of arguments for 'mset' command"));
            return;
        }
        for (int i = 1; i < args.length; i += 2) {
            if (!checkKey(s, args[i]) || !checkValue(s, args[i + 1])) {
                return;
            }
        }
        for (int i = 1; i < args.length; i += 2) {
            store.apply(args[i], args[i + 1], nextVersion());
        }
        ackWhenDurable(s, RespValue.OK, true);
    }

    /** The original system's {@code put key value}; {@code put key null} deletes. */
    private void put(Session s, byte[][] args) {
        byte[] key = args[1];
        byte[] value = args[2];
        if (java.util.Arrays.equals(value, NULL_WORD)) {
            delete(s, key);
            return;
        }
        if (!checkKey(s, key) || !checkValue(s, value)) {
            return;
        }
        boolean existed = liveValue(key) != null;
        write(s, key, value, new RespValue.Simple(existed ? "PUT_UPDATE" : "PUT_SUCCESS"));
    }

    private void delete(Session s, byte[] key) {
        if (liveValue(key) == null) {
            s.reply(RespValue.error("DELETE_ERROR no such key"));
            return;
        }
        store.apply(key, null, nextVersion());
        ackWhenDurable(s, new RespValue.Simple("DELETE_SUCCESS"), true);
    }

    private void write(Session s, byte[] key, byte[] value, RespValue ack) {
        store.apply(key, value, nextVersion());
        ackWhenDurable(s, ack, true);
    }

    /** Acknowledges after the store's next flush (DESIGN §6: never acknowledge a write that could be lost). */
    private void ackWhenDurable(Session s, RespValue ack, boolean wrote) {
        if (!wrote) {
            s.reply(ack);
            return;
        }
        Session.PendingReply slot = s.defer();
        store.whenDurable(failure -> slot.complete(failure == null ? ack
                : RespValue.error("ERR storage: " + failure.getMessage())));
    }

    private boolean checkKey(Session s, byte[] key) {
        if (key.length > config.maxKeyBytes()) {
            s.reply(RespValue.error("ERR key is " + key.length + " bytes, the limit is " + config.maxKeyBytes()));
            return false;
        }
        return true;
    }

    private boolean checkValue(Session s, byte[] value) {
        if (value.length > config.maxValueBytes()) {
            s.reply(RespValue.error("ERR value is " + value.length + " bytes, the limit is "
                    + config.maxValueBytes()));
            return false;
        }
        return true;
    }

    private Version nextVersion() {
        return new Version(term, ++seq);
    }

    private String configValue(String param) {
        return switch (param) {
            case "save" -> "";
            case "appendonly" -> "yes";
            case "appendfsync" -> config.fsyncPolicyName();
            case "databases" -> "1";
            case "maxmemory" -> "0";
            case "proto-max-bulk-len" -> String.valueOf(config.maxValueBytes());
            default -> null;
        };
    }

    private String info(String section) {
        Map<String, String> rt = runtimeInfo.get();
        StringBuilder b = new StringBuilder();
        String sec = section.toLowerCase(Locale.ROOT);
        boolean all = sec.equals("default") || sec.equals("all") || sec.equals("everything");
        if (all || sec.equals("server")) {
            b.append("# Server\r\n")
                    .append("redis_version:7.0.0\r\n")
                    .append("ringkv_version:").append(Commands.VERSION).append("\r\n")
                    .append("redis_mode:standalone\r\n")
                    .append("process_id:").append(rt.getOrDefault("process_id", "0")).append("\r\n")
                    .append("tcp_port:").append(ctx.self().port()).append("\r\n")
                    .append("advertised_address:").append(ctx.self()).append("\r\n")
                    .append("uptime_in_seconds:").append((ctx.now() - startedAt) / 1000).append("\r\n\r\n");
        }
        if (all || sec.equals("clients")) {
            b.append("# Clients\r\n")
                    .append("connected_clients:").append(rt.getOrDefault("connected_clients", "0")).append("\r\n\r\n");
        }
        if (all || sec.equals("stats")) {
            b.append("# Stats\r\n")
                    .append("total_connections_received:").append(rt.getOrDefault("total_connections", "0")).append("\r\n")
                    .append("total_commands_processed:").append(stats.commandsProcessed()).append("\r\n")
                    .append("instantaneous_ops_per_sec:").append(stats.opsPerSecond()).append("\r\n\r\n");
        }
        if (all || sec.equals("persistence")) {
            b.append("# Persistence\r\n")
                    .append("fsync:").append(config.fsyncPolicyName()).append("\r\n")
                    .append("disk_bytes:").append(store.diskBytes()).append("\r\n")
                    .append("live_bytes:").append(store.liveBytes()).append("\r\n")
                    .append("last_version:").append(Version.max(store.highestVersion(), new Version(term, seq)))
                    .append("\r\n\r\n");
        }
        if (all || sec.equals("ring")) {
            b.append("# Ring\r\n")
                    .append("ring_version:").append(ring.version()).append("\r\n")
                    .append("ring_term:").append(ring.term()).append("\r\n")
                    .append("ring_members:").append(ring.size()).append("\r\n\r\n");
        }
        if (all || sec.equals("keyspace")) {
            b.append("# Keyspace\r\n")
                    .append("db0:keys=").append(store.keyCount()).append(",expires=0,avg_ttl=0\r\n");
        }
        return b.toString();
    }
}
