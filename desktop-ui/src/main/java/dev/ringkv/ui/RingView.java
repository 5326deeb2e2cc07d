package dev.ringkv.ui;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import javafx.scene.Group;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.shape.Arc;
import javafx.scene.shape.ArcType;
import javafx.scene.shape.Circle;
import javafx.scene.text.Text;

/**
 * The hash ring: a circle with each server at its MD5 position (0 at the top, clockwise), its owned
 * range as a coloured arc, and its label. Redrawn from a {@link ClusterSnapshot}.
 */
public final class RingView extends Region {

    private static final Color[] PALETTE = {
        Color.web("#5ab0ff"), Color.web("#3ecf8e"), Color.web("#f5a623"), Color.web("#c792ea"),
        Color.web("#ff7eb6"), Color.web("#4dd0e1"), Color.web("#ffd54f"), Color.web("#a1887f"),
    };
    private static final BigDecimal TWO_128 = new BigDecimal(java.math.BigInteger.ONE.shiftLeft(128));

    private final Group layer = new Group();
    private final Circle track = new Circle();
    private final Text center = new Text();
    private final Text caption = new Text();
    private ClusterSnapshot snapshot;

    public RingView() {
        getStyleClass().add("ring-view");
        track.getStyleClass().add("ring-track");
        center.getStyleClass().add("ring-center");
        caption.getStyleClass().add("ring-caption");
        getChildren().addAll(track, layer, center, caption);
        setMinSize(320, 320);
        setPrefSize(640, 640);
    }

    public void bindToModel(MonitorViewModel model) {
        model.snapshotProperty().addListener((obs, old, s) -> show(s));
        show(model.snapshotProperty().get());
    }

    void show(ClusterSnapshot s) {
        this.snapshot = s;
        requestLayout();
    }

    /** Fraction of the full circle (0..1) at which a position sits. */
    static double fraction(Position p) {
        return new BigDecimal(p.toBigInteger()).divide(TWO_128, MathContext.DECIMAL64).doubleValue();
    }

    @Override
    protected void layoutChildren() {
        double w = getWidth();
        double h = getHeight();
        double cx = w / 2;
        double cy = h / 2;
        double r = Math.max(40, Math.min(w, h) / 2 - 90);
        track.setCenterX(cx);
        track.setCenterY(cy);
        track.setRadius(r);
        layer.getChildren().clear();
        Ring ring = snapshot == null ? null : snapshot.ring();
        if (ring == null || ring.isEmpty()) {
            center.setText(snapshot != null && snapshot.error() != null ? "unreachable" : "waiting…");
            place(center, cx, cy);
            caption.setText("");
            return;
        }
        List<ServerAddress> members = ring.members();
        for (int i = 0; i < members.size(); i++) {
            ServerAddress m = members.get(i);
            Color colour = PALETTE[i % PALETTE.length];
            Range range = ring.rangeOf(m);
            double from = fraction(range.from());
            double to = fraction(range.to());
            double extent = range.isFull() ? 1.0 : ((to - from) % 1.0 + 1.0) % 1.0;
            Arc arc = new Arc(cx, cy, r, r, 90 - from * 360, -extent * 360);
            arc.setType(ArcType.OPEN);
            arc.getStyleClass().add("ring-arc");
            arc.setStroke(colour);
            arc.setId("arc-" + m);
            layer.getChildren().add(arc);
        }
        for (ServerAddress m : members) {
            double f = fraction(ring.positionOf(m));
            double angle = Math.toRadians(f * 360 - 90);
            double x = cx + r * Math.cos(angle);
            double y = cy + r * Math.sin(angle);
            Circle marker = new Circle(x, y, 10);
            marker.getStyleClass().add("node-marker");
            marker.setId("node-" + m);
            Text label = new Text(String.format(Locale.ROOT, "%s%n%.1f%% · %s keys", m,
                    ring.ownership(m) * 100, snapshot.keys().getOrDefault(m.toString(), 0L)));
            label.getStyleClass().add("node-label");
            double lx = cx + (r + 46) * Math.cos(angle);
            double ly = cy + (r + 46) * Math.sin(angle);
            label.applyCss();
            double lw = label.getLayoutBounds().getWidth();
            label.setX(lx - lw / 2);
            label.setY(ly);
            layer.getChildren().addAll(marker, label);
        }
        center.setText("v" + ring.version());
        place(center, cx, cy - 6);
        caption.setText(members.size() + (members.size() == 1 ? " server" : " servers") + " · term " + ring.term());
        place(caption, cx, cy + 18);
    }

    private static void place(Text t, double cx, double cy) {
        t.applyCss();
        t.setX(cx - t.getLayoutBounds().getWidth() / 2);
        t.setY(cy);
    }
}
