package dev.ringkv.launcher;

import dev.ringkv.ring.ServerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real {@code ringkv server} child process (same classpath as the tests), on a free loopback port. */
final class ServerProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("RingKV server (\\S+) ready");

    private final Process process;
    private final ServerAddress address;

    private ServerProcess(Process process, ServerAddress address) {
        this.process = process;
        this.address = address;
    }

    static ServerProcess start(Path dir, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "dev.ringkv.launcher.Main", "server", "-p", "0", "-a", "127.0.0.1", "-d", dir.toString(), "--standalone",
                "--log-level", "WARN"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = READY.matcher(line);
            if (m.find()) {
                ServerAddress a = ServerAddress.parse(m.group(1));
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // keep the pipe from filling up
                        }
                    } catch (IOException ignored) {
                        // process gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new ServerProcess(p, a);
            }
        }
        p.destroyForcibly();
        throw new IOException("server process exited before it was ready:\n" + seen);
    }

    ServerAddress address() {
        return address;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, as a crash: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as Ctrl-C: the graceful path. */
    int terminate() throws InterruptedException {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
