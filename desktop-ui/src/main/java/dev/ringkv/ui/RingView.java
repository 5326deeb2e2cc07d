package dev.ringkv.ui;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.ring.Ring;
import dev.ringkv.ring.ServerAddress;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javafx.animation.KeyFrame;
import javafx.animation.KeyValue;
import javafx.animation.ScaleTransition;
import javafx.animation.Timeline;
import javafx.collections.ListChangeListener;
import javafx.css.PseudoClass;
import javafx.scene.Group;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.shape.Arc;
import javafx.scene.shape.ArcType;
import javafx.scene.shape.Circle;
import javafx.scene.shape.Line;
import javafx.scene.text.Text;
import javafx.util.Duration;

/**
 * The hash ring: each server at its MD5 position (0 at the top, clockwise) with the arc it coordinates
 * in its colour, the selected server's replica range as an inner arc, sampled keys as dots at their
 * positions, the highlighted key's holders ringed, and the ECS badge. A joining server's arc grows from
 * its marker; a crashed one turns DOWN and its successor's arc sweeps over its range. Shapes live as
 * long as their server is known, so CSS applies once and nothing flickers; layout only moves them.
 */
public final class RingView extends Region {

    /** Node colours by {@link MemberRow#color()}; mirrored by {@code -rk-node-N} in the theme for the chart. */
    static final Color[] PALETTE = {
        Color.web("#5ab0ff"), Color.web("#3ecf8e"), Color.web("#f5a623"), Color.web("#c792ea"),
        Color.web("#ff7eb6"), Color.web("#4dd0e1"), Color.web("#ffd54f"), Color.web("#a1887f"),
    };
    /** Off in tests ({@code -Dringkv.ui.animations=false}): shapes jump straight to where they belong. */
    static final boolean ANIMATE = !"false".equals(System.getProperty("ringkv.ui.animations"));
    private static final Duration SWEEP = Duration.millis(700);
    private static final BigDecimal TWO_128 = new BigDecimal(BigInteger.ONE.shiftLeft(128));
    private static final Set<String> STATES = Set.of("up", "suspect", "down", "joining", "leaving");
    private static final PseudoClass ECS = PseudoClass.getPseudoClass("ecs");
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");
    private static final PseudoClass HOLDER = PseudoClass.getPseudoClass("holder");

    private final Circle track = new Circle();
    private final Canvas dots = new Canvas();
    private final Group arcs = new Group();
    private final Arc replicaArc = new Arc();
    private final Line keyLine = new Line();
    private final Circle keyMarker = new Circle(5);
    private final Group labels = new Group();
    private final Group markers = new Group();
    private final Text center = new Text();
    private final Text caption = new Text();
    private final Label ecsBadge = new Label();
    private final Map<ServerAddress, MemberShapes> shapes = new LinkedHashMap<>();
    private MonitorViewModel model;
    private Timeline sweep;

    private static final class MemberShapes {
        final Arc arc = new Arc();
        final Circle marker = new Circle(11);
        final Text label = new Text();
        final double fraction;
        MemberRow row;

        MemberShapes(ServerAddress m) {
            fraction = fraction(m.position());
            arc.setType(ArcType.OPEN);
            arc.setFill(null);
            arc.getStyleClass().add("ring-arc");
            arc.setId(cssId("arc", m));
            arc.setUserData(m);
            // a new arc starts empty at its marker and grows back to its predecessor
            arc.setStartAngle(90 - fraction * 360);
            arc.setLength(0);
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
        replicaArc.getStyleClass().add("replica-arc");
        replicaArc.setType(ArcType.OPEN);
        replicaArc.setFill(null);
        replicaArc.setVisible(false);
        replicaArc.setId("replica-arc");
        keyLine.getStyleClass().add("key-line");
        keyMarker.getStyleClass().add("key-marker");
        keyMarker.setId("key-marker");
        keyLine.setVisible(false);
        keyMarker.setVisible(false);
        center.getStyleClass().add("ring-center");
        center.setId("ring-center");
        caption.getStyleClass().add("ring-caption");
        caption.setId("ring-caption");
        ecsBadge.getStyleClass().add("ecs-badge");
        ecsBadge.setId("ecs-badge");
        ecsBadge.setVisible(false);
        ecsBadge.setManaged(false);
        dots.setMouseTransparent(true);
        // markers above everything else that could take their clicks (labels, texts, the badge)
        for (javafx.scene.Node n : List.of(track, replicaArc, keyLine, keyMarker, center, caption, ecsBadge)) {
            n.setMouseTransparent(true);
        }
        getChildren().addAll(track, dots, arcs, replicaArc, keyLine, keyMarker, labels, center, caption, ecsBadge, markers);
        setMinSize(360, 360);
        setPrefSize(660, 660);
    }

