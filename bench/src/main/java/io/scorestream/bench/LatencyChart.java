package io.scorestream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the latency run with XChart: one panel per model, end-to-end latency percentiles
 * (logarithmic axis) against the achieved throughput, one colour per scoring configuration and one
 * line style per percentile. Stateless.
 */
final class LatencyChart {

    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
        new Color(0x9467BD), new Color(0xFF7F0E)};

    private record Percentile(String label, ToDoubleFunction<Samples.Latency> value, BasicStroke line,
                              Marker marker) {
    }

    private static final List<Percentile> PERCENTILES = List.of(
            new Percentile("p50", Samples.Latency::p50, SeriesLines.DOT_DOT, SeriesMarkers.CIRCLE),
            new Percentile("p95", Samples.Latency::p95, SeriesLines.DASH_DOT, SeriesMarkers.DIAMOND),
            new Percentile("p99", Samples.Latency::p99, SeriesLines.SOLID, SeriesMarkers.SQUARE),
            new Percentile("p99.9", Samples.Latency::p999, SeriesLines.DASH_DASH, SeriesMarkers.TRIANGLE_UP));

    private LatencyChart() {
    }

    /**
     * Writes the chart as a PNG to {@code file}. Sets {@code java.awt.headless} if nobody did: the
     * benchmark runs without a display.
     *
     * @param title first line of each panel's title (e.g. the run's timestamp and machine)
     */
    static void write(List<Samples.Latency> points, String title, Path file) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        final Set<String> models = new LinkedHashSet<>();
        for (Samples.Latency l : points) {
            models.add(l.model());
        }
        final List<XYChart> charts = new ArrayList<>();
        for (String model : models) {
            charts.add(panel(points, model, title));
        }
        if (charts.isEmpty()) {
            charts.add(new XYChartBuilder().width(860).height(470).title(title + " — no latency run").build());
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /**
     * The latency points of a results file written by {@link Bench}, to redraw its chart
     * ({@code bench/run --chart-from FILE.json}). Batch sizes are not read back.
     */
    static List<Samples.Latency> readPoints(Path json) throws IOException {
        final JsonNode root = new ObjectMapper().readTree(json.toFile());
        final List<Samples.Latency> points = new ArrayList<>();
        for (JsonNode n : root.path("latency")) {
            points.add(new Samples.Latency(n.get("model").asText(), LatencyConfig.parse(n.get("config").asText()),
                    n.get("loadPercent").asInt(), n.get("targetRate").asDouble(), n.get("achievedRate").asDouble(),
                    n.get("count").asLong(), n.get("produced").asLong(), n.get("p50Ms").asDouble(),
                    n.get("p95Ms").asDouble(), n.get("p99Ms").asDouble(), n.get("p999Ms").asDouble(),
                    n.get("maxMs").asDouble(), null));
        }
        return points;
    }

    private static XYChart panel(List<Samples.Latency> points, String model, String title) {
        final XYChart chart = new XYChartBuilder().width(860).height(470)
                .title(title + " — model " + model)
                .xAxisTitle("achieved throughput (scores/s)")
                .yAxisTitle("end-to-end latency (ms, log scale)")
                .build();
        final var styler = chart.getStyler();
        styler.setYAxisLogarithmic(true);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setMarkerSize(7);
        styler.setDecimalPattern("#,###");
        final Set<LatencyConfig> configs = new LinkedHashSet<>();
        for (Samples.Latency l : points) {
            if (l.model().equals(model)) {
                configs.add(l.config());
            }
        }
        int color = 0;
        for (LatencyConfig config : configs) {
            final List<Samples.Latency> series = new ArrayList<>();
            for (Samples.Latency l : points) {
                if (l.model().equals(model) && l.config() == config) {
                    series.add(l);
                }
            }
            // In the order of offered load: a pipeline that saturates bends back to the left.
            series.sort((a, b) -> Double.compare(a.targetRate(), b.targetRate()));
            final double[] x = new double[series.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = series.get(i).achievedRate();
            }
            for (Percentile p : PERCENTILES) {
                final double[] y = new double[series.size()];
                for (int i = 0; i < y.length; i++) {
                    // A log axis cannot show 0 ms; sub-millisecond latencies are drawn at 1 ms.
                    y[i] = Math.max(1.0, p.value().applyAsDouble(series.get(i)));
                }
                final XYSeries s = chart.addSeries(String.format(Locale.ROOT, "%s %s", config.label(), p.label()),
                        x, y);
                s.setLineColor(COLORS[color % COLORS.length]);
                s.setMarkerColor(COLORS[color % COLORS.length]);
                s.setLineStyle(p.line());
                s.setMarker(p.marker());
            }
            color++;
        }
        return chart;
    }
}
