package dev.ringkv.launcher;

import dev.ringkv.storage.StoreDump;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ringkv dump -d DIR}: prints a store's entries as text, read-only (safe on a live server's directory). */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print the entries of a data directory as text, in ring order (read-only).")
final class DumpCommand implements Callable<Integer> {

    @Option(names = {"-d", "--dir"}, required = true, description = "Data directory of a server.")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "no such data directory: " + dir);
        }
        Logging.level("WARN");
        PrintStream out = System.out;
        StoreDump.dump(dir, out);
        out.flush();
        return 0;
    }
}
