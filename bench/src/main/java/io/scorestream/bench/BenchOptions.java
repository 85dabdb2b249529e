package io.scorestream.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one benchmark run does. Immutable; {@link #parse} reads the command line and fails with a
 * message naming the option.
 *
 * @param events transactions pre-loaded and scored by every Kafka mode
 * @param partitions partitions of the input (and every output) topic
 * @param repetitions repetitions of each throughput measurement (the table shows the median)
 * @param warmupEvents events of each unmeasured warm-up run (one per model and Kafka mode and pass)
 * @param warmupPasses at most this many warm-up passes over every model and Kafka mode before the
 *     first measured one, fewer once the JIT compilers are quiet ({@link Bench#JIT_QUIET_SHARE})
 * @param models reference models to run, in order
 * @param modes throughput modes to run, in order
 * @param latencyConfigs configurations of the latency run, in order (empty: no latency run)
 * @param latencyLoads loads of the latency run, in percent of the best micro-batched throughput
 * @param latencyRates absolute offered rates of the latency run, events/s, measured after the loads
 * @param latencySeconds measured seconds at each load
 * @param latencyWarmupSeconds unmeasured seconds before the first load of each configuration
 * @param latencyMaxRate records/s that stands for 100 % load when no micro-batched mode was measured
 *     (0: none given)
 * @param modelOnlySeconds how long each model-only repetition scores
 * @param guarantee {@code processing.guarantee} of every Kafka Streams application
 * @param commitIntervalMs {@code commit.interval.ms} of every Kafka Streams application
 * @param device {@code inference.device}
 * @param streamsOverrides extra Kafka Streams settings of every application (passed as
 *     {@code kafka.<key>}), e.g. {@code max.task.idle.ms=-1}; empty for the application's defaults
 * @param sink what the sink mode does (used only when {@code modes} has {@link Mode#SINK})
 * @param features what the features mode does (used only when {@code modes} has {@link Mode#FEATURES})
 * @param wideWidth W: floats per event of the {@code wide} model (its input width)
 * @param seed seed of the synthetic transactions and of the random models
 * @param out directory of the JSON and PNG results
 * @param latencyMatrix run the latency matrix ({@link LatencyMatrix}) instead of the modes and the latency
 *     run: {@code --modes}, {@code --models}, {@code --latency-configs}, {@code --latency-loads},
 *     {@code --latency-rates}, {@code --latency-max-rate}, {@code --guarantee}, {@code --commit-interval-ms} and
 *     {@code --streams-overrides} are refused with it, since the matrix fixes them
 */
public record BenchOptions(long events, int partitions, int repetitions, long warmupEvents, int warmupPasses,
                           List<BenchModel.Kind> models,
                           List<Mode> modes, List<LatencyConfig> latencyConfigs, List<Integer> latencyLoads,
                           List<Long> latencyRates,
                           double latencySeconds, double latencyWarmupSeconds, long latencyMaxRate,
                           double modelOnlySeconds, String guarantee, long commitIntervalMs, String device,
                           Map<String, String> streamsOverrides, SinkOptions sink, FeaturesOptions features,
                           int wideWidth, long seed, Path out, boolean latencyMatrix) {

    public BenchOptions {
        models = List.copyOf(models);
        modes = List.copyOf(modes);
        latencyConfigs = List.copyOf(latencyConfigs);
        latencyLoads = List.copyOf(latencyLoads);
        latencyRates = List.copyOf(latencyRates);
        streamsOverrides = Map.copyOf(streamsOverrides);
        require(events >= 1 && events <= Integer.MAX_VALUE, "--events must be between 1 and 2^31-1");
        require(partitions >= 1, "--partitions must be >= 1");
        require(repetitions >= 1, "--repetitions must be >= 1");
        require(wideWidth >= 1 && wideWidth <= 1_000_000, "--wide-width must be between 1 and 1000000, got "
                + wideWidth);
        require(warmupEvents >= 0, "--warmup-events must be >= 0");
        require(warmupPasses >= 1, "--warmup-passes must be >= 1");
        require(!models.isEmpty(), "--models needs at least one model");
        require(latencySeconds > 0, "--latency-seconds must be > 0");
        require(latencyWarmupSeconds >= 0, "--latency-warmup-seconds must be >= 0");
        require(modelOnlySeconds > 0, "--model-only-seconds must be > 0");
        for (int load : latencyLoads) {
            require(load > 0 && load <= 100, "--latency-loads are percentages in (0, 100], got " + load);
        }
        for (long rate : latencyRates) {
            require(rate > 0, "--latency-rates are events/s > 0, got " + rate);
        }
        require(guarantee.equals("exactly_once_v2") || guarantee.equals("at_least_once"),
                "--guarantee must be exactly_once_v2 or at_least_once");
    }

    /** The defaults of {@code bench/run} without options. */
    public static BenchOptions defaults() {
        return parse(new String[0]);
    }

    /** The usage text. */
    public static String usage() {
        return String.join("\n",
                "usage: bench/run [options]",
                "  --events N                 transactions pre-loaded and scored per Kafka mode (2000000)",
                "  --partitions N             partitions of the input topic (6)",
                "  --repetitions N            repetitions per throughput measurement; median shown (3)",
                "  --warmup-events N          events of each unmeasured JIT warm-up run (200000; 0: none)",
                "  --warmup-passes N          warm-up passes over every model and Kafka mode, at most; fewer once",
                "                             the JIT compilers used < 10% of a core in a pass (3)",
                "  --models LIST              demo,large (also: wide, W floats per event, W-128-64-10)",
                "  --wide-width W             floats per event of the wide model, e.g. 64, 784, 4096 (784)",
                "  --modes LIST               " + String.join(",", Mode.names()),
                "  --latency-configs LIST     " + String.join(",", LatencyConfig.names())
                        + " (none: skip the latency run)",
                "  --latency-loads LIST       percent of the best micro-batched throughput (25,50,75; none: no loads)",
                "  --latency-rates LIST       absolute offered rates, events/s, after the loads (none); given",
                "                             without --latency-loads, they replace the default loads",
                "  --latency-seconds S        measured seconds per load (30)",
                "  --latency-warmup-seconds S unmeasured seconds before the first load (5)",
                "  --latency-max-rate R       records/s standing for 100% load if no batched mode ran (0)",
                "  --model-only-seconds S     seconds per model-only repetition (3)",
                "  --guarantee G              exactly_once_v2 | at_least_once (exactly_once_v2)",
                "  --commit-interval-ms MS    commit.interval.ms of the Streams applications (100)",
                "  --device D                 inference.device: cpu | auto | cuda[:N] (cpu)",
                "  --streams-overrides LIST   extra Kafka Streams settings, key=value,... (none)",
                "  --sink-rows N              sink mode: scores written per side and repetition (200000)",
                "  --sink-warmup-rows N       scores of the unmeasured warm-up of each side (20000)",
                "  --sink-tasks N             tasks.max of the JDBC sink connector (0: one per partition)",
                "  --sink-batch-size N        batch.size of the connector = rows per batch of the JDBC ceiling (3000)",
                "  --sink-config LIST         extra connector settings, key=value,... (none)",
                "  --connect-overrides LIST   extra Connect worker properties, key=value,... (none)",
                "  --sink-jdbc-params LIST    JDBC URL parameters of both sides, key=value,... (none)",
                "  --features-events N        features mode: transactions scored per side and repetition (1000000)",
                "  --features-keys N          features mode: accounts they are spread over (100000)",
                "  --features-days D          features mode: days of event time they span (3)",
                "  --seed N                   seed of the data and the random models (42)",
                "  --out DIR                  where <timestamp>.json and <timestamp>.png go (bench/results)",
                "",
                "  --latency-matrix           (no value) only the latency matrix: for at_least_once and exactly_once_v2",
                "                             with commit.interval.ms 20, 50, 100, the default pipeline's maximum",
                "                             throughput, then p50/p99 end to end at 1,000 events/s and at half that",
                "                             maximum; demo model, no kafka.* settings. Defaults then: --events "
                        + MATRIX_DEFAULTS.get("events") + ",",
                "                             --latency-seconds " + MATRIX_DEFAULTS.get("latency-seconds")
                        + "; allowed with it: --events --partitions --repetitions",
                "                             --warmup-events --latency-seconds --latency-warmup-seconds --device --seed --out",
                "",
                "       bench/run --chart-from bench/results/<timestamp>.json   redraws that run's chart");
    }

    /** The flag of the latency matrix (it takes no value). */
    static final String MATRIX_FLAG = "--latency-matrix";

    /** Defaults that {@value #MATRIX_FLAG} changes: throughput runs of ~15 s, 20 s per latency point. */
    static final Map<String, String> MATRIX_DEFAULTS = Map.of("events", "1500000", "latency-seconds", "20");

    /** Options that {@value #MATRIX_FLAG} fixes itself, so they are refused with it. */
    static final List<String> MATRIX_FIXED = List.of("models", "modes", "latency-configs", "latency-loads",
            "latency-rates", "latency-max-rate", "guarantee", "commit-interval-ms", "streams-overrides",
            "sink-rows", "sink-warmup-rows", "sink-tasks", "sink-batch-size", "sink-config", "connect-overrides",
            "sink-jdbc-params", "features-events", "features-keys", "features-days", "wide-width");

    /**
     * Parses {@code --name value} pairs (and the flag {@value #MATRIX_FLAG}) over the defaults.
     *
     * @throws IllegalArgumentException naming the bad or unknown option
     */
    public static BenchOptions parse(String[] args) {
        final Map<String, String> v = new LinkedHashMap<>();
        v.put("events", "2000000");
        v.put("partitions", "6");
        v.put("repetitions", "3");
        v.put("warmup-events", "200000");
        v.put("warmup-passes", "3");
        v.put("models", "demo,large");
        v.put("modes", String.join(",", Mode.names()));
        v.put("latency-configs", String.join(",", LatencyConfig.names()));
        v.put("latency-loads", "25,50,75");
        v.put("latency-rates", "");
        v.put("latency-seconds", "30");
        v.put("latency-warmup-seconds", "5");
        v.put("latency-max-rate", "0");
        v.put("model-only-seconds", "3");
        v.put("guarantee", "exactly_once_v2");
        v.put("commit-interval-ms", "100");
        v.put("device", "cpu");
        v.put("streams-overrides", "");
        v.put("sink-rows", "200000");
        v.put("sink-warmup-rows", "20000");
        v.put("sink-tasks", "0");
        v.put("sink-batch-size", "3000");
        v.put("sink-config", "");
        v.put("connect-overrides", "");
        v.put("sink-jdbc-params", "");
        v.put("features-events", "1000000");
        v.put("features-keys", "100000");
        v.put("features-days", "3");
        v.put("wide-width", Integer.toString(BenchModel.DEFAULT_WIDE_WIDTH));
        v.put("seed", "42");
        v.put("out", "bench/results");
        final java.util.Set<String> given = new java.util.LinkedHashSet<>();
        boolean matrix = false;
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            if (a.equals(MATRIX_FLAG)) {
                matrix = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + usage());
            }
            final String name = a.substring(2);
            if (!v.containsKey(name)) {
                throw new IllegalArgumentException("unknown option '" + a + "'\n" + usage());
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option '" + a + "' needs a value");
            }
            v.put(name, args[++i]);
            given.add(name);
        }
        if (matrix) {
            for (String name : given) {
                if (MATRIX_FIXED.contains(name)) {
                    throw new IllegalArgumentException("option '--" + name + "' cannot be used with " + MATRIX_FLAG
                            + ", which fixes the settings it measures; drop one of them");
                }
            }
            for (Map.Entry<String, String> e : MATRIX_DEFAULTS.entrySet()) {
                if (!given.contains(e.getKey())) {
                    v.put(e.getKey(), e.getValue());
                }
            }
            v.put("models", "demo");
            v.put("latency-configs", "window-5ms");
        }
        if (given.contains("latency-rates") && !given.contains("latency-loads")) {
            v.put("latency-loads", "none"); // rates alone replace the default loads
        }
        try {
            return new BenchOptions(
                    Long.parseLong(v.get("events")),
                    Integer.parseInt(v.get("partitions")),
                    Integer.parseInt(v.get("repetitions")),
                    Long.parseLong(v.get("warmup-events")),
                    Integer.parseInt(v.get("warmup-passes")),
                    list(v.get("models"), BenchModel.Kind::parse),
                    list(v.get("modes"), Mode::parse),
                    v.get("latency-configs").equals("none") ? List.of()
                            : list(v.get("latency-configs"), LatencyConfig::parse),
                    v.get("latency-loads").equals("none") ? List.of()
                            : list(v.get("latency-loads"), Integer::parseInt),
                    list(v.get("latency-rates"), Long::parseLong),
                    Double.parseDouble(v.get("latency-seconds")),
                    Double.parseDouble(v.get("latency-warmup-seconds")),
                    Long.parseLong(v.get("latency-max-rate")),
                    Double.parseDouble(v.get("model-only-seconds")),
                    v.get("guarantee").toLowerCase(Locale.ROOT),
                    Long.parseLong(v.get("commit-interval-ms")),
                    v.get("device"),
                    keyValues("--streams-overrides", v.get("streams-overrides")),
                    new SinkOptions(Long.parseLong(v.get("sink-rows")), Long.parseLong(v.get("sink-warmup-rows")),
                            Integer.parseInt(v.get("sink-tasks")), Integer.parseInt(v.get("sink-batch-size")),
                            keyValues("--sink-config", v.get("sink-config")),
                            keyValues("--connect-overrides", v.get("connect-overrides")),
                            keyValues("--sink-jdbc-params", v.get("sink-jdbc-params"))),
                    new FeaturesOptions(Long.parseLong(v.get("features-events")),
                            Integer.parseInt(v.get("features-keys")), Double.parseDouble(v.get("features-days"))),
                    Integer.parseInt(v.get("wide-width")),
                    Long.parseLong(v.get("seed")),
                    Path.of(v.get("out")),
                    matrix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage(), e);
        }
    }

    private interface Parser<T> {
        T parse(String text);
    }

    private static <T> List<T> list(String csv, Parser<T> parser) {
        final List<T> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(parser.parse(s.trim()));
            }
        }
        return out;
    }

    private static Map<String, String> keyValues(String option, String csv) {
        final Map<String, String> out = new LinkedHashMap<>();
        for (String pair : csv.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            final int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(option + " takes key=value pairs, got '" + pair + "'");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
