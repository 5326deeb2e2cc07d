package dev.ringkv.ui;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;

/**
 * What the view-model asks of the cluster. Every method returns at once: the work runs on a background
 * thread and its result comes back through the view-model's {@code offer…} methods, so the FX thread
 * never waits for the network, a disk or a process (DESIGN §10).
 */
public interface Backend extends AutoCloseable {

    /** Reads a page of what {@code node} stores, from {@code cursor} ({@code -}: the start). */
    void loadStorage(ServerAddress node, String cursor, Ring ring, int replicas);

    /** PUT, GET or DELETE of a key on its coordinator in {@code ring} (another holder if it does not answer). */
    void keyCommand(String command, String key, String value, Ring ring, int replicas);

    /** Whether this backend runs a local sandbox, so servers can be added, stopped and crashed. */
    boolean sandbox();

    /** Sandbox: starts one more server, joining through the live nodes. */
    void addServer();

    /** Sandbox: SIGTERM, a graceful leave (its ranges move away first). */
    void stopServer(ServerAddress server);

    /** Sandbox: SIGKILL. */
    void crashServer(ServerAddress server);

    /** Sandbox: starts a stopped or crashed server again on its port and data directory. */
    void restartServer(ServerAddress server);

    /** Sandbox: SIGKILL of whoever holds the ECS role now: the dedicated ECS, or the server elected after it. */
    void crashEcs();

    /** Starts or stops steady writes through the routing client. */
    void load(boolean on);

    /** Stops the background work (not the sandbox's processes). */
    @Override
    void close();
}
