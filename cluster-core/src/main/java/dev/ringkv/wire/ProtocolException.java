package dev.ringkv.wire;

/**
 * The byte stream is not RESP (or breaks a limit that makes it unsafe to go on reading). The message
 * is sent to the peer as {@code -ERR Protocol error: <message>} and the connection is closed, the way
 * Redis does: after garbage there is no safe place to resynchronise.
 */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
