package dev.ringkv.launcher;

import dev.ringkv.monitor.ClusterStatus;
import dev.ringkv.ring.ServerAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the {@code ringkv} commands find the cluster when {@code -b} is not given. After an ECS failover
 * nobody answers at {@code localhost:5100} any more, so the commands remember the cluster they last saw:
 *
 * <ol>
 *   <li>{@code -b HOST:PORT[,...]} when given;</li>
 *   <li>else {@code $RINGKV_BOOTSTRAP} (the same list);</li>
 *   <li>else the nodes remembered in the state file — the ECS and every server of the last status or ring a
 *       command or server on this machine saw — then {@code localhost:5100}.</li>
 * </ol>
 *
 * <p>The state file is the system property {@code ringkv.state}, else {@code $RINGKV_STATE}, else
 * {@code ~/.ringkv/cluster}: one {@code host:port} per line, the ECS first. Any node answers for the
 * cluster (a server names its ECS), so any line still alive is enough. It is rewritten whole (write, then
 * rename) and a damaged line is skipped: a bad file never stops a command that was given {@code -b}.
 */
final class Bootstrap {

    static final String ENV = "RINGKV_BOOTSTRAP";
    static final String DEFAULT = "localhost:5100";
    /** What a {@code -b} option's help says about its default. */
    static final String DEFAULT_HELP = "Default: $" + ENV + ", else the cluster this machine last saw (~/.ringkv/cluster), "
            + "else " + DEFAULT + ".";

    private Bootstrap() {
    }

    /** The nodes to try, in order (see the class comment); {@code explicit} is the {@code -b} value or null. */
    static List<ServerAddress> nodes(String explicit) {
        if (explicit != null) {
            return EcsLink.addresses(explicit);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            try {
                return EcsLink.addresses(env);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("$" + ENV + ": " + e.getMessage());
            }
        }
        Set<ServerAddress> out = new LinkedHashSet<>(remembered());
        out.add(ServerAddress.parse(DEFAULT));
        return new ArrayList<>(out);
    }

    static Path file() {
        String prop = System.getProperty("ringkv.state");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("RINGKV_STATE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".ringkv", "cluster");
    }

    /** The remembered nodes, ECS first; empty if none (no file, or nothing readable in it). */
    static List<ServerAddress> remembered() {
        List<ServerAddress> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file(), StandardCharsets.UTF_8)) {
                try {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        out.add(ServerAddress.parse(line.strip()));
                    }
                } catch (IllegalArgumentException e) {
                    // a damaged line: skip it
                }
            }
        } catch (IOException | RuntimeException e) {
            // no file, unreadable: nothing remembered
        }
        return out;
    }

    /** Remembers the cluster {@code status} describes: its ECS, then its servers. */
    static void remember(ClusterStatus status) {
        List<ServerAddress> nodes = new ArrayList<>();
        try {
            nodes.add(ServerAddress.parse(status.ecs()));
        } catch (IllegalArgumentException e) {
            // no ECS named
        }
        for (ClusterStatus.MemberStatus m : status.members()) {
            if (!"DOWN".equals(m.state())) {
                try {
                    nodes.add(ServerAddress.parse(m.address()));
                } catch (IllegalArgumentException e) {
                    // skip it
                }
            }
        }
        remember(nodes);
    }

    /** Remembers {@code nodes} (the ECS first), replacing what was remembered; best effort, never fails. */
    static void remember(List<ServerAddress> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        Path f = file();
        StringBuilder text = new StringBuilder("# the RingKV cluster last seen here: the ECS first, then its servers\n");
        for (ServerAddress a : new LinkedHashSet<>(nodes)) {
            text.append(a).append('\n');
        }
        try {
            Files.createDirectories(f.toAbsolutePath().getParent());
            Path tmp = f.resolveSibling(f.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            // a read-only home: commands still work with -b
        }
    }
}
