package dev.ringkv.launcher;

import dev.ringkv.ring.ServerAddress;
import dev.ringkv.wire.ProtocolException;
import dev.ringkv.wire.ReplyDecoder;
import dev.ringkv.wire.RespValue;
import dev.ringkv.wire.WireLimits;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A blocking RESP connection to the ECS, found through any node: a plain server answers
 * {@code RINGKV STATUS}/{@code WATCH} with {@code -ECS host:port (ask the ECS: ...)}, and the link
 * follows that once. It reads replies with its own {@link ReplyDecoder}, so it also reads the pushes
 * of {@code RINGKV WATCH}, which a request/reply client would mismatch. Not thread-safe.
 */
final class EcsLink implements Closeable {

    /** Why the ECS could not be asked; the message is one line, ready to print after the command name. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private final ServerAddress address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ReplyDecoder decoder = new ReplyDecoder(WireLimits.DEFAULT);
    private ByteBuffer buf = ByteBuffer.allocate(16 * 1024); // write mode: bytes received are [0, position)
    private final int timeoutMillis;
    private RespValue first;

    private EcsLink(ServerAddress address, Socket socket, int timeoutMillis) throws IOException {
        this.address = address;
        this.socket = socket;
        this.timeoutMillis = timeoutMillis;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code node}, sends {@code RINGKV <subcommand>} and, if the node names the ECS instead
     * of answering, asks the ECS. {@code timeoutMillis} bounds each connect and the wait for the answer. The returned link is connected to whoever answered;
     * {@link #firstReply()} is that answer (never an error).
     */
    static EcsLink ask(ServerAddress node, String subcommand, int timeoutMillis) throws Failure {
        EcsLink link = connect(node, timeoutMillis, "cannot reach " + node);
        RespValue reply = link.request(subcommand);
        if (reply instanceof RespValue.Error e && e.code().equals("ECS")) {
            link.close();
            ServerAddress ecs = ecsNamedIn(node, e.text());
            link = connect(ecs, timeoutMillis, "cannot reach the ECS " + ecs + " (named by " + node + ")");
            reply = link.request(subcommand);
            if (reply instanceof RespValue.Error again && again.code().equals("ECS")) {
                link.close();
                throw new Failure(node + " named " + ecs + " as the ECS, but it is not the ECS either: "
                        + again.text());
            }
        }
        if (reply instanceof RespValue.Error e) {
            link.close();
            throw new Failure(link.address + " answered: " + e.text());
        }
        link.first = reply;
        return link;
    }

    /**
     * {@link #ask} of each node in turn until one answers (the ECS may have moved: any member names it);
     * the failure names every attempt.
     */
    static EcsLink askAny(java.util.List<ServerAddress> nodes, String subcommand, int timeoutMillis) throws Failure {
        StringBuilder why = new StringBuilder();
        for (ServerAddress n : nodes) {
            try {
                return ask(n, subcommand, timeoutMillis);
            } catch (Failure f) {
                why.append(why.length() == 0 ? "" : "; ").append(f.getMessage());
            }
        }
        throw new Failure(why.toString());
    }

    /** {@code -b HOST:PORT[,HOST:PORT...]}: the nodes to ask, in order. */
    static java.util.List<ServerAddress> addresses(String commaSeparated) {
        java.util.List<ServerAddress> out = new java.util.ArrayList<>();
        for (String b : commaSeparated.split(",")) {
            out.add(ServerAddress.parse(b.trim()));
        }
        return out;
    }

    /** The address this link is connected to (the ECS, after a redirect). */
    ServerAddress address() {
        return address;
    }

    /** The answer to the request of {@link #ask}. */
    RespValue firstReply() {
        return first;
    }

    /**
     * The next value the peer sends, waiting at most {@code timeoutMillis} (0: forever).
     *
     * @throws SocketTimeoutException if nothing complete arrived in time (the link stays usable)
     * @throws EOFException if the peer closed the connection
     * @throws IOException on any other failure, or a reply that is not RESP
     */
    RespValue read(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        while (true) {
            buf.flip();
            RespValue v;
            try {
                v = decoder.next(buf);
            } catch (ProtocolException e) {
                throw new IOException("not a RESP reply: " + e.getMessage(), e);
            } finally {
                buf.compact();
            }
            if (v != null) {
                return v;
            }
            int need = Math.max(decoder.bytesNeeded(), buf.position() + 1);
            if (need > buf.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, buf.capacity() * 2));
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            int n = in.read(buf.array(), buf.position(), buf.remaining());
            if (n < 0) {
                throw new EOFException("connection closed");
            }
            buf.position(buf.position() + n);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    /** A one-line reason for an IO failure. */
    static String why(IOException e) {
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        if (e instanceof EOFException) {
            return "connection closed";
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    private static EcsLink connect(ServerAddress a, int timeoutMillis, String failure) throws Failure {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            InetSocketAddress target = new InetSocketAddress(a.host(), a.port());
            if (target.isUnresolved()) {
                throw new UnknownHostException(a.host());
            }
            s.connect(target, timeoutMillis);
            return new EcsLink(a, s, timeoutMillis);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // the connect already failed
            }
            throw new Failure(failure + ": " + why(e));
        }
    }

    private RespValue request(String subcommand) throws Failure {
        try {
            out.write(command("RINGKV", subcommand));
            out.flush();
            return read(timeoutMillis);
        } catch (SocketTimeoutException e) {
            close();
            throw new Failure(address + " did not answer RINGKV " + subcommand + " within " + timeoutMillis + " ms");
        } catch (IOException e) {
            close();
            throw new Failure("lost the connection to " + address + ": " + why(e));
        }
    }

    /** {@code ECS host:port (ask the ECS: ...)} → the address. */
    private static ServerAddress ecsNamedIn(ServerAddress node, String errorText) throws Failure {
        String[] words = errorText.split(" ");
        try {
            return ServerAddress.parse(words.length > 1 ? words[1] : "");
        } catch (IllegalArgumentException e) {
            throw new Failure(node + " answered: " + errorText);
        }
    }

    private static byte[] command(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(bytes);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }
}
