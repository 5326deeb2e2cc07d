package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The monitor's command line: {@code [--attach HOST:PORT[,HOST:PORT...]] [--data DIR] [--servers N]
 * [--screenshot FILE]}.
 *
 * @param attach watch this running cluster (the ECS or any members) instead of starting a sandbox (empty: sandbox)
 * @param dataDir where the sandbox keeps its data (null: a new temporary directory)
 * @param servers how many servers the sandbox starts with
 * @param screenshot render the window to this PNG once the cluster is shown, then exit (null: stay open)
 */
public record MonitorOptions(List<ServerAddress> attach, Path dataDir, int servers, Path screenshot) {

    public static final int MAX_SERVERS = 8;

    public static MonitorOptions parse(List<String> args) {
        List<ServerAddress> attach = new ArrayList<>();
        Path data = null;
        Path shot = null;
        int servers = 3;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--attach" -> {
                    for (String s : value(args, ++i, a).split(",")) {
                        try {
                            attach.add(ServerAddress.parse(s.trim()));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--attach: " + e.getMessage() + "\n" + usage());
                        }
                    }
                }
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--servers" -> {
                    String v = value(args, ++i, a);
                    try {
                        servers = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        servers = -1;
                    }
                    if (servers < 1 || servers > MAX_SERVERS) {
                        throw new IllegalArgumentException("--servers must be 1.." + MAX_SERVERS + ", not '" + v + "'\n" + usage());
                    }
                }
                case "--screenshot" -> shot = Path.of(value(args, ++i, a));
                case "-h", "--help" -> throw new IllegalArgumentException(usage());
                default -> throw new IllegalArgumentException("unknown option '" + a + "'\n" + usage());
            }
        }
        if (!attach.isEmpty() && data != null) {
            throw new IllegalArgumentException("--data is for the local sandbox; with --attach the cluster keeps its own\n" + usage());
        }
        return new MonitorOptions(List.copyOf(attach), data, servers, shot);
    }

    private static String value(List<String> args, int i, String opt) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(opt + " needs a value\n" + usage());
        }
        return args.get(i);
    }

    public boolean sandbox() {
        return attach.isEmpty();
    }

    public static String usage() {
        return String.join(System.lineSeparator(),
                "usage: ringkv-monitor [--attach HOST:PORT[,HOST:PORT...]] [--data DIR] [--servers N] [--screenshot FILE.png]",
                "The RingKV desktop monitor: the ring, the servers, storage, replicas, transfers and the timeline, live.",
                "  (no flags)          start a local sandbox (an ECS and 3 servers as child processes) and watch it",
                "  --attach ADDRS      watch a running cluster through its ECS or any of its members instead",
                "  --data DIR          where the sandbox keeps its data and logs (default: a new temporary directory)",
                "  --servers N         how many servers the sandbox starts with, 1.." + MAX_SERVERS + " (default 3)",
                "  --screenshot FILE   render the window to a PNG once the cluster is up, then exit",
                "  -h, --help          this text");
    }
}
