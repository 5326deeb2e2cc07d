package dev.ringkv.runtime;

import dev.ringkv.wire.WireLimits;

/**
 * How a node's runtime listens and pushes back.
 *
 * @param bindHost address to listen on ({@code 0.0.0.0} for all)
 * @param port TCP port; 0 picks a free one (tests)
 * @param advertisedHost the host this node gives as its identity (its ring position is MD5 of host:port)
 * @param wireLimits decoder limits
 * @param maxPendingReplies replies a connection may have outstanding before its reads pause
 * @param maxOutputBytes unwritten reply bytes a connection may hold before its reads pause
 */
public record ServerOptions(String bindHost, int port, String advertisedHost, WireLimits wireLimits,
                            int maxPendingReplies, int maxOutputBytes) {

    public static ServerOptions loopback(int port) {
        return new ServerOptions("127.0.0.1", port, "127.0.0.1", WireLimits.DEFAULT, 1024, 4 * 1024 * 1024);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(bindHost, p, advertisedHost, wireLimits, maxPendingReplies, maxOutputBytes);
    }

    public ServerOptions withHosts(String bind, String advertised) {
        return new ServerOptions(bind, port, advertised, wireLimits, maxPendingReplies, maxOutputBytes);
    }

    public ServerOptions withWireLimits(WireLimits limits) {
        return new ServerOptions(bindHost, port, advertisedHost, limits, maxPendingReplies, maxOutputBytes);
    }
}