    public void bindToModel(MonitorViewModel m) {
        this.model = m;
        m.ringProperty().addListener((o, a, b) -> refresh(true));
        m.members().addListener((ListChangeListener<MemberRow>) c -> refresh(false));
        m.keyDotsProperty().addListener((o, a, b) -> drawDots());
        m.selectedNodeProperty().addListener((o, a, b) -> refresh(false));
        m.highlightProperty().addListener((o, a, b) -> refresh(false));
        refresh(true);
    }

    /** Applies the model: shapes per known server, pseudo-classes, labels; arcs sweep to the new ring. */
    private void refresh(boolean ringChanged) {
        Ring ring = model.ringProperty().get();
        List<MemberRow> rows = model.members();
        Set<ServerAddress> present = new HashSet<>();
        rows.forEach(r -> present.add(r.address()));
        shapes.entrySet().removeIf(e -> {
            if (!present.contains(e.getKey())) {
                arcs.getChildren().remove(e.getValue().arc);
                markers.getChildren().remove(e.getValue().marker);
                labels.getChildren().remove(e.getValue().label);
                return true;
            }
            return false;
        });
        MonitorViewModel.KeyResult hl = model.highlightProperty().get();
        Set<ServerAddress> holders = hl == null ? Set.of() : new HashSet<>(hl.holders());
        ServerAddress selected = model.selectedNodeProperty().get();
        boolean created = false;
        for (MemberRow r : rows) {
            created |= !shapes.containsKey(r.address());
            MemberShapes sh = shapes.computeIfAbsent(r.address(), a -> {
                MemberShapes n = new MemberShapes(a);
                arcs.getChildren().add(n.arc);
                markers.getChildren().add(n.marker);
                labels.getChildren().add(n.label);
                n.marker.setOnMouseClicked(e -> model.select(a));
                n.label.setOnMouseClicked(e -> model.select(a));
                if (ANIMATE) {
                    ScaleTransition pop = new ScaleTransition(SWEEP, n.marker);
                    pop.setFromX(0);
                    pop.setFromY(0);
                    pop.setToX(1);
                    pop.setToY(1);
                    pop.play();
                }
                return n;
            });
            sh.row = r;
            Color c = PALETTE[r.color() % PALETTE.length];
            sh.arc.setStroke(c);
            for (String s : STATES) {
                sh.marker.pseudoClassStateChanged(PseudoClass.getPseudoClass(s), s.equals(r.pseudoClass()));
            }
            sh.marker.pseudoClassStateChanged(ECS, r.ecs());
            sh.marker.pseudoClassStateChanged(SELECTED, r.address().equals(selected));
            sh.marker.pseudoClassStateChanged(HOLDER, holders.contains(r.address()));
            sh.label.setText(String.format(Locale.ROOT, "%s%n%s · %.1f%% · %,d keys", r.address(), r.stateText(),
                    r.ownership() * 100, r.keys()));
        }
        if (ringChanged || created) {
            sweepArcs(ring);
        }
        showReplicaRange(ring, selected);
        showCenter(ring);
        drawDots();
        requestLayout();
    }

