package dev.ringkv.node;

/** Mutable per-connection settings; node thread only. */
public final class SessionState {
    private String clientName;
    private boolean routingAware;
    private String peerId;

    public String clientName() {
        return clientName;
    }

    public void clientName(String name) {
        this.clientName = name;
    }

    /** Routing-aware clients get {@code -NOT_RESPONSIBLE} instead of being forwarded (DESIGN §5). */
    public boolean routingAware() {
        return routingAware;
    }

    public void routingAware(boolean on) {
        this.routingAware = on;
    }

    /** Non-null once the connection identified itself as a cluster peer. */
    public String peerId() {
        return peerId;
    }

    public void peerId(String id) {
        this.peerId = id;
    }
}
