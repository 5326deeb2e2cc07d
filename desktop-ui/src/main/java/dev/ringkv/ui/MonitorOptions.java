package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The monitor's command line: {@code [--attach HOST:PORT] [--data DIR] [--screenshot FILE]}.
 *
 * @param attach watch this running node instead of starting a local sandbox (null: sandbox)
 * @param dataDir where the sandbox keeps its data (null: a new temporary directory)
 * @param screenshot render the window to this PNG once data is shown, then exit (null: stay open)
 */
public record MonitorOptions(ServerAddress attach, Path dataDir, Path screenshot) {

    public static MonitorOptions parse(List<String> args) {
        ServerAddress attach = null;
        Path data = null;
        Path shot = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--attach" -> attach = ServerAddress.parse(value(args, ++i, a));
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--screenshot" -> shot = Path.of(value(args, ++i, a));
                case "-h", "--help" -> throw new IllegalArgumentException(usage());
                default -> throw new IllegalArgumentException("unknown option '" + a + "'\n" + usage());
            }
        }
        return new MonitorOptions(attach, data, shot);
    }

    private static String value(List<String> args, int i, String opt) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(opt + " needs a value\n" + usage());
        }
        return args.get(i);
    }

    public static String usage() {
        return "usage: ringkv-monitor [--attach HOST:PORT] [--data DIR] [--screenshot FILE.png]";
    }
}