    /** Moves every arc to its range in {@code ring} (servers out of the ring shrink to nothing). */
    private void sweepArcs(Ring ring) {
        if (sweep != null) {
            sweep.stop();
        }
        List<KeyValue> to = new ArrayList<>();
        for (Map.Entry<ServerAddress, MemberShapes> e : shapes.entrySet()) {
            Arc arc = e.getValue().arc;
            double start;
            double length;
            if (ring != null && ring.contains(e.getKey())) {
                Range range = ring.rangeOf(e.getKey());
                double from = fraction(range.from());
                double extent = range.isFull() ? 1.0 : ((fraction(range.to()) - from) % 1.0 + 1.0) % 1.0;
                // JavaFX angles: 0 at 3 o'clock, counter-clockwise; the ring: 0 at 12 o'clock, clockwise
                start = 90 - from * 360;
                length = -extent * 360;
            } else {
                start = 90 - e.getValue().fraction * 360;
                length = 0;
            }
            // take the short way round, so an arc never spins a full turn
            double delta = ((start - arc.getStartAngle()) % 360 + 540) % 360 - 180;
            if (ANIMATE) {
                to.add(new KeyValue(arc.startAngleProperty(), arc.getStartAngle() + delta));
                to.add(new KeyValue(arc.lengthProperty(), length));
            } else {
                arc.setStartAngle(arc.getStartAngle() + delta);
                arc.setLength(length);
            }
        }
        if (!ANIMATE) {
            return;
        }
        sweep = new Timeline(new KeyFrame(SWEEP, to.toArray(new KeyValue[0])));
        sweep.play();
    }

    private void showReplicaRange(Ring ring, ServerAddress selected) {
        var status = model.statusProperty().get();
        if (ring == null || selected == null || status == null || !ring.contains(selected)) {
            replicaArc.setVisible(false);
            return;
        }
        Range range = ring.replicaRangeOf(selected, status.replicas());
        double from = fraction(range.from());
        double extent = range.isFull() ? 1.0 : ((fraction(range.to()) - from) % 1.0 + 1.0) % 1.0;
        replicaArc.setStartAngle(90 - from * 360);
        replicaArc.setLength(-extent * 360);
        MemberShapes sh = shapes.get(selected);
        replicaArc.setStroke(sh == null ? Color.GRAY : PALETTE[sh.row.color() % PALETTE.length]);
        replicaArc.setVisible(true);
    }

    private void showCenter(Ring ring) {
        var status = model.statusProperty().get();
        if (status == null) {
            center.setText("…");
            caption.setText(model.connectionProperty().get());
            ecsBadge.setVisible(false);
            return;
        }
        center.setText("ring v" + status.ringVersion());
        int size = ring == null ? 0 : ring.size();
        caption.setText(String.format(Locale.ROOT, "%d server%s · %d copies per key", size, size == 1 ? "" : "s",
                Math.min(status.replicas(), Math.max(size, 1))));
        ServerAddress ecs = ServerAddress.parse(status.ecs());
        ecsBadge.setText(shapes.containsKey(ecs) ? "ECS · term " + status.term()
                : "ECS " + status.ecs() + " · term " + status.term());
        ecsBadge.setUserData(ecs);
        ecsBadge.setVisible(true);
    }

    /** Redraws the key dots, each in its coordinator's colour, just inside the ring. */
    private void drawDots() {
        GraphicsContext g = dots.getGraphicsContext2D();
        g.clearRect(0, 0, dots.getWidth(), dots.getHeight());
        Ring ring = model.ringProperty().get();
        if (ring == null || ring.isEmpty()) {
            return;
        }
        Map<ServerAddress, Color> colours = new HashMap<>();
        shapes.forEach((a, sh) -> colours.put(a, PALETTE[sh.row.color() % PALETTE.length]));
        double cx = dots.getWidth() / 2;
        double cy = dots.getHeight() / 2;
        double r = radius() - 24;
        for (KeyDot d : model.keyDotsProperty().get()) {
            g.setFill(colours.getOrDefault(ring.coordinatorOf(d.position()), Color.GRAY));
            double angle = Math.toRadians(d.fraction() * 360 - 90);
            double jitter = (d.position().lo() & 0xff) / 255.0 * 10; // spread dense dots over a band
            g.fillOval(cx + (r - jitter) * Math.cos(angle) - 2, cy + (r - jitter) * Math.sin(angle) - 2, 4, 4);
        }
    }

    /** Fraction of the full circle (0..1) at which a position sits. */
    static double fraction(Position p) {
        return new BigDecimal(p.toBigInteger()).divide(TWO_128, MathContext.DECIMAL64).doubleValue();
    }

    /** A CSS-safe id: {@code node-127-0-0-1-5101} for 127.0.0.1:5101 (dots and colons mean class and pseudo-class). */
    public static String cssId(String kind, ServerAddress m) {
        return kind + "-" + m.toString().replaceAll("[^A-Za-z0-9]", "-");
    }

