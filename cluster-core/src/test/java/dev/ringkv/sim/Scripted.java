package dev.ringkv.sim;

import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.storage.Version;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;

/**
 * A test node with commands that exercise the reply machinery: {@code FAST x} replies x at once,
 * {@code SLOW ms x} replies x after ms through a deferred slot, {@code HOLD} defers and never answers,
 * {@code APPLY k v} writes to the store and (carelessly) replies at once.
 */
final class Scripted implements NodeLogic {

    private final NodeContext ctx;
    private long seq;

    Scripted(NodeContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void onCommand(Session s, byte[][] args) {
        String name = text(args[0]);
        switch (name) {
            case "FAST" -> s.reply(RespValue.bulk(args[1]));
            case "SLOW" -> {
                Session.PendingReply slot = s.defer();
                ctx.schedule(Long.parseLong(text(args[1])), () -> slot.complete(RespValue.bulk(args[2])));
            }
            case "HOLD" -> s.defer();
            case "APPLY" -> {
                ctx.storage().apply(args[1], args[2], new Version(1, 1, ++seq));
                s.reply(RespValue.OK);
            }
            default -> s.reply(RespValue.error("ERR unknown " + name));
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
