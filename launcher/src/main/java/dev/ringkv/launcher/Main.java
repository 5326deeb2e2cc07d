package dev.ringkv.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ringkv} command: the headless way to run and use a RingKV cluster. */
@Command(name = "ringkv", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "RingKV: a distributed key-value store on a consistent-hash ring, spoken to over the Redis protocol.",
        subcommands = {EcsCommand.class, ServerCommand.class, ClientCommand.class, DumpCommand.class, BenchCommand.class, StatusCommand.class, WatchCommand.class, ChaosCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // a process of its own: a node that runs out of memory halts, so the cluster sees a crash (tests
        // calling run() in their JVM keep the library's default: the node's loop stops and logs why)
        dev.ringkv.runtime.Servers.haltOnOutOfMemory(true);
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl.execute(args);
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
