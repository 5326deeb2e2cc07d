package dev.ringkv.ui;

import dev.ringkv.client.RingKvCluster;
import dev.ringkv.client.RingKvException;
import dev.ringkv.client.ServerErrorException;
import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.ring.Hashing;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's {@link Backend}: storage pages, key commands and (with a sandbox) process control, each
 * run on one background thread; load on another. Results and failures go back to the view-model.
 */
final class ClusterControl implements Backend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterControl.class);
    static final int LOAD_WRITES_PER_SECOND = 400;
    static final int LOAD_KEYS = 20_000;

    private final MonitorViewModel model;
    private final boolean sandboxMode;
    private volatile Sandbox sandbox;
    private final Supplier<List<ServerAddress>> nodes;
    private final Connections connections = new Connections();
    private final ExecutorService actions = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ringkv-monitor-actions");
        t.setDaemon(true);
        return t;
    });
    private volatile Thread loader;
    private volatile boolean loading;

    /**
     * @param sandboxMode whether a local sandbox will be controlled ({@link #sandboxStarted} hands it over)
     * @param nodes every node known now (to find the cluster for the load's client)
     */
    ClusterControl(MonitorViewModel model, boolean sandboxMode, Supplier<List<ServerAddress>> nodes) {
        this.model = model;
        this.sandboxMode = sandboxMode;
        this.nodes = nodes;
    }

    void sandboxStarted(Sandbox s) {
        this.sandbox = s;
    }

    private void run(String what, Task task) {
        actions.execute(() -> {
            try {
                if (sandbox == null) {
                    model.offerAction(what + ": the sandbox is still starting");
                    return;
                }
                task.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("{} failed: {}", what, e.toString());
                model.offerAction(what + " failed: " + e.getMessage());
            }
        });
    }

    private interface Task {
        void run() throws Exception;
    }

    // ---------------------------------------------------------------------------------------- storage

    @Override
    public void loadStorage(ServerAddress node, String cursor, Ring ring, int replicas) {
        actions.execute(() -> {
            try {
                model.offerStorage(page(node, cursor, ring, replicas));
            } catch (RingKvException e) {
                model.offerStorage(StoragePage.failed(node, cursor, e.getMessage()));
            }
        });
    }

    private StoragePage page(ServerAddress node, String cursor, Ring ring, int replicas) {
        RespValue reply = connections.call(node, c -> c.execute("RINGKV", "ENTRIES", "-", "-", cursor,
                String.valueOf(MonitorViewModel.PAGE_SIZE)));
        String next = ((RespValue.Bulk) ((RespValue.Array) reply).items().get(0)).utf8();
        List<EntryRow> rows = new ArrayList<>();
        for (RespValue item : ClusterFeed.entries(reply)) {
            List<RespValue> f = ((RespValue.Array) item).items();
            Position p = Position.fromHex(((RespValue.Bulk) f.get(0)).utf8());
            byte[] key = ((RespValue.Bulk) f.get(1)).bytes();
            byte[] value = f.get(2) instanceof RespValue.Bulk b ? b.bytes() : null;
            ServerAddress coordinator = ring.isEmpty() ? null : ring.coordinatorOf(p);
            String role = coordinator == null ? "?" : coordinator.equals(node) ? "coordinator" : "replica of " + coordinator;
            rows.add(new EntryRow(text(key, 80), p, role, value == null ? "(deleted)" : text(value, 60),
                    key.length + (value == null ? 0 : value.length), ((RespValue.Bulk) f.get(3)).utf8()));
        }
        long coordinated = 0;
        Map<String, Long> replicasFor = new LinkedHashMap<>();
        if (ring.contains(node)) {
            coordinated = count(node, ring.rangeOf(node));
            for (ServerAddress other : ring.members()) {
                if (!other.equals(node) && ring.replicasOf(ring.positionOf(other), replicas).contains(node)) {
                    replicasFor.put(other.toString(), count(node, ring.rangeOf(other)));
                }
            }
        }
        return new StoragePage(node, cursor, rows, next, coordinated, replicasFor, null);
    }

    /** Entries {@code node} holds in {@code range}, from {@code RINGKV DIGEST} ({@code entries:hash}). */
    private long count(ServerAddress node, Range range) {
        String digest = ((RespValue.Bulk) connections.call(node,
                c -> c.execute("RINGKV", "DIGEST", range.from().hex(), range.to().hex()))).utf8();
        return Long.parseLong(digest.substring(0, digest.indexOf(':')));
    }

    static String text(byte[] b, int max) {
        String s = new String(b, StandardCharsets.UTF_8);
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    // ----------------------------------------------------------------------------------- key commands

    @Override
    public void keyCommand(String command, String key, String value, Ring ring, int replicas) {
        actions.execute(() -> model.offerResult(answer(command, key, value, ring, replicas)));
    }

    /** Asks the key's coordinator, then its replicas, then any node (every node forwards, DESIGN §6). */
    private MonitorViewModel.KeyResult answer(String command, String key, String value, Ring ring, int replicas) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        Position p = Hashing.position(k);
        List<ServerAddress> holders = ring.replicasOf(p, replicas);
        LinkedHashSet<ServerAddress> ask = new LinkedHashSet<>(holders);
        ask.addAll(nodes.get());
        String[] args = switch (command) {
            case "PUT" -> new String[] {"SET", key, value};
            case "GET" -> new String[] {"GET", key};
            default -> new String[] {"DEL", key};
        };
        StringBuilder failures = new StringBuilder();
        for (ServerAddress a : ask) {
            try {
                RespValue r = connections.call(a, c -> c.execute(args));
                String shown = switch (command) {
                    case "PUT" -> "put " + key + " = " + text(value.getBytes(StandardCharsets.UTF_8), 60);
                    case "GET" -> r instanceof RespValue.Bulk b ? "get " + key + " = " + text(b.bytes(), 60)
                            : "get " + key + ": no such key";
                    default -> r instanceof RespValue.Int n && n.value() > 0 ? "deleted " + key
                            : "delete " + key + ": no such key";
                };
                String text = String.format(Locale.ROOT, "%s · answered by %s · holders %s", shown, a, holderList(holders));
                model.offerAction(text);
                return new MonitorViewModel.KeyResult(key, p, holders, a, text);
            } catch (ServerErrorException e) {
                String text = command.toLowerCase(Locale.ROOT) + " " + key + ": " + a + " answered " + e.getMessage();
                return new MonitorViewModel.KeyResult(key, p, holders, a, text);
            } catch (RingKvException e) {
                failures.append(failures.length() == 0 ? "" : "; ").append(a).append(": ").append(e.getMessage());
            }
        }
        return new MonitorViewModel.KeyResult(key, p, holders, null,
                command.toLowerCase(Locale.ROOT) + " " + key + ": no node answered (" + failures + ")");
    }

    private static String holderList(List<ServerAddress> holders) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < holders.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(holders.get(i)).append(i == 0 ? " (coordinator)" : "");
        }
        return b.toString();
    }

    // -------------------------------------------------------------------------------------- sandbox

    @Override
    public boolean sandbox() {
        return sandboxMode;
    }

    @Override
    public void addServer() {
        run("add server", () -> {
            ServerAddress a = sandbox.addServer();
            model.offerAction("started server " + a + " (pid " + sandbox.pid(a) + "); it asks the ECS to join");
        });
    }

    @Override
    public void stopServer(ServerAddress server) {
        run("stop " + server, () -> {
            sandbox.stop(server);
            model.offerAction("SIGTERM to " + server + ": a graceful leave (its ranges move first)");
        });
    }

    @Override
    public void crashServer(ServerAddress server) {
        run("crash " + server, () -> {
            if (!sandbox.isRunning(server)) {
                model.offerAction(server + " is not running");
                return;
            }
            long pid = sandbox.pid(server);
            sandbox.crash(server);
            model.offerAction("SIGKILL to " + server + " (pid " + pid + ")");
        });
    }

    @Override
    public void restartServer(ServerAddress server) {
        run("restart " + server, () -> {
            if (sandbox.isRunning(server)) {
                model.offerAction(server + " is running already");
                return;
            }
            sandbox.restart(server);
            model.offerAction("restarted " + server + " (pid " + sandbox.pid(server) + ") on its data directory");
        });
    }

    @Override
    public void crashEcs() {
        run("crash the ECS", () -> {
            ServerAddress ecs = sandbox.crashEcs();
            model.offerAction(ecs == null ? "no node names an ECS right now"
                    : "SIGKILL to the ECS " + ecs + ": the servers elect a new one");
        });
    }

    // ----------------------------------------------------------------------------------------- load

    @Override
    public void load(boolean on) {
        if (on && loader == null) {
            loading = true;
            loader = new Thread(this::loadLoop, "ringkv-monitor-load");
            loader.setDaemon(true);
            loader.start();
        } else if (!on && loader != null) {
            loading = false;
            loader.interrupt();
            loader = null;
        }
    }

    /** Steady writes of 100-byte values through the routing client, paced; failures reported once a second. */
    private void loadLoop() {
        model.offerAction(String.format(Locale.ROOT, "load on: %d writes/s over %,d keys load:0..", LOAD_WRITES_PER_SECOND, LOAD_KEYS));
        byte[] value = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
        long written = 0;
        long failed = 0;
        String lastFailure = null;
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / LOAD_WRITES_PER_SECOND;
        long next = System.nanoTime();
        long report = next + TimeUnit.SECONDS.toNanos(1);
        try (RingKvCluster client = RingKvCluster.connect(
                RingKvCluster.Options.DEFAULT.withCallTimeout(java.time.Duration.ofSeconds(2)),
                nodes.get().toArray(new ServerAddress[0]))) {
            for (long i = 0; loading; i++) {
                try {
                    client.set(("load:" + i % LOAD_KEYS).getBytes(StandardCharsets.US_ASCII), value);
                    written++;
                } catch (RingKvException e) {
                    failed++;
                    lastFailure = e.getMessage();
                }
                long now = System.nanoTime();
                if (now - report >= 0) {
                    if (failed > 0) {
                        model.offerAction("load: " + failed + " writes failed in the last second (" + lastFailure + ")");
                        failed = 0;
                    }
                    report = now + TimeUnit.SECONDS.toNanos(1);
                }
                next += periodNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                    next = System.nanoTime(); // behind by a second (the cluster was busy): do not burst
                }
            }
        } catch (InterruptedException e) {
            // switched off
        } catch (RingKvException e) {
            model.offerAction("load stopped: " + e.getMessage());
        }
        model.offerAction(String.format(Locale.ROOT, "load off: %,d writes acknowledged", written));
    }

    @Override
    public void close() {
        load(false);
        actions.shutdownNow();
        try {
            actions.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close();
    }
}
