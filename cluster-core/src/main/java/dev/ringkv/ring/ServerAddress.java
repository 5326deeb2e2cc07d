package dev.ringkv.ring;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The address a server advertises ({@code host:port}); its MD5 is its ring position. */
public record ServerAddress(String host, int port) implements Comparable<ServerAddress> {

    public ServerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** Parses {@code host:port}. */
    public static ServerAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        try {
            return new ServerAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
    }

    public Position position() {
        return Hashing.position(toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int compareTo(ServerAddress o) {
        int c = host.compareTo(o.host);
        return c != 0 ? c : Integer.compare(port, o.port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
