package dev.ringkv.launcher.chaos;

import dev.ringkv.launcher.ProcessCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network a {@code ringkv chaos --network} run builds, and its faults. Linux, root, {@code ip netns} and
 * iptables (issue 17).
 *
 * <pre>
 *   root namespace      rk&lt;pid&gt;x&lt;n&gt;  10.77.X.1/24        the chaos process: clients, status polls, sampler
 *                              | veth
 *   rkv-&lt;pid&gt;x&lt;n&gt;-hub     bridge br0                    a namespace of its own, so no rule of the machine's
 *                              | veth per node                (a FORWARD policy, br_netfilter) sees the traffic
 *   rkv-&lt;pid&gt;x&lt;n&gt;-ecs     eth0 10.77.X.10/24  :5100     the dedicated ECS
 *   rkv-&lt;pid&gt;x&lt;n&gt;-server-K eth0 10.77.X.(10+K)/24 :(5100+K)
 * </pre>
 *
 * Each node runs as {@code ip netns exec NS java ... ringkv server -a ADDR ...} with its own address and TCP
 * stack. X is the lowest third octet no address of the machine uses yet (picked under a file lock, so runs
 * side by side get different subnets); {@code <pid>} is this JVM's, so a start-up sweep can tell a dead
 * run's leftovers (namespaces, the root veth, processes inside them) from a live one's and remove them.
 *
 * <p><b>Faults are rules in the receiving node's namespace</b>, matched on the sending node's address:
 * {@code -A INPUT -s FROM -j DROP} (silent), {@code -p tcp -j REJECT --reject-with tcp-reset} (refusing),
 * {@code -m statistic --mode random --probability P -j DROP} (loss), and {@code -j NFQUEUE} (latency, see
 * below). They never match the chaos process's address, so partitions cut nodes from each other while every
 * client still reaches every node — a client on either side sees the split. Rules are only ever put in the
 * namespaces this lab created (each node's filter table is rewritten whole with {@code iptables-restore}),
 * never in the machine's own.
 *
 * <p><b>Latency.</b> This kernel has no netem, so a slow link is an NFQUEUE rule plus
 * {@code ringkv-netdelay} (netdelay.c, next to this class), a small C program built at run time with gcc and
 * libnetfilter-queue into the run directory, started in the slow node's namespace, which holds each packet
 * for the drawn delay. Without gcc or the library, latency faults are drawn (so the rest of a seed's schedule
 * stays the same) and skipped with a message.
 */
public final class NetworkLab implements AutoCloseable {

    /** How a partition treats the packets it cuts. */
    public enum Cut {
        /** Dropped: the sender hears nothing and times out. */
        DROP,
        /** Refused: TCP answers with a reset, as a firewall does for a live process. */
        REJECT
    }

    /** One rule: in the namespace of the node at {@code at}, appended to {@code chain} ({@code INPUT}/{@code OUTPUT}). */
    public record Rule(String at, String chain, String spec) {
    }

    /** A running latency fault: its rules and the program holding the packets. */
    public record Delay(String host, List<Rule> rules, Process helper) {
    }

    private static final String IP = "ip";
    private static final String IPTABLES_RESTORE = "iptables-restore";
    private static final Pattern OURS = Pattern.compile("rkv-(\\d+)x(\\d+)-.*");
    private static final Pattern OUR_LINK = Pattern.compile("rk(\\d+)x(\\d+)");
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();
    /** NFQUEUE numbers are per namespace; one slow node has one queue. */
    private static final int QUEUE = 1;

    private final Path dir;
    private final Consumer<String> log;
    private final String prefix;
    private final String rootLink;
    private final String subnet; // "10.77.X."
    private final Map<String, String> namespaceOf = new LinkedHashMap<>(); // node address -> namespace
    private final List<String> namespaces = new ArrayList<>();
    private final List<Rule> rules = new ArrayList<>();
    private final List<Delay> delays = new ArrayList<>();
    private Path delayHelper;
    private String delayUnavailable;
    private boolean closed;

    private NetworkLab(Path dir, Consumer<String> log, String prefix, String rootLink, String subnet) {
        this.dir = dir;
        this.log = log;
        this.prefix = prefix;
        this.rootLink = rootLink;
        this.subnet = subnet;
    }

    // ------------------------------------------------------------------------------- can it run here

    /** Null if a network run can work here; otherwise why not, one line, with what to do about it. */
    public static String unavailable() {
        return unavailable(effectiveUid(), IP, IPTABLES_RESTORE);
    }

    /** {@link #unavailable()} with the uid and commands given (a test points them at what is missing). */
    static String unavailable(long uid, String ip, String iptablesRestore) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "needs Linux: every node runs in a network namespace of its own";
        }
        if (uid != 0) {
            return "needs root (this is uid " + uid + "): it creates network namespaces, veth pairs and iptables rules";
        }
        try {
            run(List.of(ip, "netns", "list"), null);
        } catch (IOException e) {
            return "`ip netns` does not work here (" + e.getMessage() + "); Debian: apt-get install iproute2";
        }
        String probe = "rkv-" + ProcessHandle.current().pid() + "x0-probe";
        try {
            run(List.of(ip, "netns", "add", probe), null);
        } catch (IOException e) {
            return "cannot create a network namespace (" + e.getMessage() + ")";
        }
        try {
            run(List.of(ip, "netns", "exec", probe, iptablesRestore, "-w"), table(List.of(
                    new Rule("probe", "INPUT", "-s 10.77.255.254/32 -p tcp -j REJECT --reject-with tcp-reset"),
                    new Rule("probe", "INPUT", "-s 10.77.255.254/32 -m statistic --mode random --probability 0.5 -j DROP"))));
        } catch (IOException e) {
            return "iptables does not work in a network namespace here (" + e.getMessage()
                    + "); Debian: apt-get install iptables";
        } finally {
            try {
                run(List.of(ip, "netns", "del", probe), null);
            } catch (IOException e) {
                // nothing was left to delete
            }
        }
        return null;
    }

    /** The effective uid from /proc (Java has no portable call for it). */
    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    // ----------------------------------------------------------------------------------- building

    /**
     * Sweeps what dead runs left behind, then builds the hub and the root veth; nodes come with
     * {@link #placement()}. Close it (after the processes in it are gone) to delete everything.
     */
    public static NetworkLab create(Path dir, Consumer<String> log) throws IOException {
        String why = unavailable();
        if (why != null) {
            throw new IOException(why);
        }
        sweep(log);
        long pid = ProcessHandle.current().pid();
        int run = RUNS.incrementAndGet();
        Files.createDirectories(dir);
        // the subnet is picked and claimed under a lock: two runs starting together must not pick the same one
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "ringkv-netchaos.lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            int octet = freeOctet(pid);
            NetworkLab lab = new NetworkLab(dir, log, "rkv-" + pid + "x" + run, "rk" + pid + "x" + run,
                    "10.77." + octet + ".");
            try {
                lab.buildHub();
            } catch (IOException | RuntimeException e) {
                lab.close();
                throw e;
            }
            return lab;
        }
    }

    private void buildHub() throws IOException {
        String hub = prefix + "-hub";
        ip("netns", "add", hub);
        namespaces.add(hub);
        ip("-n", hub, "link", "set", "lo", "up");
        ip("-n", hub, "link", "add", "br0", "type", "bridge");
        ip("-n", hub, "link", "set", "br0", "up");
        ip("link", "add", rootLink, "type", "veth", "peer", "name", "c0", "netns", hub);
        ip("-n", hub, "link", "set", "c0", "master", "br0");
        ip("-n", hub, "link", "set", "c0", "up");
        ip("addr", "add", clientAddress() + "/24", "dev", rootLink);
        ip("link", "set", rootLink, "up");
        log.accept("network: " + subnet + "0/24 on a bridge in namespace " + hub + "; clients at " + clientAddress()
                + " (root namespace, " + rootLink + "); each node in a namespace " + prefix + "-<node>");
    }

    /** The address the chaos process (its clients) reaches the nodes from. */
    public String clientAddress() {
        return subnet + "1";
    }

    /** Puts each node in a new namespace of its own: {@code ecs} at .10:5100, {@code server-K} at .(10+K):(5100+K). */
    public ProcessCluster.Placement placement() {
        return name -> {
            int k = name.equals("ecs") ? 0 : Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
            if (k > 200) {
                throw new IOException("at most 200 servers on one network run");
            }
            String host = subnet + (10 + k);
            String ns = prefix + "-" + name;
            addNode(ns, name, host);
            return new ProcessCluster.Spot(host, 5100 + k, List.of(IP, "netns", "exec", ns));
        };
    }

    private synchronized void addNode(String ns, String port, String host) throws IOException {
        String hub = prefix + "-hub";
        ip("netns", "add", ns);
        namespaces.add(ns);
        namespaceOf.put(host, ns);
        ip("-n", ns, "link", "set", "lo", "up");
        ip("-n", hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("-n", hub, "link", "set", port, "master", "br0");
        ip("-n", hub, "link", "set", port, "up");
        ip("-n", ns, "addr", "add", host + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
    }

    // ------------------------------------------------------------------------------------- faults

    /** Cuts {@code a} and {@code b} from each other, both ways. */
    public static List<Rule> cut(String a, String b, Cut how) {
        List<Rule> out = new ArrayList<>(oneWay(a, b, how));
        out.addAll(oneWay(b, a, how));
        return out;
    }

    /** Packets from {@code from} to {@code to} are dropped (or refused); the other way still works. */
    public static List<Rule> oneWay(String from, String to, Cut how) {
        return how == Cut.DROP ? List.of(new Rule(to, "INPUT", "-s " + from + "/32 -j DROP"))
                : List.of(new Rule(to, "INPUT", "-s " + from + "/32 -p tcp -j REJECT --reject-with tcp-reset"),
                        new Rule(to, "INPUT", "-s " + from + "/32 -j DROP")); // anything not TCP: silent
    }

    /** Each packet between {@code a} and {@code b} (both ways) is lost with probability {@code p}. */
    public static List<Rule> loss(String a, String b, double p) {
        String prob = String.format(Locale.ROOT, "%.3f", p);
        return List.of(new Rule(b, "INPUT", "-s " + a + "/32 -m statistic --mode random --probability " + prob + " -j DROP"),
                new Rule(a, "INPUT", "-s " + b + "/32 -m statistic --mode random --probability " + prob + " -j DROP"));
    }

    /** Adds rules (several faults may hold at once; the same rule twice is held twice). */
    public synchronized void add(List<Rule> more) throws IOException {
        rules.addAll(more);
        apply(more);
    }

    /** Removes rules added before, one occurrence each. */
    public synchronized void remove(List<Rule> fewer) throws IOException {
        for (Rule r : fewer) {
            rules.remove(r);
        }
        apply(fewer);
    }

    /**
     * Rewrites the filter table of every namespace {@code touched} names from the rules held now, all at once
     * (one {@code iptables-restore} per namespace, run side by side): on a loaded machine one after the other
     * took a second for a partition of six nodes, long enough for its first half to act alone.
     */
    private void apply(List<Rule> touched) throws IOException {
        List<Process> running = new ArrayList<>();
        List<String> names = new ArrayList<>();
        IOException failure = null;
        for (String host : new TreeSet<>(touched.stream().map(Rule::at).toList())) {
            String ns = namespaceOf.get(host);
            if (ns == null) {
                throw new IllegalArgumentException("no node at " + host + " in this lab");
            }
            List<String> cmd = List.of(IP, "netns", "exec", ns, IPTABLES_RESTORE, "-w");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getOutputStream().write(table(rules.stream().filter(r -> r.at().equals(host)).toList())
                        .getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                running.add(p);
                names.add(String.join(" ", cmd));
            } catch (IOException e) {
                failure = new IOException(String.join(" ", cmd) + ": " + e.getMessage(), e);
                break;
            }
        }
        for (int i = 0; i < running.size(); i++) {
            Process p = running.get(i);
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    failure = failure != null ? failure : new IOException(names.get(i) + ": still running after 30 s");
                } else if (p.exitValue() != 0 && failure == null) {
                    failure = new IOException(names.get(i) + ": exit " + p.exitValue() + ": " + out.strip());
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IOException(names.get(i) + ": interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static String table(List<Rule> rules) {
        StringBuilder b = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
        for (Rule r : rules) {
            b.append("-A ").append(r.chain()).append(' ').append(r.spec()).append('\n');
        }
        return b.append("COMMIT\n").toString();
    }

    /** Null if latency faults can run; otherwise why they are skipped. Builds the helper on first use. */
    public synchronized String delayUnavailable() {
        if (delayHelper == null && delayUnavailable == null) {
            buildDelayHelper();
        }
        return delayUnavailable;
    }

    private void buildDelayHelper() {
        Path src = dir.resolve("netdelay.c");
        Path bin = dir.resolve("ringkv-netdelay");
        try (InputStream in = NetworkLab.class.getResourceAsStream("netdelay.c")) {
            if (in == null) {
                delayUnavailable = "netdelay.c is not on the classpath";
                return;
            }
            Files.write(src, in.readAllBytes());
        } catch (IOException e) {
            delayUnavailable = "cannot write " + src + ": " + e.getMessage();
            return;
        }
        try {
            run(List.of("gcc", "-O2", "-o", bin.toString(), src.toString(), "-lnetfilter_queue"), null);
        } catch (IOException e) {
            delayUnavailable = "cannot build the delay helper (needs gcc and libnetfilter-queue-dev): "
                    + e.getMessage().lines().findFirst().orElse("");
            return;
        }
        // the kernel must have NFQUEUE too: the helper binds a queue in the hub namespace and must stay up
        try {
            Process p = new ProcessBuilder(IP, "netns", "exec", prefix + "-hub", bin.toString(), String.valueOf(QUEUE), "1",
                    "0", "1").redirectErrorStream(true).redirectOutput(dir.resolve("netdelay-probe.log").toFile()).start();
            boolean exited = p.waitFor(300, TimeUnit.MILLISECONDS);
            if (exited) {
                delayUnavailable = "the delay helper cannot bind an NFQUEUE here: "
                        + Files.readString(dir.resolve("netdelay-probe.log")).strip();
                return;
            }
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            delayUnavailable = "cannot start the delay helper: " + e.getMessage();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delayUnavailable = "interrupted";
            return;
        }
        delayHelper = bin;
    }

    /**
     * Delays every packet between {@code host} and the {@code others} (both ways: its namespace's INPUT and
     * OUTPUT go through the queue) by {@code millis} ± {@code jitter}.
     */
    public synchronized Delay startDelay(String host, List<String> others, int millis, int jitter, long seed)
            throws IOException, InterruptedException {
        if (delayUnavailable() != null) {
            throw new IOException(delayUnavailable);
        }
        Process p = new ProcessBuilder(IP, "netns", "exec", namespaceOf.get(host), delayHelper.toString(),
                String.valueOf(QUEUE), String.valueOf(millis), String.valueOf(jitter), String.valueOf(seed))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("netdelay-" + host + ".log").toFile())).start();
        if (p.waitFor(100, TimeUnit.MILLISECONDS)) {
            throw new IOException("the delay helper exited at once (see " + dir.resolve("netdelay-" + host + ".log") + ")");
        }
        String queue = " -j NFQUEUE --queue-num " + QUEUE + " --queue-bypass"; // helper gone: packets pass, no black hole
        List<Rule> mine = new ArrayList<>();
        for (String o : others) {
            mine.add(new Rule(host, "INPUT", "-s " + o + "/32" + queue));
            mine.add(new Rule(host, "OUTPUT", "-d " + o + "/32" + queue));
        }
        Delay d = new Delay(host, mine, p);
        delays.add(d);
        add(mine);
        return d;
    }

    /** Removes a delay's rules, then stops its helper (SIGTERM: it lets every packet it holds go first). */
    public synchronized void stopDelay(Delay d) throws IOException, InterruptedException {
        remove(d.rules());
        d.helper().destroy();
        if (!d.helper().waitFor(5, TimeUnit.SECONDS)) {
            d.helper().destroyForcibly();
        }
        delays.remove(d);
    }

    // ----------------------------------------------------------------------------------- clean-up

    /** Stops the delay helpers, kills whatever still runs in the namespaces (by PID), deletes them and the root veth. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Delay d : delays) {
            d.helper().destroyForcibly();
        }
        delays.clear();
        List<String> failures = new ArrayList<>();
        List<String> newestFirst = new ArrayList<>(namespaces);
        java.util.Collections.reverse(newestFirst); // the hub last: nodes' veths go with their own namespace
        for (String ns : newestFirst) {
            try {
                removeNamespace(ns);
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        try {
            if (linkExists(rootLink)) {
                ip("link", "del", rootLink);
            }
        } catch (IOException e) {
            if (linkExists(rootLink)) {
                failures.add(e.getMessage());
            } // else gone meanwhile: the kernel deletes a veth with its peer's namespace a moment after the namespace
        }
        if (!failures.isEmpty()) {
            log.accept("network clean-up incomplete: " + String.join("; ", failures));
        }
    }

    private static void removeNamespace(String ns) throws IOException {
        String pids = run(List.of(IP, "netns", "pids", ns), null);
        for (String pid : pids.split("\\s+")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        run(List.of(IP, "netns", "del", ns), null);
    }

    private static boolean linkExists(String name) {
        try {
            run(List.of(IP, "link", "show", name), null);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes what runs of this lab left behind when their JVM died without cleaning up: namespaces and root
     * veths named for a process that no longer exists (a live run's are left alone).
     */
    static void sweep(Consumer<String> log) throws IOException {
        List<String> swept = new ArrayList<>();
        for (String line : run(List.of(IP, "netns", "list"), null).split("\n")) {
            String ns = line.split(" ")[0].trim();
            Matcher m = OURS.matcher(ns);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                removeNamespace(ns);
                swept.add(ns);
            }
        }
        for (String line : run(List.of(IP, "-o", "link", "show"), null).split("\n")) {
            String[] parts = line.split(":\\s+", 3);
            if (parts.length < 2) {
                continue;
            }
            String name = parts[1].split("@")[0];
            Matcher m = OUR_LINK.matcher(name);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                try {
                    ip("link", "del", name);
                    swept.add(name);
                } catch (IOException e) {
                    if (linkExists(name)) {
                        throw e;
                    } // else gone meanwhile: a veth goes with its peer's namespace, a moment after it is deleted
                }
            }
        }
        if (!swept.isEmpty()) {
            log.accept("network: removed what an earlier run left behind: " + String.join(", ", swept));
        }
    }

    /** The lowest 10.77.X.0/24 with no address of the machine in it, starting from one spread by pid. */
    private static int freeOctet(long pid) throws IOException {
        String addrs = run(List.of(IP, "-o", "-4", "addr", "show"), null);
        for (int i = 0; i < 254; i++) {
            int octet = 1 + (int) ((pid + i) % 254);
            if (!addrs.contains(" 10.77." + octet + ".")) {
                return octet;
            }
        }
        throw new IOException("every 10.77.X.0/24 is taken on this machine");
    }

    // ------------------------------------------------------------------------------------- commands

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(IP));
        cmd.addAll(List.of(args));
        run(cmd, null);
    }

    /** Runs a command to completion (at most 30 s); its stdout, or an IOException naming it with its stderr. */
    static String run(List<String> cmd, String stdin) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new IOException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            // outputs are a few lines: reading one stream to the end before the other cannot fill a pipe
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": still running after 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + err.strip());
            }
            return out;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        }
    }
}
