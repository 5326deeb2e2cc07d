package dev.ringkv.node;

import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.AsciiNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's internal messages (DESIGN §5, §7, §8): commands sent over peer connections, one way.
 * Each is a RESP array whose first element names it. This class holds the names, and builds and reads
 * the arguments; the protocol is in {@link KvNode} and {@code dev.ringkv.ecs.Ecs}.
 *
 * <pre>
 * server → ECS   RING_REQUEST addr (before JOIN) · JOIN addr · LEAVE addr · HB_ACK addr seq ringVersion keys bytes opsPerSec
 *                XFER_DONE plan xfer · XFER_FAILED plan xfer reason · XFER_PROGRESS plan xfer entries
 *                UNANSWERED addr peer (a replica did not acknowledge a write) · DIGEST_REPLY check index digest
 *                SWITCH_ACK plan · REACH_REPORT round reached... (the members that answered a REACH_PING within 1 s)
 * ECS → server   HB term seq ackedSeq ringVersion leaseMillis fullyReplicatedVersion · RING term version replicas member...
 *                LEASE term ackedSeq leaseMillis ringVersion (at once, on each acknowledgement)
 *                XFER term plan xfer fromHex toHex target mode (mode: plan | repair)
 *                XFER_ABORT term plan · LEFT term · SWITCH term plan fromHex toHex (stop coordinating the range)
 *                DIGEST_REQ check index fromHex toHex term
 *                REACH_ASK term round (ping every member of your ring, then report who answered: see dev.ringkv.ecs.Reachability)
 *                RESIGN term successor (this ECS gave up its role, its server is leaving: successor stands at once; see Election)
 * server → ECS   STALE term ecs (the message carried an older term than the ECS this server follows)
 * server → server  VOTE_REQ kind term candidate ringVersion · VOTE kind term granted voter voterTerm (see Election)
 * coordinator → replica  REPL id ringVersion key kind value term ring seq writeIds
 * replica → coordinator  REPL_ACK id... (every copy that turn made durable) · REPL_NACK id ringVersion (the replica has a newer ring)
 * any → joiner   ECS_IS addr
 * source → target  XFER_DATA plan xfer chunk ringVersion (key kind value term ring seq writeIds)... · XFER_END plan xfer chunk total
 *                  (chunk: the attempt's random base + the chunk's index, so no attempt counts another's acks)
 *                  FWD_WRITE id key kind value term ring seq writeIds ringVersion
 * target → source  XFER_ACK plan xfer chunk · FWD_ACK id
 * server → server  REACH_PING round · REACH_PONG round (for REACH_ASK)
 * coordinator → holder  ID_ASK req writeId key (a retry whose id it does not know) · ID_ANSWER req writeId [term ring seq exact]
 * node → node    FWD id hops ringVersion arg... · FWD_REPLY id resp-encoded-reply
 *                FWD_CANCEL id (no reply in time: do not run it if not yet run) · FWD_CANCELLED id
 * </pre>
 *
 * <p>{@code term ring seq} is a write's version ({@code dev.ringkv.storage.Version}, its three fields: the
 * ring is the one the write was coordinated under); {@code ringVersion} is the ring the sender holds as it
 * sends, which fences the message. {@code writeIds} are the clients' ids of writes to the key up to that
 * version, comma-separated, possibly none: a retry of one is not stamped again wherever it lands (see
 * {@code WriteIds}). An entry — {@code key kind value term ring seq writeIds} — has {@link #ENTRY_FIELDS}.
 */
public final class Msg {
    public static final String JOIN = "JOIN";
    public static final String RING_REQUEST = "RING_REQUEST";
    public static final String LEAVE = "LEAVE";
    public static final String LEFT = "LEFT";
    public static final String ECS_IS = "ECS_IS";
    public static final String HB = "HB";
    public static final String HB_ACK = "HB_ACK";
    public static final String LEASE = "LEASE";
    public static final String RING = "RING";
    public static final String XFER = "XFER";
    public static final String XFER_ABORT = "XFER_ABORT";
    public static final String XFER_DONE = "XFER_DONE";
    public static final String XFER_FAILED = "XFER_FAILED";
    public static final String XFER_PROGRESS = "XFER_PROGRESS";
    public static final String XFER_DATA = "XFER_DATA";
    public static final String XFER_END = "XFER_END";
    public static final String XFER_ACK = "XFER_ACK";
    public static final String FWD_WRITE = "FWD_WRITE";
    public static final String FWD_ACK = "FWD_ACK";
    public static final String FWD = "FWD";
    public static final String FWD_REPLY = "FWD_REPLY";
    public static final String FWD_CANCEL = "FWD_CANCEL";
    /** The fields of one entry (a key's copy) in {@code REPL}, {@code XFER_DATA} and {@code FWD_WRITE}. */
    static final int ENTRY_FIELDS = 7;
    public static final String FWD_CANCELLED = "FWD_CANCELLED";
    public static final String REPL = "REPL";
    public static final String REPL_ACK = "REPL_ACK";
    public static final String REPL_NACK = "REPL_NACK";
    public static final String UNANSWERED = "UNANSWERED";
    public static final String REACH_ASK = "REACH_ASK";
    public static final String ID_ASK = "ID_ASK";
    public static final String ID_ANSWER = "ID_ANSWER";
    public static final String REACH_PING = "REACH_PING";
    public static final String REACH_PONG = "REACH_PONG";
    public static final String REACH_REPORT = "REACH_REPORT";
    public static final String SWITCH = "SWITCH";
    public static final String SWITCH_ACK = "SWITCH_ACK";
    public static final String DIGEST_REQ = "DIGEST_REQ";
    public static final String DIGEST_REPLY = "DIGEST_REPLY";
    public static final String VOTE_REQ = "VOTE_REQ";
    public static final String VOTE = "VOTE";
    public static final String STALE = "STALE";
    public static final String RESIGN = "RESIGN";

    /** Transfer modes: a plan's transfer (writes to the range are forwarded) or a re-replication. */
    public static final String MODE_PLAN = "plan";
    public static final String MODE_REPAIR = "repair";

    /** Entry kinds in transfers and forwarded writes. */
    public static final String VALUE = "V";
    public static final String TOMBSTONE = "T";

    /** Every name above, the ones on the write path first (see {@link AsciiNames}). */
    private static final AsciiNames NAMES = new AsciiNames(List.of(REPL, REPL_ACK, HB, HB_ACK, LEASE, FWD_REPLY, FWD, FWD_CANCEL, FWD_CANCELLED,
            FWD_WRITE, FWD_ACK, REPL_NACK, JOIN, RING_REQUEST, LEAVE, LEFT, ECS_IS, RING, XFER, XFER_ABORT, XFER_DONE,
            XFER_FAILED, XFER_PROGRESS, XFER_DATA, XFER_END, XFER_ACK, UNANSWERED, SWITCH, SWITCH_ACK, DIGEST_REQ,
            DIGEST_REPLY, VOTE_REQ, VOTE, STALE, REACH_ASK, REACH_PING, REACH_PONG, REACH_REPORT, ID_ASK, ID_ANSWER));

    private Msg() {
    }

    /**
     * The term an ECS→server message carries, for the fence (DESIGN §8); -1 for a message that is not
     * one of the ECS's.
     */
    public static long ecsTerm(String name, byte[][] m) {
        return switch (name) {
            case HB, LEASE, RING, XFER, XFER_ABORT, LEFT, SWITCH, REACH_ASK -> num(m, 1);
            case DIGEST_REQ -> m.length > 5 ? num(m, 5) : -1;
            default -> -1;
        };
    }

    /**
     * Builds a message: byte arrays are taken as they are, anything else as its UTF-8 text. A message
     * name's bytes are shared constants and whole numbers are written as digits directly: messages are
     * only ever read, and this is the path of every replicated write.
     */
    public static byte[][] of(Object... parts) {
        byte[][] m = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            Object p = parts[i];
            if (p instanceof byte[] b) {
                m[i] = b;
            } else if (p instanceof Long n) {
                m[i] = AsciiNames.digits(n);
            } else if (p instanceof Integer n) {
                m[i] = AsciiNames.digits(n);
            } else {
                String text = String.valueOf(p);
                byte[] name = NAMES.bytesOf(text);
                m[i] = name != null ? name : text.getBytes(StandardCharsets.UTF_8);
            }
        }
        return m;
    }

    /** The shared bytes of a message name above (never modify them), for messages built by hand. */
    static byte[] nameBytes(String name) {
        byte[] b = NAMES.bytesOf(name);
        if (b == null) {
            throw new IllegalArgumentException("not a message name: " + name);
        }
        return b;
    }

    /** The message's name, upper-cased: the constant above for every known message. */
    public static String name(byte[][] m) {
        return NAMES.of(m[0]);
    }

    /** Whether an entry's kind field says {@link #TOMBSTONE}. */
    public static boolean isTombstone(byte[] kind) {
        return kind.length == 1 && kind[0] == 'T';
    }

    public static String str(byte[][] m, int i) {
        return new String(m[i], StandardCharsets.UTF_8);
    }

    public static long num(byte[][] m, int i) {
        return AsciiNames.parseLong(m[i]);
    }

    public static ServerAddress addr(byte[][] m, int i) {
        return ServerAddress.parse(str(m, i));
    }

    /** {@code RING term version replicas member...}: the ring and the cluster's replication factor. */
    public static byte[][] ring(Ring ring, int replicas) {
        List<Object> parts = new ArrayList<>();
        parts.add(RING);
        parts.add(ring.term());
        parts.add(ring.version());
        parts.add(replicas);
        parts.addAll(ring.members());
        return of(parts.toArray());
    }

    public static Ring parseRing(byte[][] m) {
        List<ServerAddress> members = new ArrayList<>();
        for (int i = 4; i < m.length; i++) {
            members.add(addr(m, i));
        }
        return new Ring(num(m, 2), num(m, 1), members);
    }

    /** The replication factor a RING message carries (at least 1). */
    public static int ringReplicas(byte[][] m) {
        return (int) Math.max(1, num(m, 3));
    }

    /** The copies each key has in {@code ring} with {@code replicas} configured: at most the ring's size, at least 1. */
    public static int effectiveReplicas(Ring ring, int replicas) {
        return Math.max(1, Math.min(replicas, ring.size()));
    }

    public static dev.ringkv.ring.Range range(byte[][] m, int i) {
        return new dev.ringkv.ring.Range(dev.ringkv.ring.Position.fromHex(str(m, i)),
                dev.ringkv.ring.Position.fromHex(str(m, i + 1)));
    }
}
