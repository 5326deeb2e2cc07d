package dev.ringkv.launcher.bench;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ringkv.launcher.ProcessCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Hazelcast members as processes on 127.0.0.1 (the same jar this JVM has, {@code HazelcastMemberStarter}),
 * joined over TCP/IP with a fixed member list, one map configuration: {@code backup-count} synchronous
 * backups, no asynchronous ones. Phone-home, multicast and auto-detection are off: nothing leaves loopback.
 */
final class HazelcastCluster implements AutoCloseable {
    static final String MAP = "bench";
    /** Hazelcast's own recommended flags for Java 17 (its start script's module openings). */
    private static final List<String> MODULE_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

    private final Path base;
    private final List<String> jvm;
    private final String clusterName;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> members = new ArrayList<>();
    private final List<HazelcastInstance> clients = new ArrayList<>();

    HazelcastCluster(Path base, List<String> jvm, int members, String clusterName) throws IOException {
        this.base = base;
        this.jvm = List.copyOf(jvm);
        this.clusterName = clusterName;
        for (int i = 0; i < members; i++) {
            ports.add(ProcessCluster.freePort());
        }
        Files.createDirectories(base);
    }

    /** Starts every member with {@code backups} synchronous backups per map entry. */
    HazelcastCluster start(int backups) throws IOException {
        for (int i = 0; i < ports.size(); i++) {
            startMember(i, backups);
        }
        return this;
    }

    /** Starts member {@code i}; its log is {@code member-i.log}. */
    Process startMember(int i, int backups) throws IOException {
        Process p = new ProcessBuilder(memberCommand(i, backups)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile())).start();
        members.add(p);
        return p;
    }

    /** The command line of member {@code i} (its configuration file written). */
    List<String> memberCommand(int i, int backups) throws IOException {
        Path config = base.resolve("member-" + i + ".xml");
        Files.writeString(config, memberXml(ports.get(i), backups));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.addAll(MODULE_FLAGS);
        cmd.addAll(List.of("-Dhazelcast.config=" + config, "-Dhazelcast.phone.home.enabled=false",
                "-Dhazelcast.socket.bind.any=false", "-cp", hazelcastJar(), "com.hazelcast.core.server.HazelcastMemberStarter"));
        return cmd;
    }

    Path log(int i) {
        return base.resolve("member-" + i + ".log");
    }

    List<Process> members() {
        return members;
    }

    /** A new smart client (one connection per member, routes each key to its owner). */
    HazelcastInstance client() {
        ClientConfig c = new ClientConfig();
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.logging.type", "none");
        c.getNetworkConfig().setAddresses(ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.toList()));
        HazelcastInstance h = HazelcastClient.newHazelcastClient(c);
        synchronized (clients) {
            clients.add(h);
        }
        return h;
    }

    /** Waits until a client sees {@code n} members. */
    void awaitMembers(int n, Duration timeout) throws InterruptedException {
        HazelcastInstance c = client();
        DetectionBench.require(ProcessCluster.await(() -> c.getCluster().getMembers().size() == n, timeout),
                "the Hazelcast members did not form a cluster of " + n);
    }

    /**
     * A Hazelcast client instance per call of {@code open} (smart routing: a connection to every member,
     * each key sent to its owner); {@link SyncLoad#shared} makes one instance serve every thread, which
     * is how Hazelcast clients are meant to be used (the instance multiplexes its calls).
     */
    SyncLoad.ClientFactory factory() {
        return () -> {
            HazelcastInstance h = client();
            IMap<byte[], byte[]> map = h.getMap(MAP);
            return new SyncLoad.Client() {
                public void write(byte[] k, byte[] v) {
                    map.set(k, v);
                }

                public byte[] read(byte[] k) {
                    return map.get(k);
                }

                public void close() {
                    h.shutdown();
                }
            };
        };
    }

    private String memberXml(int port, int backups) {
        String memberList = ports.stream().map(p -> "          <member>127.0.0.1:" + p + "</member>")
                .collect(Collectors.joining("\n"));
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <hazelcast xmlns="http://www.hazelcast.com/schema/config"
                           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                           xsi:schemaLocation="http://www.hazelcast.com/schema/config
                           http://www.hazelcast.com/schema/config/hazelcast-config-5.5.xsd">
                  <cluster-name>%s</cluster-name>
                  <properties>
                    <property name="hazelcast.phone.home.enabled">false</property>
                    <property name="hazelcast.socket.bind.any">false</property>
                  </properties>
                  <network>
                    <port auto-increment="false">%d</port>
                    <interfaces enabled="true"><interface>127.0.0.1</interface></interfaces>
                    <join>
                      <auto-detection enabled="false"/>
                      <multicast enabled="false"/>
                      <tcp-ip enabled="true">
                        <member-list>
                %s
                        </member-list>
                      </tcp-ip>
                    </join>
                  </network>
                  <jet enabled="false"/>
                  <map name="%s">
                    <backup-count>%d</backup-count>
                    <async-backup-count>0</async-backup-count>
                  </map>
                </hazelcast>
                """.formatted(clusterName, port, memberList, MAP, backups);
    }

    /** The Hazelcast jar on this JVM's classpath (the profile puts it there). */
    static String hazelcastJar() {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.matches(".*hazelcast-[0-9][^/]*\\.jar")) {
                return entry;
            }
        }
        throw new IllegalStateException("no hazelcast jar on the classpath: run launcher/scripts/side-by-side.sh");
    }

    @Override
    public void close() {
        synchronized (clients) {
            for (HazelcastInstance c : clients) {
                try {
                    c.shutdown();
                } catch (RuntimeException e) {
                    // the members may be gone already
                }
            }
        }
        for (Process p : members) {
            p.destroyForcibly();
        }
        for (Process p : members) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
