package dev.ringkv.client;

/** The server answered with an error reply ({@code -CODE message}). */
public class ServerErrorException extends RingKvException {
    private final String code;

    public ServerErrorException(String text) {
        super(text);
        int sp = text.indexOf(' ');
        this.code = sp < 0 ? text : text.substring(0, sp);
    }

    /** The first word of the error: ERR, NOPROTO, DELETE_ERROR, ... */
    public String code() {
        return code;
    }

    /** Maps an error reply to its typed exception. */
    public static ServerErrorException of(String text) {
        String code = text.split(" ", 2)[0];
        return switch (code) {
            case "NOT_RESPONSIBLE" -> new NotResponsibleException(text);
            case "WRITE_LOCK", "STOPPED", "TRYAGAIN" -> new RetryableServerException(text);
            default -> new ServerErrorException(text);
        };
    }
}
