package dev.ringkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.sim.Simulation;
import dev.ringkv.storage.Version;
import dev.ringkv.wire.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 11: the ECS sends a failed transfer again under the same plan id and index. The chunks
 * of the new attempt were numbered from 0 again, so a late acknowledgement of the failed attempt's chunk
 * counted for the new one — and enough of them (its end included) ended the retry as "done" while the
 * target had none of the new attempt's chunks.
 */
class TransferAttemptTest {

    private static final ServerAddress SOURCE = new ServerAddress("127.0.0.1", 5201);
    private static final ServerAddress TARGET = new ServerAddress("127.0.0.1", 5202);

    /** The target: keeps every message it gets and acknowledges nothing by itself. */
    private static final class Target implements NodeLogic {
        final NodeContext ctx;
        final List<byte[][]> received = new ArrayList<>();

        Target(NodeContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void onCommand(Session s, byte[][] args) {
            s.reply(RespValue.OK);
        }

        @Override
        public void onPeerMessage(ServerAddress from, byte[][] message) {
            received.add(message);
        }

        /** Acknowledges, now, every chunk and end it had received (as a real target would, late). */
        void acknowledge(List<byte[][]> messages) {
            for (byte[][] m : messages) {
                ctx.send(SOURCE, Msg.of(Msg.XFER_ACK, m[1], m[2], m[3]));
            }
        }
    }

    /** The source: {@code GO} starts an attempt of plan 7 transfer 0; acknowledgements go to the latest. */
    private static final class Source implements NodeLogic {
        final NodeContext ctx;
        final List<TransferOut> attempts = new ArrayList<>();
        final List<Boolean> done = new ArrayList<>();

        Source(NodeContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void onStart() {
            for (int i = 0; i < 10; i++) {
                ctx.storage().apply(("k" + i).getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
                        new Version(1, 1, i + 1));
            }
        }

        @Override
        public void onCommand(Session s, byte[][] args) {
            int attempt = attempts.size();
            done.add(false);
            TransferOut t = new TransferOut(ctx, new TransferOut.Listener() {
                @Override
                public void progress(long entriesSent) {
                }

                @Override
                public void done(TransferOut finished) {
                    done.set(attempt, true);
                }

                @Override
                public void failed(String why) {
                }
            }, 7, 0, Range.full(Position.ZERO), TARGET, 0, false, 2, 16, e -> false, new WriteIds());
            attempts.add(t);
            t.start();
            s.reply(RespValue.OK);
        }

        @Override
        public void onPeerMessage(ServerAddress from, byte[][] message) {
            if (Msg.name(message).equals(Msg.XFER_ACK)) {
                attempts.get(attempts.size() - 1).onAck(Msg.num(message, 3));
            }
        }
    }

    @Test
    void anAcknowledgementOfAnEarlierAttemptDoesNotCountForTheNextOne() {
        try (Simulation sim = new Simulation(11)) {
            sim.addNode(TARGET, Target::new);
            sim.addNode(SOURCE, Source::new);
            sim.runFor(10);
            Target target = (Target) sim.node(TARGET).logic();
            Source source = (Source) sim.node(SOURCE).logic();

            sim.client(SOURCE).call("GO");
            assertTrue(sim.runUntil(() -> target.received.stream().anyMatch(m -> Msg.name(m).equals(Msg.XFER_END)), 1_000));
            List<byte[][]> firstAttempt = new ArrayList<>(target.received);
            source.attempts.get(0).abort(); // it failed (say, it stalled): the ECS sends it again
            sim.client(SOURCE).call("GO");
            sim.runFor(50);
            assertEquals(2, source.attempts.size());

            target.acknowledge(firstAttempt); // the first attempt's acknowledgements, late
            sim.runFor(500);
            assertFalse(source.done.get(1), "the second attempt counted the first one's acknowledgements as its own");

            List<byte[][]> secondAttempt = target.received.subList(firstAttempt.size(), target.received.size());
            target.acknowledge(new ArrayList<>(secondAttempt));
            assertTrue(sim.runUntil(() -> source.done.get(1), 1_000), "its own acknowledgements finish it");
        }
    }
}
