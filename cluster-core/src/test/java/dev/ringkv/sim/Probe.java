package dev.ringkv.sim;

import dev.ringkv.node.NodeContext;
import dev.ringkv.node.NodeLogic;
import dev.ringkv.node.Session;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A test node that records what reaches it (messages, unreachable notices, timers) and sends on request. */
class Probe implements NodeLogic {

    /** Something the probe heard, and when. */
    record Heard(long at, ServerAddress from, String text) {
    }

    final NodeContext ctx;
    final List<Heard> messages = new ArrayList<>();
    final List<Heard> unreachable = new ArrayList<>();
    final List<Long> timerFirings = new ArrayList<>();
    boolean started;

    Probe(NodeContext ctx) {
        this.ctx = ctx;
    }

    static Probe of(Simulation sim, ServerAddress node) {
        return (Probe) sim.node(node).logic();
    }

    /** Sends each text as a one-argument message, from the probe's own turn. */
    static void send(Simulation sim, ServerAddress from, ServerAddress to, String... texts) {
        sim.node(from).execute(() -> {
            for (String t : texts) {
                of(sim, from).ctx.send(to, new byte[][] {t.getBytes(StandardCharsets.UTF_8)});
            }
        });
    }

    void timerIn(long delay) {
        ctx.schedule(delay, () -> timerFirings.add(ctx.now()));
    }

    List<String> texts() {
        return messages.stream().map(Heard::text).toList();
    }

    @Override
    public void onStart() {
        started = true;
    }

    @Override
    public void onCommand(Session s, byte[][] args) {
        s.reply(RespValue.OK);
    }

    @Override
    public void onPeerMessage(ServerAddress from, byte[][] message) {
        messages.add(new Heard(ctx.now(), from, new String(message[0], StandardCharsets.UTF_8)));
    }

    @Override
    public void onPeerUnreachable(ServerAddress peer) {
        unreachable.add(new Heard(ctx.now(), peer, "unreachable"));
    }
}
