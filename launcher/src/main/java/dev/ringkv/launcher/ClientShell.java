package dev.ringkv.launcher;

import dev.ringkv.client.ConnectionException;
import dev.ringkv.client.RingKvCluster;
import dev.ringkv.client.RingKvException;
import dev.ringkv.client.ServerErrorException;
import dev.ringkv.ring.ServerAddress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The client CLI's commands, one line at a time. Output words follow the original system
 * ({@code put_success}, {@code get_success}, ...), so its users and scripts feel at home.
 *
 * <p>{@code connect} seeds a routing-aware {@link RingKvCluster} with the given node (a member, a
 * standalone server, or the ECS): each key then goes straight to its coordinator, and ring changes are
 * followed transparently. The connection counts as lost when an operation fails for want of a connection
 * and no node of the ring (nor the seed) answers any more.
 */
final class ClientShell implements AutoCloseable {

    static final String PROMPT = "RingKV> ";
    /** The commands, for completion. */
    static final java.util.List<String> COMMANDS = java.util.List.of("connect", "disconnect", "put", "get", "delete",
            "keyrange", "keyrange_read", "logLevel", "help", "quit");

    private static final String HELP = String.join(System.lineSeparator(),
            "Commands:",
            "  connect <host> <port>   connect to a RingKV cluster through one of its nodes (or its ECS)",
            "  disconnect              close the connection",
            "  put <key> <value...>    store a value (the rest of the line); 'put <key> null' deletes",
            "  get <key>               read a value",
            "  delete <key>            delete a key",
            "  keyrange                the ring: from,to,host:port; per server",
            "  keyrange_read           the ranges each server can serve reads for (with replicas)",
            "  logLevel <level>        ALL, TRACE, DEBUG, INFO, WARN, ERROR or OFF",
            "  help                    this list",
            "  quit                    leave");

    private final PrintStream out;
    private final RingKvCluster.Options options;
    private RingKvCluster cluster;
    private ServerAddress seed;
    private int failures;

    ClientShell(PrintStream out) {
        this(out, RingKvCluster.Options.DEFAULT);
    }

    ClientShell(PrintStream out, RingKvCluster.Options options) {
        this.out = out;
        this.options = options;
    }

    /** Lines that failed: usage mistakes, unknown commands, server or connection errors (piped runs then exit 1). */
    int failures() {
        return failures;
    }

    /** Runs one line; returns false when the user asked to quit. */
    boolean execute(String line) {
        String trimmed = stripLeading(line);
        if (trimmed.isBlank() || trimmed.startsWith("#")) {
            return true;
        }
        int sp = indexOfSpace(trimmed);
        String cmd = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toLowerCase(Locale.ROOT);
        String rest = sp < 0 ? "" : stripLeading(trimmed.substring(sp));
        try {
            switch (cmd) {
                case "connect" -> connect(rest);
                case "disconnect" -> disconnect();
                case "put" -> put(rest);
                case "get" -> get(rest.strip());
                case "delete" -> delete(rest.strip());
                case "keyrange" -> out.println("keyrange_success " + connected().keyrange());
                case "keyrange_read" -> out.println("keyrange_success " + connected().keyrangeRead());
                case "loglevel" -> logLevel(rest.strip());
                case "help" -> out.println(HELP);
                case "quit", "exit" -> {
                    out.println("Bye.");
                    return false;
                }
                default -> error("Unknown command '" + cmd + "'. Type 'help' for the list of commands.");
            }
        } catch (ConnectionException e) {
            if (cluster != null && !reachable()) {
                String lost = "Connection to " + seed + " lost (" + e.getMessage()
                        + "). Use 'connect <host> <port>' to reconnect.";
                disconnectQuietly();
                error(lost);
            } else {
                error(e.getMessage());
            }
        } catch (RingKvException e) {
            error(e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            error(e.getMessage());
        }
        return true;
    }

    private void connect(String rest) {
        String[] parts = rest.strip().split("\\s+");
        if (parts.length != 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("usage: connect <host> <port>");
        }
        int port;
        try {
            port = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port must be a number, got '" + parts[1] + "'");
        }
        ServerAddress a = new ServerAddress(parts[0], port);
        disconnectQuietly();
        cluster = RingKvCluster.connect(options, a);
        seed = a;
        out.println("Connected to RingKV at " + a);
    }

    /** Whether any node of the ring, or the seed, still gives the ring. */
    private boolean reachable() {
        try {
            cluster.refresh();
            return true;
        } catch (RingKvException e) {
            return false;
        }
    }

    private void disconnect() {
        if (cluster == null) {
            out.println("Not connected.");
            return;
        }
        String a = String.valueOf(seed);
        disconnectQuietly();
        out.println("Disconnected from " + a);
    }

    private void put(String rest) {
        int sp = indexOfSpace(rest);
        if (rest.isBlank() || sp < 0) {
            throw new IllegalArgumentException("usage: put <key> <value...>  ('put <key> null' deletes)");
        }
        String key = rest.substring(0, sp);
        String value = rest.substring(sp + 1);
        RingKvCluster c = connected();
        if (value.equals("null")) {
            deleteKey(c, key);
            return;
        }
        try {
            String r = c.put(key, value);
            out.println(r.toLowerCase(Locale.ROOT) + " " + key);
        } catch (ServerErrorException e) {
            error("put_error " + key + " " + e.getMessage());
        }
    }

    private void get(String key) {
        if (key.isEmpty() || indexOfSpace(key) >= 0) {
            throw new IllegalArgumentException("usage: get <key>");
        }
        String v = connected().get(key);
        if (v == null) {
            out.println("get_error " + key + " (no such key)"); // an answer, not a failure
        } else {
            out.println("get_success " + key + " " + v);
        }
    }

    private void delete(String key) {
        if (key.isEmpty() || indexOfSpace(key) >= 0) {
            throw new IllegalArgumentException("usage: delete <key>");
        }
        deleteKey(connected(), key);
    }

    private void deleteKey(RingKvCluster c, String key) {
        try {
            c.delete(key);
            out.println("delete_success " + key);
        } catch (ServerErrorException e) {
            if ("DELETE_ERROR".equals(e.code())) {
                out.println("delete_error " + key + " (no such key)"); // an answer, not a failure
            } else {
                error("delete_error " + key + " " + e.getMessage());
            }
        }
    }

    private void logLevel(String level) {
        Logging.level(level);
        out.println("Log level set to " + level.toUpperCase(Locale.ROOT));
    }

    private RingKvCluster connected() {
        if (cluster == null) {
            throw new IllegalStateException("Not connected: use 'connect <host> <port>' first.");
        }
        return cluster;
    }

    private void error(String message) {
        failures++;
        out.println(message);
    }

    private void disconnectQuietly() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
            seed = null;
        }
    }

    @Override
    public void close() {
        disconnectQuietly();
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static String stripLeading(String s) {
        return s.stripLeading();
    }
}
