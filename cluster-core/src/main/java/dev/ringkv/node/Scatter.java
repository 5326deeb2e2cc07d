package dev.ringkv.node;

import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-key command from a plain client whose keys live on several servers: split into one command
 * per key, each run where its key lives, and the answers combined as Redis would give them. Not atomic
 * across servers (an MSET may half-apply if a server fails; the client gets the error). Split only where
 * the client's connection is (a server, or the ECS): a command forwarded to a node is never split there,
 * since a cancel of the forward could not reach the parts (see {@code KvNode.route}). Node thread only.
 */
public final class Scatter {
    private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET = "SET".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXISTS = "EXISTS".getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final Session.PendingReply reply;
    private final RespValue[] answers;
    private int missing;

    private Scatter(String name, Session.PendingReply reply, int parts) {
        this.name = name;
        this.reply = reply;
        this.answers = new RespValue[parts];
        this.missing = parts;
    }

    /** Runs each one-key part through {@code execute}, and answers {@code s} once all have answered. */
    public static void run(java.util.function.BiConsumer<byte[][], Session.PendingReply> execute, Session s, String name,
                           byte[][] args, List<byte[]> keys) {
        Scatter g = new Scatter(name, s.defer(), keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[][] one = switch (name) {
                case "MGET" -> new byte[][] {GET, keys.get(i)};
                case "MSET" -> new byte[][] {SET, keys.get(i), args[2 + 2 * i]};
                case "DEL" -> new byte[][] {DEL, keys.get(i)};
                case "EXISTS" -> new byte[][] {EXISTS, keys.get(i)};
                default -> throw new IllegalArgumentException(name + " has one key");
            };
            int index = i;
            execute.accept(one, v -> g.answer(index, v));
        }
    }

    private void answer(int index, RespValue v) {
        if (answers[index] != null) {
            return;
        }
        answers[index] = v;
        if (--missing > 0) {
            return;
        }
        RespValue.Error firstError = null;
        boolean allUntouched = true;
        for (RespValue a : answers) {
            if (a instanceof RespValue.Error e) {
                firstError = firstError == null ? e : firstError;
                allUntouched &= e.text().endsWith(KvNode.NOT_APPLIED);
            } else {
                allUntouched = false;
            }
        }
        if (firstError != null) {
            String text = firstError.text();
            if (!allUntouched && text.endsWith(KvNode.NOT_APPLIED)) {
                // another part may have taken effect: the command as a whole was not refused untouched
                text = text.substring(0, text.length() - KvNode.NOT_APPLIED.length());
            }
            reply.complete(RespValue.error(text));
            return;
        }
        switch (name) {
            case "MGET" -> reply.complete(new RespValue.Array(List.of(answers)));
            case "MSET" -> reply.complete(RespValue.OK);
            default -> {
                long n = 0;
                for (RespValue a : answers) {
                    n += a instanceof RespValue.Int i ? i.value() : 0;
                }
                reply.complete(RespValue.integer(n));
            }
        }
    }

}
