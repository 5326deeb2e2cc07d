package dev.ringkv.launcher;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ringkv} command: the headless way to run and use a RingKV cluster. */
@Command(name = "ringkv", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "RingKV: a distributed key-value store on a consistent-hash ring, spoken to over the Redis protocol.",
        subcommands = {EcsCommand.class, ServerCommand.class, ClientCommand.class, DumpCommand.class, BenchCommand.class, StatusCommand.class, WatchCommand.class, ChaosCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The subcommands by name, made only when named: building picocli's model of all eight (reflection over
     * every option) took ~0.1 s of each short command such as {@code ringkv status}.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = Map.of("ecs", EcsCommand::new,
            "server", ServerCommand::new, "client", ClientCommand::new, "dump", DumpCommand::new,
            "bench", BenchCommand::new, "status", StatusCommand::new, "watch", WatchCommand::new,
            "chaos", ChaosCommand::new);

    /**
     * True in a process of its own (set by {@link #main}): a node that runs out of memory halts, so the cluster
     * sees a crash. Tests calling {@link #run} in their JVM keep the library's default: the node's loop stops
     * and logs why. The commands that start nodes apply it, so the others never load the runtime (nor its
     * logging: setting up logback was another ~0.1 s of a short command).
     */
    static volatile boolean ownProcess;

    public static void main(String[] args) {
        ownProcess = true;
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        Supplier<Object> only = args.length > 0 ? COMMANDS.get(args[0]) : null;
        CommandLine cl;
        if (only != null) {
            cl = new CommandLine(only.get());
            cl.setCommandName("ringkv " + args[0]);
            args = Arrays.copyOfRange(args, 1, args.length);
        } else {
            cl = new CommandLine(new Main()); // ringkv, ringkv -h, -V, or a mistyped command: all of them
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl.execute(args);
    }

    /** Called by the commands that start a node, before they start it. */
    static void applyOutOfMemoryPolicy() {
        if (ownProcess) {
            dev.ringkv.runtime.Servers.haltOnOutOfMemory(true);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ringkv 0.1.0"};
        }
    }
}
