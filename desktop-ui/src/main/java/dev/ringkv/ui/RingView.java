package dev.ringkv.ui;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javafx.scene.Group;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.shape.Arc;
import javafx.scene.shape.ArcType;
import javafx.scene.shape.Circle;
import javafx.scene.text.Text;

/**
 * The hash ring: a circle with each server at its MD5 position (0 at the top, clockwise), its owned
 * range as a coloured arc, and its label. Shapes are created when a member appears and kept while it
 * stays (so CSS applies once and nothing flickers); layout only moves them.
 */
public final class RingView extends Region {

    private static final Color[] PALETTE = {
        Color.web("#5ab0ff"), Color.web("#3ecf8e"), Color.web("#f5a623"), Color.web("#c792ea"),
        Color.web("#ff7eb6"), Color.web("#4dd0e1"), Color.web("#ffd54f"), Color.web("#a1887f"),
    };
    private static final BigDecimal TWO_128 = new BigDecimal(BigInteger.ONE.shiftLeft(128));

    private final Group arcs = new Group();
    private final Group markers = new Group();
    private final Circle track = new Circle();
    private final Text center = new Text();
    private final Text caption = new Text();
    private final Map<ServerAddress, MemberShapes> shapes = new LinkedHashMap<>();
    private ClusterSnapshot snapshot;

    private static final class MemberShapes {
        final Arc arc = new Arc();
        final Circle marker = new Circle(10);
        final Text label = new Text();

        MemberShapes(ServerAddress m) {
            arc.setType(ArcType.OPEN);
            arc.setFill(null);
            arc.getStyleClass().add("ring-arc");
            arc.setId(cssId("arc", m));
            arc.setUserData(m);
            marker.getStyleClass().add("node-marker");
            marker.setId(cssId("node", m));
            marker.setUserData(m);
            label.getStyleClass().add("node-label");
            label.setId(cssId("label", m));
        }
    }

    public RingView() {
        getStyleClass().add("ring-view");
        track.getStyleClass().add("ring-track");
        center.getStyleClass().add("ring-center");
        caption.getStyleClass().add("ring-caption");
        getChildren().addAll(track, arcs, markers, center, caption);
        setMinSize(320, 320);
        setPrefSize(640, 640);
    }

    public void bindToModel(MonitorViewModel model) {
        model.snapshotProperty().addListener((obs, old, s) -> show(s));
        show(model.snapshotProperty().get());
    }

    void show(ClusterSnapshot s) {
        this.snapshot = s;
        Ring ring = s == null ? null : s.ring();
        List<ServerAddress> members = ring == null ? List.of() : ring.members();
        Set<ServerAddress> present = new HashSet<>(members);
        shapes.entrySet().removeIf(e -> {
            if (!present.contains(e.getKey())) {
                arcs.getChildren().remove(e.getValue().arc);
                markers.getChildren().removeAll(e.getValue().marker, e.getValue().label);
                return true;
            }
            return false;
        });
        for (int i = 0; i < members.size(); i++) {
            ServerAddress m = members.get(i);
            MemberShapes sh = shapes.computeIfAbsent(m, a -> {
                MemberShapes n = new MemberShapes(a);
                arcs.getChildren().add(n.arc);
                markers.getChildren().addAll(n.marker, n.label);
                return n;
            });
            sh.arc.setStroke(PALETTE[i % PALETTE.length]);
            sh.label.setText(String.format(Locale.ROOT, "%s%n%.1f%% · %d keys", m, ring.ownership(m) * 100,
                    s.keys().getOrDefault(m.toString(), 0L)));
        }
        if (ring == null || ring.isEmpty()) {
            center.setText(s != null && s.error() != null ? "unreachable" : "waiting…");
            caption.setText("");
        } else {
            center.setText("v" + ring.version());
            caption.setText(members.size() + (members.size() == 1 ? " server" : " servers") + " · term " + ring.term());
        }
        requestLayout();
    }

    /** Fraction of the full circle (0..1) at which a position sits. */
    static double fraction(Position p) {
        return new BigDecimal(p.toBigInteger()).divide(TWO_128, MathContext.DECIMAL64).doubleValue();
    }

    /** A CSS-safe id: {@code node-127-0-0-1-5101} for 127.0.0.1:5101 (dots and colons mean class and pseudo-class). */
    public static String cssId(String kind, ServerAddress m) {
        return kind + "-" + m.toString().replaceAll("[^A-Za-z0-9]", "-");
    }

    @Override
    protected void layoutChildren() {
        double w = getWidth();
        double h = getHeight();
        double cx = w / 2;
        double cy = h / 2;
        double r = Math.max(40, Math.min(w, h) / 2 - 100);
        track.setCenterX(cx);
        track.setCenterY(cy);
        track.setRadius(r);
        Ring ring = snapshot == null ? null : snapshot.ring();
        if (ring != null) {
            for (Map.Entry<ServerAddress, MemberShapes> e : shapes.entrySet()) {
                ServerAddress m = e.getKey();
                MemberShapes sh = e.getValue();
                Range range = ring.rangeOf(m);
                double from = fraction(range.from());
                double to = fraction(range.to());
                double extent = range.isFull() ? 1.0 : ((to - from) % 1.0 + 1.0) % 1.0;
                sh.arc.setCenterX(cx);
                sh.arc.setCenterY(cy);
                sh.arc.setRadiusX(r);
                sh.arc.setRadiusY(r);
                // JavaFX angles: 0 at 3 o'clock, counter-clockwise; the ring: 0 at 12 o'clock, clockwise
                sh.arc.setStartAngle(90 - from * 360);
                sh.arc.setLength(-extent * 360);
                double angle = Math.toRadians(fraction(ring.positionOf(m)) * 360 - 90);
                sh.marker.setCenterX(cx + r * Math.cos(angle));
                sh.marker.setCenterY(cy + r * Math.sin(angle));
                double lw = sh.label.getLayoutBounds().getWidth();
                double lh = sh.label.getLayoutBounds().getHeight();
                double lx = cx + (r + 24) * Math.cos(angle);
                double ly = cy + (r + 24) * Math.sin(angle);
                // push the label outward: left of the anchor on the left half, right on the right half
                sh.label.setX(lx - lw / 2 + Math.cos(angle) * lw / 2);
                sh.label.setY(ly - lh / 2 + Math.sin(angle) * lh / 2 + 12);
            }
        }
        place(center, cx, cy - 6);
        place(caption, cx, cy + 18);
    }

    private static void place(Text t, double cx, double cy) {
        t.setX(cx - t.getLayoutBounds().getWidth() / 2);
        t.setY(cy);
    }
}