    private double radius() {
        // room outside the ring for the labels: ~150 px wide at the sides, two lines above and below
        return Math.max(60, Math.min(getWidth() / 2 - 175, getHeight() / 2 - 60));
    }

    @Override
    protected void layoutChildren() {
        double w = getWidth();
        double h = getHeight();
        double cx = w / 2;
        double cy = h / 2;
        double r = radius();
        track.setCenterX(cx);
        track.setCenterY(cy);
        track.setRadius(r);
        if (dots.getWidth() != w || dots.getHeight() != h) {
            dots.setWidth(w);
            dots.setHeight(h);
            drawDots();
        }
        replicaArc.setCenterX(cx);
        replicaArc.setCenterY(cy);
        replicaArc.setRadiusX(r - 14);
        replicaArc.setRadiusY(r - 14);
        ServerAddress ecs = ecsBadge.getUserData() instanceof ServerAddress a ? a : null;
        boolean badgeOnMarker = false;
        for (Map.Entry<ServerAddress, MemberShapes> e : shapes.entrySet()) {
            MemberShapes sh = e.getValue();
            sh.arc.setCenterX(cx);
            sh.arc.setCenterY(cy);
            sh.arc.setRadiusX(r);
            sh.arc.setRadiusY(r);
            double angle = Math.toRadians(sh.fraction * 360 - 90);
            double mx = cx + r * Math.cos(angle);
            double my = cy + r * Math.sin(angle);
            sh.marker.setCenterX(mx);
            sh.marker.setCenterY(my);
            double lw = sh.label.getLayoutBounds().getWidth();
            double lh = sh.label.getLayoutBounds().getHeight();
            double lx = cx + (r + 26) * Math.cos(angle);
            double ly = cy + (r + 26) * Math.sin(angle);
            // push the label outward: left of the anchor on the left half, right on the right half
            sh.label.setX(Math.max(4, Math.min(w - lw - 4, lx - lw / 2 + Math.cos(angle) * lw / 2)));
            sh.label.setY(ly - lh / 2 + Math.sin(angle) * lh / 2 + 12);
            if (e.getKey().equals(ecs)) {
                ecsBadge.autosize();
                ecsBadge.relocate(mx - ecsBadge.getWidth() / 2, my - 14 - ecsBadge.getHeight());
                badgeOnMarker = true;
            }
        }
        MonitorViewModel.KeyResult hl = model == null ? null : model.highlightProperty().get();
        if (hl != null) {
            double angle = Math.toRadians(fraction(hl.position()) * 360 - 90);
            keyLine.setStartX(cx);
            keyLine.setStartY(cy);
            keyLine.setEndX(cx + r * Math.cos(angle));
            keyLine.setEndY(cy + r * Math.sin(angle));
            keyMarker.setCenterX(cx + r * Math.cos(angle));
            keyMarker.setCenterY(cy + r * Math.sin(angle));
        }
        keyLine.setVisible(hl != null);
        keyMarker.setVisible(hl != null);
        spreadLabels();
        place(center, cx, cy - 8);
        place(caption, cx, cy + 16);
        if (!badgeOnMarker) {
            ecsBadge.autosize();
            ecsBadge.relocate(cx - ecsBadge.getWidth() / 2, cy + 30);
        }
    }

    /** Servers close together on the ring would print their labels over each other: push them apart vertically. */
    private void spreadLabels() {
        for (boolean right : new boolean[] {true, false}) {
            List<Text> side = new ArrayList<>();
            for (MemberShapes sh : shapes.values()) {
                double x = Math.cos(Math.toRadians(sh.fraction * 360 - 90));
                if ((x >= 0) == right) {
                    side.add(sh.label);
                }
            }
            side.sort(java.util.Comparator.comparingDouble(Text::getY));
            for (int i = 1; i < side.size(); i++) {
                Text above = side.get(i - 1);
                Text t = side.get(i);
                double minY = above.getY() + above.getLayoutBounds().getHeight() + 2;
                if (t.getY() < minY) {
                    t.setY(minY);
                }
            }
        }
    }

    private static void place(Text t, double cx, double cy) {
        t.setX(cx - t.getLayoutBounds().getWidth() / 2);
        t.setY(cy);
    }
}
