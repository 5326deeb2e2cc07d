package dev.ringkv.node;

import dev.ringkv.wire.AsciiNames;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The command table (names and arities, as Redis counts them: negative = at least) and the
 * connection-level commands that Redis clients send when they connect (TOOLCHAIN.md lists what
 * redis-cli, redis-benchmark, Jedis and Lettuce send).
 */
public final class Commands {

    public static final String VERSION = "0.1.0";

    public record Spec(String name, int arity) {
        public boolean arityOk(int n) {
            return arity >= 0 ? n == arity : n >= -arity;
        }
    }

    /** The table, the commands of the data path first (names are matched in this order, see {@link AsciiNames}). */
    private static final List<Spec> SPECS = List.of(
            new Spec("SET", -3),
            new Spec("GET", 2),
            new Spec("DEL", -2),
            new Spec("EXISTS", -2),
            new Spec("MGET", -2),
            new Spec("MSET", -3),
            new Spec("PUT", 3),
            new Spec("DELETE", 2),
            new Spec("PING", -1),
            new Spec("INFO", -1),
            new Spec("KEYRANGE", 1),
            new Spec("KEYRANGE_READ", 1),
            new Spec("ECHO", 2),
            new Spec("DBSIZE", 1),
            new Spec("QUIT", -1),
            new Spec("SELECT", 2),
            new Spec("HELLO", -1),
            new Spec("CLIENT", -2),
            new Spec("COMMAND", -1),
            new Spec("CONFIG", -2),
            new Spec("RINGKV", -2),
            new Spec("READONLY", 1),
            new Spec("READWRITE", 1));
    private static final AsciiNames NAMES = new AsciiNames(SPECS.stream().map(Spec::name).toList());

    private final Map<String, Spec> table = new HashMap<>();

    public Commands() {
        for (Spec spec : SPECS) {
            table.put(spec.name(), spec);
        }
    }

    public Spec lookup(String name) {
        return table.get(name);
    }

    /**
     * The command's upper-case name if it is known and has a valid number of arguments; otherwise
     * replies Redis's error ({@code unknown command}, {@code wrong number of arguments}) and returns null.
     */
    public String validate(Session s, byte[][] args) {
        String name = name(args);
        Spec spec = lookup(name);
        if (spec == null) {
            s.reply(RespValue.error(unknownCommand(args)));
            return null;
        }
        if (!spec.arityOk(args.length)) {
            s.reply(RespValue.error("ERR wrong number of arguments for '" + name.toLowerCase(Locale.ROOT) + "' command"));
            return null;
        }
        return name;
    }

