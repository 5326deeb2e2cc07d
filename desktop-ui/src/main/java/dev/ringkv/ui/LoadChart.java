package dev.ringkv.ui;

import dev.ringkv.ring.ServerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.paint.Color;

/** Ops/s per server over the last minute or so, a line each in the server's colour. */
public final class LoadChart extends LineChart<Number, Number> {

    private final Map<ServerAddress, Series<Number, Number>> series = new HashMap<>();

    public LoadChart() {
        super(new NumberAxis(), new NumberAxis());
        setId("load-chart");
        setAnimated(false);
        setCreateSymbols(false);
        setLegendVisible(false);
        setTitle("ops/s per server");
        getXAxis().setTickLabelsVisible(false);
        getXAxis().setTickMarkVisible(false);
        ((NumberAxis) getXAxis()).setForceZeroInRange(false);
        setMinHeight(140);
        setPrefHeight(170);
    }

    public void bindToModel(MonitorViewModel model) {
        model.opsRevisionProperty().addListener((o, a, b) -> show(model));
    }

    private void show(MonitorViewModel model) {
        Map<ServerAddress, List<double[]>> history = model.opsHistory();
        Map<ServerAddress, Integer> colours = new HashMap<>();
        model.members().forEach(m -> colours.put(m.address(), m.color()));
        series.keySet().removeIf(a -> {
            if (!history.containsKey(a) || !colours.containsKey(a)) {
                getData().remove(series.get(a));
                return true;
            }
            return false;
        });
        history.forEach((a, points) -> {
            if (!colours.containsKey(a)) {
                return;
            }
            Series<Number, Number> s = series.computeIfAbsent(a, x -> {
                Series<Number, Number> n = new Series<>();
                n.setName(x.toString());
                getData().add(n);
                return n;
            });
            List<XYChart.Data<Number, Number>> data = new ArrayList<>(points.size());
            for (double[] p : points) {
                data.add(new XYChart.Data<>(p[0], p[1]));
            }
            s.getData().setAll(data);
            if (s.getNode() != null) {
                Color c = RingView.PALETTE[colours.get(a) % RingView.PALETTE.length];
                s.getNode().setStyle("-fx-stroke: " + web(c) + "; -fx-stroke-width: 2px;");
            }
        });
    }

    private static String web(Color c) {
        return String.format("#%02x%02x%02x", (int) (c.getRed() * 255), (int) (c.getGreen() * 255), (int) (c.getBlue() * 255));
    }
}
