package dev.ringkv.node;

/** Mutable per-connection settings; node thread only. */
public final class SessionState {
    private String clientName;
    private boolean routingAware;
    private boolean readOnly;
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

    /**
     * READONLY connections may read a key from any server that holds a copy of it, not only its coordinator
     * (DESIGN §6: eventually consistent); writes still go to the coordinator.
     */
    public boolean readOnly() {
        return readOnly;
    }

    public void readOnly(boolean on) {
        this.readOnly = on;
    }

    /** Non-null once the connection identified itself as a cluster peer. */
    public String peerId() {
        return peerId;
    }

    public void peerId(String id) {
        this.peerId = id;
    }
}