    /** The command's name, upper-cased (a constant for every command of the table: no String per command). */
    public static String name(byte[][] args) {
        return NAMES.of(args[0]);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Redis's wording, which clients and people recognise. */
    public static String unknownCommand(byte[][] args) {
        StringBuilder b = new StringBuilder("ERR unknown command '")
                .append(clip(text(args[0]))).append("', with args beginning with:");
        for (int i = 1; i < Math.min(args.length, 4); i++) {
            b.append(" '").append(clip(text(args[i]))).append('\'');
        }
        return b.toString();
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    /** Commands about the connection itself, not the data. */
    public void connection(Session s, String name, byte[][] args, Function<String, String> config) {
        switch (name) {
            case "PING" -> s.reply(args.length > 1 ? RespValue.bulk(args[1]) : RespValue.PONG);
            case "ECHO" -> s.reply(RespValue.bulk(args[1]));
            case "QUIT" -> {
                s.reply(RespValue.OK);
                s.closeAfterReplies();
            }
            case "SELECT" -> s.reply(text(args[1]).equals("0") ? RespValue.OK
                    : RespValue.error("ERR DB index is out of range (RingKV has one database, 0)"));
            case "HELLO" -> hello(s, args);
            case "CLIENT" -> client(s, args);
            case "COMMAND" -> command(s, args);
            case "CONFIG" -> config(s, args, config);
            case "READONLY", "READWRITE" -> {
                // as in Redis Cluster: a READONLY connection may read keys a node holds as a replica
                s.state().readOnly(name.equals("READONLY"));
                s.reply(RespValue.OK);
            }
            default -> s.reply(RespValue.error(unknownCommand(args)));
        }
    }

    private void hello(Session s, byte[][] args) {
        if (args.length > 1 && !text(args[1]).equals("2")) {
            // Lettuce falls back to RESP2 only on NOPROTO (or an ERR ... unknown): TOOLCHAIN.md
            s.reply(RespValue.error("NOPROTO RingKV speaks RESP2 only"));
            return;
        }
        for (int i = 2; i < args.length; i++) {
            String opt = text(args[i]).toUpperCase(Locale.ROOT);
            if (opt.equals("SETNAME") && i + 1 < args.length) {
                s.state().clientName(text(args[++i]));
            } else if (opt.equals("AUTH") && i + 2 < args.length) {
                i += 2; // no authentication in RingKV: accepted and ignored
            } else {
                s.reply(RespValue.error("ERR syntax error in HELLO option '" + text(args[i]) + "'"));
                return;
            }
        }
        s.reply(new RespValue.Array(List.of(
                RespValue.bulk("server"), RespValue.bulk("ringkv"),
                RespValue.bulk("version"), RespValue.bulk(VERSION),
                RespValue.bulk("proto"), RespValue.integer(2),
                RespValue.bulk("id"), RespValue.integer(s.id()),
                RespValue.bulk("mode"), RespValue.bulk("cluster"),
                RespValue.bulk("role"), RespValue.bulk("master"),
                RespValue.bulk("modules"), new RespValue.Array(List.of()))));
    }

    private void client(Session s, byte[][] args) {
        String sub = text(args[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "SETNAME" -> {
                if (args.length != 3) {
                    s.reply(RespValue.error("ERR wrong number of arguments for 'client|setname' command"));
                } else {
                    s.state().clientName(text(args[2]));
                    s.reply(RespValue.OK);
                }
            }
            case "GETNAME" -> s.reply(s.state().clientName() == null ? RespValue.NULL
                    : RespValue.bulk(s.state().clientName()));
            case "ID" -> s.reply(RespValue.integer(s.id()));
            case "SETINFO", "NO-EVICT", "NO-TOUCH" -> s.reply(RespValue.OK);
            case "INFO", "LIST" -> s.reply(RespValue.bulk("id=" + s.id() + " addr=" + s.remoteAddress()
                    + " name=" + (s.state().clientName() == null ? "" : s.state().clientName()) + " db=0\n"));
            default -> s.reply(RespValue.error("ERR unknown subcommand '" + text(args[1])
                    + "'. Try CLIENT HELP."));
        }
    }

    private void command(Session s, byte[][] args) {
        if (args.length == 1) {
            s.reply(new RespValue.Array(List.of()));
            return;
        }
        String sub = text(args[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "COUNT" -> s.reply(RespValue.integer(table.size()));
            case "DOCS" -> s.reply(new RespValue.Array(List.of()));
            case "INFO" -> {
                List<RespValue> out = new ArrayList<>();
                for (int i = 2; i < args.length; i++) {
                    out.add(RespValue.NULL_ARRAY);
                }
                s.reply(new RespValue.Array(out));
            }
            default -> s.reply(RespValue.error("ERR unknown subcommand '" + text(args[1]) + "'. Try COMMAND HELP."));
        }
    }

    private void config(Session s, byte[][] args, Function<String, String> config) {
        String sub = text(args[1]).toUpperCase(Locale.ROOT);
        if (!sub.equals("GET")) {
            s.reply(RespValue.error("ERR CONFIG " + sub + " is not supported by RingKV (only CONFIG GET)"));
            return;
        }
        if (args.length < 3) {
            s.reply(RespValue.error("ERR wrong number of arguments for 'config|get' command"));
            return;
        }
        List<RespValue> out = new ArrayList<>();
        for (String known : List.of("save", "appendonly", "appendfsync", "databases", "maxmemory",
                "proto-max-bulk-len")) {
            for (int i = 2; i < args.length; i++) {
                if (glob(text(args[i]).toLowerCase(Locale.ROOT), known)) {
                    out.add(RespValue.bulk(known));
                    out.add(RespValue.bulk(config.apply(known)));
                    break;
                }
            }
        }
        s.reply(new RespValue.Array(out));
    }

    /** Redis-style glob with {@code *} and {@code ?}. */
    static boolean glob(String pattern, String s) {
        return globAt(pattern, 0, s, 0);
    }

    private static boolean globAt(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                for (int k = si; k <= s.length(); k++) {
                    if (globAt(p, pi + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= s.length() || (c != '?' && c != s.charAt(si))) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length();
    }
}
