package io.scorestream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.testkit.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The benchmark harness: one command ({@code bench/run}) that measures every scoring mode on the
 * embedded broker and reports a Markdown table (stdout), {@code <out>/<timestamp>.json}, a PNG
 * chart of latency against throughput, and the ratio lines, printed last.
 *
 * <ol>
 *   <li>Starts a single-node KRaft broker in this JVM, publishes the reference models to a model
 *       topic and pre-loads the input topic with {@code --events} synthetic transactions.</li>
 *   <li>Throughput: for each model, {@code --repetitions} times, each Kafka mode scores the whole
 *       topic from the beginning as its own Kafka Streams application (new application id, new
 *       output topic), one after another; throughput = events / (time from the application being
 *       ready to the last score arriving at a {@code read_committed} consumer). Model-only runs
 *       ONNX Runtime alone on pre-built batches.</li>
 *   <li>Latency: for each model and latency configuration, a fresh application on a fresh topic is
 *       fed at 25, 50 and 75 % of that model's best micro-batched throughput.</li>
 *   <li>Sink ({@link Mode#SINK}, once, not per model): scores into PostgreSQL through the JDBC sink
 *       connector against a plain JDBC batch upsert of the same rows; see {@link SinkRunner}.</li>
 *   <li>Features ({@link Mode#FEATURES}, once): the same model shape with and without 8 windowed
 *       aggregates on its own topic keyed by account, and the aggregates' store size; see
 *       {@link FeaturesRunner}.</li>
 * </ol>
 *
 * <p>{@code --latency-matrix} runs none of these but the latency matrix instead ({@link LatencyMatrix}).
 *
 * <p>Progress goes to the {@code log} stream; the tables and ratio lines to {@code out}.
 */
public final class Bench {

    static final String INPUT = "bench-transactions";
    static final String MODELS = "bench-model-specs";
    static final String DEAD_LETTERS = "bench-dead-letters";
    /** Largest ONNX file published inline; bigger ones go by {@code file:} URI. */
    static final int INLINE_LIMIT_BYTES = 512 * 1024;

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final BenchOptions options;
    private final PrintStream out;
    private final PrintStream log;
    private final ResourceMeter meter = new ResourceMeter();
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    /** The warm-up passes of this run, for the results JSON: pass, runs, seconds, JIT share. */
    private final List<Map<String, Object>> warmupPasses = new ArrayList<>();

    /**
     * A warm-up pass during which (and while its compile queue drained) the JIT compilers worked less
     * than this share of one core ends the warm-up: the code the modes run is compiled. One JVM holds
     * the broker, the harness and the application, so there is much to compile; on two cores a
     * compiler still at work takes a third of the machine from a measured window.
     */
    static final double JIT_QUIET_SHARE = 0.10;
    /** How long a pass's compile queue may take to drain before the next pass or the first measurement. */
    private static final Duration JIT_DRAIN_LIMIT = Duration.ofSeconds(30);

    /** Where a finished run put its results; {@code chart} is null for the latency matrix, which draws none. */
    public record Outcome(Path json, Path chart, String table, List<String> ratioLines) {
    }

    public Bench(BenchOptions options, PrintStream out, PrintStream log) {
        this.options = options;
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(BenchOptions.usage());
            return;
        }
        if (args.length == 2 && args[0].equals("--chart-from")) {
            // Redraws the chart of a finished run from its JSON, next to it (same name, .png).
            try {
                final Path json = Path.of(args[1]);
                final String name = json.getFileName().toString().replaceFirst("\\.json$", "");
                final Path png = json.resolveSibling(name + ".png");
                LatencyChart.write(LatencyChart.readPoints(json), "scorestream bench " + name + " ("
                        + Runtime.getRuntime().availableProcessors() + " cores)", png);
                System.out.println("chart   " + png);
            } catch (IOException | RuntimeException e) {
                System.err.println("bench: cannot redraw the chart of " + args[1] + ": " + e);
                System.exit(1);
            }
            return;
        }
        final BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new Bench(options, System.out, System.err).run();
            System.exit(0);
        } catch (Exception e) {
            System.err.println("bench: failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    /** Runs everything the options ask for and writes the results. */
    public Outcome run() throws Exception {
        final Instant started = Instant.now();
        final String stamp = STAMP.format(started);
        final Machine machine = Machine.describe();
        log.printf(Locale.ROOT, "bench: %s%n", machine.oneLine());
        if (options.latencyMatrix()) {
            return runMatrix(started, stamp, machine);
        }
        log.printf(Locale.ROOT, "bench: %,d events, %d partitions, %d repetition(s), models %s, modes %s%n",
                options.events(), options.partitions(), options.repetitions(), labels(options.models()),
                options.modes());

        final List<BenchModel> models = new ArrayList<>();
        for (BenchModel.Kind kind : options.models()) {
            models.add(BenchModel.of(kind, options.seed(), options.wideWidth()));
        }
        final List<Samples.Cell> cells = new ArrayList<>();
        final List<Samples.Latency> latencies = new ArrayList<>();
        double preloadSeconds = 0;
        Samples.Sink sink = null;
        Samples.Features features = null;

        Path artifacts = null;
        try (EmbeddedKafka kafka = EmbeddedKafka.startDefault()) {
            kafka.createTopic(DEAD_LETTERS, 1, Map.of());
            kafka.createCompactedTopic(MODELS, 1);
            artifacts = Files.createTempDirectory("scorestream-bench-models");
            publishModels(kafka, models, artifacts);

            final boolean anyKafkaMode = options.modes().stream().anyMatch(Mode::scoresTransactions);
            if (anyKafkaMode) {
                final List<String> loaded = new ArrayList<>();
                for (BenchModel model : models) {
                    final String topic = model.inputTopic();
                    if (loaded.contains(topic)) {
                        continue;
                    }
                    loaded.add(topic);
                    kafka.createTopic(topic, options.partitions(), Map.of());
                    final long t0 = System.nanoTime();
                    if (model.wide()) {
                        Preloader.preloadWide(kafka.bootstrapServers(), schemas, topic, options.events(),
                                model.width(), options.seed());
                    } else {
                        Preloader.preload(kafka.bootstrapServers(), schemas, topic, options.events(), options.seed());
                    }
                    final double s = (System.nanoTime() - t0) / 1e9;
                    preloadSeconds += s;
                    log.printf(Locale.ROOT, "bench: pre-loaded %,d events into %s in %.1f s%n", options.events(),
                            topic, s);
                }
            }
            final long warmup = Math.min(options.warmupEvents(), options.events());
            if (anyKafkaMode && warmup > 0) {
                warmUp(kafka, models, warmup);
            }
            for (BenchModel model : models) {
                cells.addAll(throughput(kafka, model));
            }
            for (BenchModel model : models) {
                latencies.addAll(latency(kafka, model, cells));
            }
            if (options.modes().contains(Mode.SINK)) {
                sink = sink(kafka);
            }
            if (options.modes().contains(Mode.FEATURES)) {
                features = features(kafka);
            }
        } finally {
            deleteTree(artifacts);
        }

        final String table = Report.throughputTable(cells);
        final String latencyTable = latencies.isEmpty() ? "" : Report.latencyTable(latencies);
        final List<String> modelNames = labels(options.models());
        final List<String> ratios = new ArrayList<>(cells.isEmpty() ? List.of() : Report.ratioLines(cells, modelNames));
        if (sink != null) {
            ratios.add(Report.sinkRatioLine(sink));
        }
        if (features != null) {
            ratios.add(Report.featuresRatioLine(features));
        }
        final List<String> latencyTargets = Report.latencyTargetLines(latencies, modelNames);

        Files.createDirectories(options.out());
        final Path json = options.out().resolve(stamp + ".json");
        final Path chart = options.out().resolve(stamp + ".png");
        LatencyChart.write(latencies, "scorestream bench " + stamp + " (" + machine.cores() + " cores)", chart);
        final double totalSeconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        writeJson(json, stamp, machine, preloadSeconds, totalSeconds, cells, latencies, ratios, latencyTargets, sink,
                features);

        if (!cells.isEmpty()) {
            out.println();
            out.printf(Locale.ROOT, "## Throughput (%,d events, %d partitions, median of %d)%n%n", options.events(),
                    options.partitions(), options.repetitions());
            out.print(table);
            out.printf(Locale.ROOT, "%nScorer and process − broker − harness: %s.%n", Report.THREAD_METHOD);
            final String stages = Report.stageTable(cells);
            if (!stages.isEmpty()) {
                out.printf(Locale.ROOT, "%n## Scoring-thread CPU by stage (CPU-µs per event, median of %d)%n%n",
                        options.repetitions());
                out.print(stages);
            }
            final String allocation = Report.allocationTable(cells);
            if (!allocation.isEmpty()) {
                out.printf(Locale.ROOT, "%n## Scoring-thread allocation by site (B per event, JFR samples of all %d "
                        + "repetition(s))%n%n", options.repetitions());
                out.print(allocation);
            }
        }
        if (sink != null) {
            out.printf(Locale.ROOT, "%n## Sink into PostgreSQL (%,d scores, %d partitions, median of %d; %s)%n%n",
                    sink.rows(), sink.partitions(), sink.connector().size(), machine.oneLine());
            out.print(Report.sinkTable(sink));
        }
        if (features != null) {
            out.printf(Locale.ROOT, "%n## Behavioural features (%,d events, %,d accounts, %s days of event time, "
                            + "%d partitions, median of %d; %s)%n%n", features.events(), features.keys(),
                    new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT))
                            .format(features.days()), features.partitions(), features.plain().size(),
                    machine.oneLine());
            out.print(Report.featuresTable(features));
        }
        if (!latencyTable.isEmpty()) {
            out.printf(Locale.ROOT, "%n## End-to-end latency (%.0f s per load, read_committed consumer)%n%n",
                    options.latencySeconds());
            out.print(latencyTable);
            out.println();
            for (String line : latencyTargets) {
                out.println(line);
            }
        }
        out.println();
        out.printf(Locale.ROOT, "results %s%nchart   %s%ntook    %.0f s%n", json, chart, totalSeconds);
        out.println();
        for (String line : ratios) {
            out.println(line);
        }
        out.flush();
        return new Outcome(json, chart, table, ratios);
    }

    /**
     * Publishes the models' specs. A model too big to travel inline in a record of the broker's
     * default size limit (the wide model at W = 4096 is 2 MB) is written to {@code artifacts} and
     * published with a {@code file:} URI instead, as large models are in production.
     */
    private void publishModels(EmbeddedKafka kafka, List<BenchModel> models, Path artifacts)
            throws ExecutionException, InterruptedException, IOException {
        try (KafkaProducer<String, ModelSpec> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
                ConfluentAvroSerializer.specific(schemas, ModelSpec.class, false))) {
            for (BenchModel m : models) {
                ModelSpec spec = m.spec();
                if (m.onnx().length > INLINE_LIMIT_BYTES) {
                    final Path file = artifacts.resolve(m.name() + ".onnx");
                    Files.write(file, m.onnx());
                    spec = ModelSpec.newBuilder(spec).setArtifactBytes(null)
                            .setArtifactUri(file.toUri().toString()).build();
                }
                producer.send(new ProducerRecord<>(MODELS, m.name(), spec)).get();
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary file is harmless.
        }
    }

    /**
     * Not measured: runs every model's every Kafka mode of this run on {@code events} events, pass
     * after pass, until the JIT compilers are quiet ({@link #JIT_QUIET_SHARE}) or
     * {@code --warmup-passes} passes are done, so that the measured windows run compiled code instead
     * of sharing the cores with the compilers. After each pass, waits for the compile queue to drain.
     */
    private void warmUp(EmbeddedKafka kafka, List<BenchModel> models, long events) throws Exception {
        final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        for (int pass = 1; pass <= options.warmupPasses(); pass++) {
            final long t0 = System.nanoTime();
            final long compiled0 = jit.getTotalCompilationTime();
            int runs = 0;
            for (BenchModel model : models) {
                for (Mode mode : options.modes()) {
                    if (mode == Mode.RAW_COPY) {
                        rawCopy(kafka, model, -pass, events);
                    } else if (mode.scoresTransactions()) {
                        kafkaMode(kafka, model, mode, 0, events, options.guarantee(), options.commitIntervalMs(),
                                options.streamsOverrides(), "-pass" + pass);
                    } else {
                        continue;
                    }
                    runs++;
                }
            }
            final double seconds = (System.nanoTime() - t0) / 1e9;
            final double drained = awaitJitQuiet(jit);
            final double share = (jit.getTotalCompilationTime() - compiled0) / 1e3 / seconds;
            log.printf(Locale.ROOT, "bench: warm-up pass %d: %d runs of %,d events in %.1f s (not measured); the JIT "
                    + "compiled %.2f of a core (queue drained in %.1f s)%n", pass, runs, events, seconds, share, drained);
            final Map<String, Object> p = new LinkedHashMap<>();
            p.put("pass", pass);
            p.put("runs", runs);
            p.put("seconds", seconds);
            p.put("jitCoreShare", share);
            warmupPasses.add(p);
            if (share < JIT_QUIET_SHARE) {
                break;
            }
        }
    }

    /** Waits until the JIT has compiled nothing for a second (at most {@link #JIT_DRAIN_LIMIT}); seconds waited. */
    private static double awaitJitQuiet(CompilationMXBean jit) throws InterruptedException {
        final long start = System.nanoTime();
        final long deadline = start + JIT_DRAIN_LIMIT.toNanos();
        long last = jit.getTotalCompilationTime();
        long quietSince = start;
        while (System.nanoTime() < deadline) {
            Thread.sleep(200);
            final long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= 1_000_000_000L) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    // ---- throughput ------------------------------------------------------------------------

    private List<Samples.Cell> throughput(EmbeddedKafka kafka, BenchModel model) throws Exception {
        final Map<String, List<Samples.Throughput>> reps = new LinkedHashMap<>();
        final Map<String, Mode> modeOf = new LinkedHashMap<>();
        final Map<String, Integer> batchOf = new LinkedHashMap<>();
        ModelOnlyRunner modelOnly = null;
        try {
            for (int rep = 1; rep <= options.repetitions(); rep++) {
                for (Mode mode : options.modes()) {
                    if (mode == Mode.SINK || mode == Mode.FEATURES) {
                        continue; // run once, after the models' modes
                    }
                    if (mode == Mode.RAW_COPY) {
                        final Samples.Throughput t = rawCopy(kafka, model, rep, options.events());
                        reps.computeIfAbsent(mode.label(), k -> new ArrayList<>()).add(t);
                        modeOf.put(mode.label(), mode);
                        batchOf.put(mode.label(), 0);
                        progress(model, mode.label(), rep, t);
                    } else if (mode == Mode.MODEL_ONLY) {
                        if (modelOnly == null) {
                            modelOnly = new ModelOnlyRunner(model, schemas, options.device(), options.seed(), meter);
                        }
                        for (int batch : Mode.MODEL_ONLY_BATCHES) {
                            final Samples.Throughput t = modelOnly.measure(batch, options.modelOnlySeconds());
                            final String key = mode.label() + "@" + batch;
                            reps.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
                            modeOf.put(key, mode);
                            batchOf.put(key, batch);
                            progress(model, "model-only b=" + batch, rep, t);
                        }
                    } else {
                        final Samples.Throughput t = kafkaMode(kafka, model, mode, rep, options.events());
                        reps.computeIfAbsent(mode.label(), k -> new ArrayList<>()).add(t);
                        modeOf.put(mode.label(), mode);
                        batchOf.put(mode.label(), 0);
                        progress(model, mode.label(), rep, t);
                    }
                }
            }
        } finally {
            if (modelOnly != null) {
                modelOnly.close();
            }
        }
        final List<Samples.Cell> cells = new ArrayList<>();
        for (Map.Entry<String, List<Samples.Throughput>> e : reps.entrySet()) {
            cells.add(new Samples.Cell(model.name(), modeOf.get(e.getKey()), batchOf.get(e.getKey()), e.getValue()));
        }
        return cells;
    }

    private void progress(BenchModel model, String mode, int rep, Samples.Throughput t) {
        log.printf(Locale.ROOT, "bench: %-5s %-18s rep %d: %,10.0f rec/s  %6.2f CPU-µs/event%s  %,8.0f B/event%s  "
                        + "others %3.0f%%%s%s%s%n", model.name(), mode, rep, t.recordsPerSecond(),
                t.cpuMicrosPerEvent(), t.threads() == null ? "" : String.format(Locale.ROOT,
                        " (scorer %.2f, minus broker and harness %.2f)", t.scorerCpuMicrosPerEvent(),
                        t.processMinusBrokerAndHarnessMicrosPerEvent()),
                t.allocatedBytesPerRecord(), t.allocation() == null ? "" : String.format(Locale.ROOT,
                        " (%,.0f without the consumer's fetch)", t.allocation().excludingConsumerScaledPerEvent()),
                100 * t.otherProcessesCpuShare(),
                t.threads() == null ? "" : String.format(Locale.ROOT, "  JIT %.2f of a core",
                        t.threads().nanosByCategory().getOrDefault(ThreadCpu.JIT, 0L) / 1e9 / t.seconds()),
                t.batches() == null ? "" : "  batches " + t.batches().describe(),
                t.stages() == null ? "" : "  stages " + Report.describeStages(t.stages()));
    }

    /**
     * One Kafka mode, one repetition: a new application scores the input topic from the beginning
     * until {@code n} scores have arrived (the whole topic, except for the warm-up, repetition 0).
     */
    private Samples.Throughput kafkaMode(EmbeddedKafka kafka, BenchModel model, Mode mode, int rep, long n)
            throws Exception {
        return kafkaMode(kafka, model, mode, rep, n, options.guarantee(), options.commitIntervalMs(),
                options.streamsOverrides(), "");
    }

    /**
     * {@link #kafkaMode(EmbeddedKafka, BenchModel, Mode, int, long)} with the Streams settings given
     * ({@code commitIntervalMs} may be {@link BenchApp#APP_DEFAULT_COMMIT_INTERVAL}); {@code tag} keeps
     * the application ids of different settings apart (a reused id would resume from its offsets).
     */
    private Samples.Throughput kafkaMode(EmbeddedKafka kafka, BenchModel model, Mode mode, int rep, long n,
                                         String guarantee, long commitIntervalMs, Map<String, String> overrides,
                                         String tag) throws Exception {
        final String appId = "bench-" + model.name() + "-" + mode.label() + tag + (rep == 0 ? "-warmup" : "-r" + rep);
        final String output = appId + "-scores";
        kafka.createTopic(output, options.partitions(), Map.of());
        final BenchApp.Spec spec = new BenchApp.Spec(kafka.bootstrapServers(), appId, model.inputTopic(), output,
                DEAD_LETTERS, MODELS, model.name(), mode.batchMaxRecords(), mode.batchMaxWaitMs(), mode.passthrough(),
                guarantee, commitIntervalMs, options.device(), overrides, model.eventIdField(), model.eventSchema());
        try (ScoreReader reader = new ScoreReader(kafka.bootstrapServers(), output, n, null)) {
            // Every thread alive now is the broker's, the harness's or the JVM's: the application has not started.
            final ThreadCpu.Census baseline = ThreadCpu.census();
            try (BenchApp app = BenchApp.start(spec, schemas, mode == Mode.STREAMS_COPY);
                 StageProfiler profiler = new StageProfiler()) {
                final long t0 = app.awaitReady(Duration.ofSeconds(120));
                final long[] threads = app.streamThreadIds();
                profiler.start();
                meter.start();
                final ThreadCpu.Census first = ThreadCpu.census();
                meter.watchThreads(threads);
                final long onnx0 = app.batchCounter().inferenceNanos();
                final long t1 = reader.awaitTarget(Duration.ofSeconds(120), app::checkHealthy);
                final ThreadCpu.Census last = ThreadCpu.census();
                final ResourceMeter.Usage usage = meter.stop();
                final long onnx = app.batchCounter().inferenceNanos() - onnx0;
                final StageProfiler.Profile profile = profiler.stop(threads, usage.threadCpuNanos(),
                        usage.threadAllocatedBytes(), onnx, n);
                final Samples.Threads split = ThreadCpu.split(baseline, first, last, List.of(appId),
                        usage.processCpuNanos(), n);
                listThreads(appId, last);
                final double seconds = (t1 - t0) / 1e9;
                return new Samples.Throughput(n, seconds, n / seconds, usage.processCpuNanos() / 1e9 / n * 1e6,
                        usage.threadCpuNanos() / 1e9 / n * 1e6, (double) usage.threadAllocatedBytes() / n,
                        usage.peakHeapBytes(), usage.peakRssBytes(), usage.otherProcessesCpuShare(),
                        app.batchSizes(), profile.stages(), split, profile.allocation());
            }
        } finally {
            deleteTopics(kafka, output, appId + "-scoring-buffer-changelog");
        }
    }

    /**
     * With {@code -Dscorestream.bench.list-threads=true}, logs every thread of a census with its
     * category: to check {@link ThreadCpu}'s classification against the names of a real run.
     */
    private void listThreads(String label, ThreadCpu.Census census) {
        if (Boolean.getBoolean("scorestream.bench.list-threads")) {
            for (String name : ThreadCpu.names(census)) {
                log.printf(Locale.ROOT, "bench: thread of %s: %s%n", label, name);
            }
        }
    }

    /**
     * The raw-copy ceiling, one repetition: {@link RawCopy} copies the model's input topic to a new
     * topic of as many partitions; throughput = {@code n} / (copier started to the last copy arriving
     * at a {@code read_committed} consumer), as for the Kafka modes.
     */
    private Samples.Throughput rawCopy(EmbeddedKafka kafka, BenchModel model, int rep, long n) throws Exception {
        final String output = "bench-" + model.name() + "-raw-copy-r" + rep;
        kafka.createTopic(output, options.partitions(), Map.of());
        try (ScoreReader reader = new ScoreReader(kafka.bootstrapServers(), output, n, null);
             StageProfiler profiler = new StageProfiler()) {
            // Every thread alive now is the broker's, the harness's or the JVM's: the copier has not started.
            final ThreadCpu.Census baseline = ThreadCpu.census();
            profiler.start();
            meter.start();
            final ThreadCpu.Census first = ThreadCpu.census();
            final long t0 = System.nanoTime();
            try (RawCopy copy = RawCopy.start(kafka.bootstrapServers(), model.inputTopic(), output, n)) {
                final long[] threads = {copy.threadId()};
                meter.watchThreads(threads);
                final long t1 = reader.awaitTarget(Duration.ofSeconds(120), copy::checkHealthy);
                final ThreadCpu.Census last = ThreadCpu.census();
                final ResourceMeter.Usage usage = meter.stop();
                final StageProfiler.Profile profile = profiler.stop(threads, usage.threadCpuNanos(),
                        usage.threadAllocatedBytes(), 0, n);
                // The copier's threads: its copy thread and its producer's network thread (client id
                // bench-raw-copy-out-<output>); the reader's thread is the harness's.
                final Samples.Threads split = ThreadCpu.split(baseline, first, last, List.of(RawCopy.THREAD_MARKER),
                        usage.processCpuNanos(), n);
                listThreads(output, last);
                final double seconds = (t1 - t0) / 1e9;
                return new Samples.Throughput(n, seconds, n / seconds, usage.processCpuNanos() / 1e9 / n * 1e6,
                        usage.threadCpuNanos() / 1e9 / n * 1e6, (double) usage.threadAllocatedBytes() / n,
                        usage.peakHeapBytes(), usage.peakRssBytes(), usage.otherProcessesCpuShare(), null,
                        profile.stages(), split, profile.allocation());
            }
        } finally {
            deleteTopics(kafka, output);
        }
    }

    private static void deleteTopics(EmbeddedKafka kafka, String... topics) {
        try {
            kafka.admin().deleteTopics(List.of(topics)).all().get();
        } catch (ExecutionException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // A topic left behind only costs disk space in the temporary broker directory.
        }
    }

    // ---- sink ------------------------------------------------------------------------------

    /** The sink mode: its own PostgreSQL, registry server and Connect worker, on this broker. */
    private Samples.Sink sink(EmbeddedKafka kafka) throws Exception {
        final long t0 = System.nanoTime();
        try (SinkRunner runner = SinkRunner.start(kafka, options.sink(), options.partitions(), schemas, meter, log,
                options.seed())) {
            final Samples.Sink result = runner.run(options.repetitions());
            log.printf(Locale.ROOT, "bench: sink mode took %.1f s; %s%n", (System.nanoTime() - t0) / 1e9,
                    Report.sinkRatioLine(result));
            return result;
        }
    }

    // ---- features --------------------------------------------------------------------------

    /** The features mode: its own topic and models, both sides back to back in each repetition. */
    private Samples.Features features(EmbeddedKafka kafka) throws Exception {
        final long t0 = System.nanoTime();
        final Samples.Features result = FeaturesRunner.prepare(kafka, options, schemas, meter, log)
                .run(options.repetitions());
        log.printf(Locale.ROOT, "bench: features mode took %.1f s; %s%n", (System.nanoTime() - t0) / 1e9,
                Report.featuresRatioLine(result));
        return result;
    }

    // ---- latency ---------------------------------------------------------------------------

    private List<Samples.Latency> latency(EmbeddedKafka kafka, BenchModel model, List<Samples.Cell> cells)
            throws Exception {
        if (options.latencyConfigs().isEmpty()) {
            return List.of();
        }
        if (model.wide()) {
            log.printf(Locale.ROOT, "bench: no latency run for %s: the latency run feeds transactions%n",
                    model.name());
            return List.of();
        }
        final double full = Report.bestMicroBatched(cells, model.name()).map(Samples.Cell::medianRate)
                .orElse((double) options.latencyMaxRate());
        final List<Integer> loads = full > 0 ? options.latencyLoads() : List.of();
        if (full <= 0 && !options.latencyLoads().isEmpty()) {
            log.printf(Locale.ROOT, "bench: no latency loads for %s: no micro-batched throughput was measured and "
                    + "--latency-max-rate is not set%s%n", model.name(),
                    options.latencyRates().isEmpty() ? "" : "; only the --latency-rates");
        }
        if (loads.isEmpty() && options.latencyRates().isEmpty()) {
            return List.of();
        }
        // Loads first (percent of the best throughput), then the absolute rates; load 0 marks an absolute rate.
        final double[] rates = new double[loads.size() + options.latencyRates().size()];
        final int[] percents = new int[rates.length];
        for (int i = 0; i < loads.size(); i++) {
            rates[i] = Math.max(1, Math.round(full * loads.get(i) / 100.0));
            percents[i] = loads.get(i);
        }
        for (int i = 0; i < options.latencyRates().size(); i++) {
            rates[loads.size() + i] = options.latencyRates().get(i);
        }
        final List<Samples.Latency> points = new ArrayList<>();
        for (LatencyConfig config : options.latencyConfigs()) {
            final String appId = "bench-latency-" + model.name() + "-" + config.label();
            final String input = appId + "-transactions";
            final String output = appId + "-scores";
            kafka.createTopic(input, options.partitions(), Map.of());
            kafka.createTopic(output, options.partitions(), Map.of());
            final Preloader.Pool pool = Preloader.pool(schemas, input, 50_000, options.seed() + 1);
            final BenchApp.Spec spec = new BenchApp.Spec(kafka.bootstrapServers(), appId, input, output,
                    DEAD_LETTERS, MODELS, model.name(), config.batchMaxRecords(), config.batchMaxWaitMs(), false,
                    options.guarantee(), options.commitIntervalMs(), options.device(), options.streamsOverrides());
            try (BenchApp app = BenchApp.start(spec, schemas)) {
                app.awaitReady(Duration.ofSeconds(120));
                final List<LatencyRunner.Phase> phases = new LatencyRunner(kafka.bootstrapServers(), input, pool)
                        .run(app, app.batchCounter(), rates, options.latencySeconds(),
                                options.latencyWarmupSeconds());
                for (int i = 0; i < phases.size(); i++) {
                    final LatencyRunner.Phase p = phases.get(i);
                    final long[] s = p.sortedLatencies();
                    final Samples.Latency l = point(model.name(), config, percents[i], phases.get(i));
                    points.add(l);
                    log.printf(Locale.ROOT, "bench: %-5s latency %-10s %3d%% %,8.0f rec/s: p50 %.0f p95 %.0f p99 %.0f "
                                    + "p99.9 %.0f ms  batches %s%n", model.name(), config.label(), l.loadPercent(),
                            l.achievedRate(), l.p50(), l.p95(), l.p99(), l.p999(),
                            l.batches() == null ? "–" : l.batches().describe());
                }
            } finally {
                deleteTopics(kafka, input, output, appId + "-scoring-buffer-changelog");
            }
        }
        return points;
    }

    /** A latency point from one phase: its quantiles, labelled. */
    private static Samples.Latency point(String model, LatencyConfig config, int loadPercent, LatencyRunner.Phase p) {
        final long[] s = p.sortedLatencies();
        return new Samples.Latency(model, config, loadPercent, p.targetRate(), p.achievedRate(), s.length,
                p.produced(), Samples.quantile(s, 0.50), Samples.quantile(s, 0.95), Samples.quantile(s, 0.99),
                Samples.quantile(s, 0.999), s.length == 0 ? Double.NaN : s[s.length - 1], p.batches());
    }

    // ---- latency matrix --------------------------------------------------------------------

    /**
     * {@code --latency-matrix}: on a fresh broker, the demo model's topic pre-loaded with
     * {@code --events} events and an unmeasured JIT warm-up, then for each {@link LatencyMatrix#SETTINGS
     * setting}: its maximum throughput ({@code --repetitions} runs of the matrix's pipeline over the
     * whole topic), then one fresh application of that setting on a fresh topic fed for
     * {@code --latency-warmup-seconds} (not measured), {@code --latency-seconds} at 1,000 events/s and
     * {@code --latency-seconds} at half the setting's maximum.
     */
    private Outcome runMatrix(Instant started, String stamp, Machine machine) throws Exception {
        log.printf(Locale.ROOT, "bench: latency matrix: %,d events, %d partitions, %d repetition(s), %.0f s per latency "
                        + "point; settings %s%n", options.events(), options.partitions(), options.repetitions(),
                options.latencySeconds(), LatencyMatrix.SETTINGS.stream().map(LatencyMatrix.Setting::label).toList());
        final BenchModel model = BenchModel.of(BenchModel.Kind.DEMO, options.seed(), options.wideWidth());
        final List<LatencyMatrix.Row> rows = new ArrayList<>();
        double preloadSeconds;
        Path artifacts = null;
        try (EmbeddedKafka kafka = EmbeddedKafka.startDefault()) {
            kafka.createTopic(DEAD_LETTERS, 1, Map.of());
            kafka.createCompactedTopic(MODELS, 1);
            artifacts = Files.createTempDirectory("scorestream-bench-models");
            publishModels(kafka, List.of(model), artifacts);
            kafka.createTopic(model.inputTopic(), options.partitions(), Map.of());
            final long t0 = System.nanoTime();
            Preloader.preload(kafka.bootstrapServers(), schemas, model.inputTopic(), options.events(), options.seed());
            preloadSeconds = (System.nanoTime() - t0) / 1e9;
            log.printf(Locale.ROOT, "bench: pre-loaded %,d events in %.1f s%n", options.events(), preloadSeconds);
            final long warmup = Math.min(options.warmupEvents(), options.events());
            if (warmup > 0) {
                final LatencyMatrix.Setting first = LatencyMatrix.SETTINGS.get(0);
                kafkaMode(kafka, model, LatencyMatrix.THROUGHPUT_MODE, 0, warmup, first.guarantee(),
                        first.commitIntervalMs(), Map.of(), "");
                log.printf(Locale.ROOT, "bench: JIT warm-up on %,d events (not measured)%n", warmup);
            }
            for (int i = 0; i < LatencyMatrix.SETTINGS.size(); i++) {
                rows.add(matrixRow(kafka, model, LatencyMatrix.SETTINGS.get(i), i));
            }
        } finally {
            deleteTree(artifacts);
        }
        final String table = LatencyMatrix.table(rows);
        final List<String> targets = LatencyMatrix.targetLines(rows);
        Files.createDirectories(options.out());
        final Path json = options.out().resolve(stamp + ".json");
        final double totalSeconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        writeMatrixJson(json, stamp, machine, preloadSeconds, totalSeconds, rows, targets);

        out.println();
        out.printf(Locale.ROOT, "## Latency by guarantee and commit interval (demo model, %s: batch.max.records=%d, "
                        + "batch.max.wait.ms=%d; no kafka.* settings; %d partitions; %s)%n%n",
                LatencyMatrix.PIPELINE.label(), LatencyMatrix.PIPELINE.batchMaxRecords(),
                LatencyMatrix.PIPELINE.batchMaxWaitMs(), options.partitions(), machine.oneLine());
        out.print(table);
        out.println();
        final DecimalFormat seconds = new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT));
        out.printf(Locale.ROOT, "max events/s: median of %d run(s) of %,d events; latency: %s s per point after "
                        + "%s s of warm-up at 1,000 events/s.%n", options.repetitions(), options.events(),
                seconds.format(options.latencySeconds()), seconds.format(options.latencyWarmupSeconds()));
        out.println(LatencyMatrix.METHOD);
        out.println();
        for (String line : targets) {
            out.println(line);
        }
        out.println();
        out.printf(Locale.ROOT, "results %s%ntook    %.0f s%n", json, totalSeconds);
        out.flush();
        return new Outcome(json, null, table, targets);
    }

    private LatencyMatrix.Row matrixRow(EmbeddedKafka kafka, BenchModel model, LatencyMatrix.Setting setting,
                                        int index) throws Exception {
        final String tag = "-m" + index;
        final List<Samples.Throughput> reps = new ArrayList<>();
        for (int rep = 1; rep <= options.repetitions(); rep++) {
            final Samples.Throughput t = kafkaMode(kafka, model, LatencyMatrix.THROUGHPUT_MODE, rep, options.events(),
                    setting.guarantee(), setting.commitIntervalMs(), Map.of(), tag);
            reps.add(t);
            progress(model, setting.label(), rep, t);
        }
        final double max = Samples.Features.median(reps, Samples.Throughput::recordsPerSecond);
        final double[] rates = {LatencyMatrix.LOW_RATE, Math.max(1, Math.round(max * LatencyMatrix.HALF))};
        final LatencyConfig config = LatencyMatrix.PIPELINE;
        final String appId = "bench-latency-matrix" + tag;
        final String input = appId + "-transactions";
        final String output = appId + "-scores";
        kafka.createTopic(input, options.partitions(), Map.of());
        kafka.createTopic(output, options.partitions(), Map.of());
        final Preloader.Pool pool = Preloader.pool(schemas, input, 50_000, options.seed() + 1);
        final BenchApp.Spec spec = new BenchApp.Spec(kafka.bootstrapServers(), appId, input, output, DEAD_LETTERS,
                MODELS, model.name(), config.batchMaxRecords(), config.batchMaxWaitMs(), false, setting.guarantee(),
                setting.commitIntervalMs(), options.device(), Map.of());
        try (BenchApp app = BenchApp.start(spec, schemas)) {
            app.awaitReady(Duration.ofSeconds(120));
            final List<LatencyRunner.Phase> phases = new LatencyRunner(kafka.bootstrapServers(), input, pool)
                    .run(app, app.batchCounter(), rates, options.latencySeconds(), options.latencyWarmupSeconds());
            final Samples.Latency low = point(model.name(), config, 0, phases.get(0));
            final Samples.Latency half = point(model.name(), config, (int) Math.round(100 * LatencyMatrix.HALF),
                    phases.get(1));
            final LatencyMatrix.Row row = new LatencyMatrix.Row(setting, app.effective(), reps, low, half);
            log.printf(Locale.ROOT, "bench: matrix %-30s max %,8.0f/s; at %,d/s p50 %.0f p99 %.0f ms; at %,.0f/s "
                            + "(achieved %,.0f) p50 %.0f p99 %.0f ms; commit.interval.ms %d, linger.ms %d (%s)%n",
                    setting.label(), max, LatencyMatrix.LOW_RATE, low.p50(), low.p99(), half.targetRate(),
                    half.achievedRate(), half.p50(), half.p99(), app.effective().commitIntervalMs(),
                    app.effective().producerLingerMs(), app.effective().producerLingerSource());
            return row;
        } finally {
            deleteTopics(kafka, input, output, appId + "-scoring-buffer-changelog");
        }
    }

    private void writeMatrixJson(Path file, String stamp, Machine machine, double preloadSeconds, double totalSeconds,
                                 List<LatencyMatrix.Row> rows, List<String> targets) throws IOException {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("timestamp", stamp);
        root.put("machine", machine);
        final Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("latencyMatrix", true);
        opts.put("events", options.events());
        opts.put("partitions", options.partitions());
        opts.put("repetitions", options.repetitions());
        opts.put("warmupEvents", options.warmupEvents());
        opts.put("latencySeconds", options.latencySeconds());
        opts.put("latencyWarmupSeconds", options.latencyWarmupSeconds());
        opts.put("device", options.device());
        opts.put("seed", options.seed());
        root.put("options", opts);
        root.put("model", BenchModel.Kind.DEMO.label());
        root.put("pipeline", Map.of("config", LatencyMatrix.PIPELINE.label(),
                "batchMaxRecords", LatencyMatrix.PIPELINE.batchMaxRecords(),
                "batchMaxWaitMs", LatencyMatrix.PIPELINE.batchMaxWaitMs(),
                "throughputMode", LatencyMatrix.THROUGHPUT_MODE.label()));
        root.put("preloadSeconds", preloadSeconds);
        root.put("totalSeconds", totalSeconds);
        root.put("method", LatencyMatrix.METHOD);
        final double base = rows.isEmpty() ? Double.NaN : rows.get(0).maxRate();
        final List<Map<String, Object>> out = new ArrayList<>();
        for (LatencyMatrix.Row r : rows) {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("setting", r.setting().label());
            row.put("guarantee", r.setting().guarantee());
            row.put("commitIntervalMs", r.effective().commitIntervalMs());
            row.put("commitIntervalSource", r.effective().commitIntervalSource());
            row.put("producerLingerMs", r.effective().producerLingerMs());
            row.put("producerLingerSource", r.effective().producerLingerSource());
            row.put("maxRecordsPerSecond", r.maxRate());
            row.put("ratioToAtLeastOnce", r.maxRate() / base);
            row.put("throughput", r.throughput());
            row.put("atLowRate", latencyJson(r.low()));
            row.put("atHalfMax", latencyJson(r.half()));
            out.add(row);
        }
        root.put("latencyMatrix", out);
        root.put("latencyTargets", targets);
        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(file, mapper.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }

    private static Map<String, Object> latencyJson(Samples.Latency l) {
        final Map<String, Object> row = new LinkedHashMap<>();
        row.put("targetRate", l.targetRate());
        row.put("achievedRate", l.achievedRate());
        row.put("count", l.count());
        row.put("produced", l.produced());
        row.put("p50Ms", l.p50());
        row.put("p95Ms", l.p95());
        row.put("p99Ms", l.p99());
        row.put("p999Ms", l.p999());
        row.put("maxMs", l.max());
        row.put("batches", l.batches());
        return row;
    }

    // ---- results ---------------------------------------------------------------------------

    private void writeJson(Path file, String stamp, Machine machine, double preloadSeconds, double totalSeconds,
                           List<Samples.Cell> cells, List<Samples.Latency> latencies, List<String> ratios,
                           List<String> latencyTargets, Samples.Sink sink, Samples.Features features)
            throws IOException {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("timestamp", stamp);
        root.put("machine", machine);
        final Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("events", options.events());
        opts.put("partitions", options.partitions());
        opts.put("repetitions", options.repetitions());
        opts.put("warmupEvents", options.warmupEvents());
        opts.put("warmupPassesAtMost", options.warmupPasses());
        opts.put("models", labels(options.models()));
        opts.put("modes", options.modes().stream().map(Mode::label).toList());
        opts.put("latencyConfigs", options.latencyConfigs().stream().map(LatencyConfig::label).toList());
        opts.put("latencyLoads", options.latencyLoads());
        opts.put("latencyRates", options.latencyRates());
        opts.put("latencySeconds", options.latencySeconds());
        opts.put("latencyWarmupSeconds", options.latencyWarmupSeconds());
        opts.put("modelOnlySeconds", options.modelOnlySeconds());
        opts.put("guarantee", options.guarantee());
        opts.put("commitIntervalMs", options.commitIntervalMs());
        opts.put("device", options.device());
        opts.put("streamsOverrides", options.streamsOverrides());
        opts.put("sink", options.sink());
        opts.put("features", options.features());
        opts.put("wideWidth", options.wideWidth());
        opts.put("seed", options.seed());
        root.put("options", opts);
        root.put("warmupPasses", warmupPasses);
        root.put("preloadSeconds", preloadSeconds);
        root.put("totalSeconds", totalSeconds);
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (Samples.Cell c : cells) {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", c.model());
            row.put("mode", c.mode().label());
            row.put("label", c.label());
            row.put("settings", c.mode().settings());
            row.put("batch", c.batch());
            row.put("recordsPerSecondMedian", c.medianRate());
            row.put("recordsPerSecondMin", c.minRate());
            row.put("recordsPerSecondMax", c.maxRate());
            row.put("cpuMicrosPerEventMedian", c.median(Samples.Throughput::cpuMicrosPerEvent));
            // null where there is no thread split (model-only)
            row.put("scorerCpuMicrosPerEventMedian", orNull(c.median(Samples.Throughput::scorerCpuMicrosPerEvent)));
            row.put("processMinusBrokerAndHarnessCpuMicrosPerEventMedian",
                    orNull(c.median(Samples.Throughput::processMinusBrokerAndHarnessMicrosPerEvent)));
            row.put("cpuMicrosPerEventByThreadsMedian", c.medianThreadCategories());
            row.put("scoringThreadCpuMicrosPerEventMedian", c.median(Samples.Throughput::threadCpuSecondsPerMillion));
            row.put("allocatedBytesPerEventMedian", c.median(Samples.Throughput::allocatedBytesPerRecord));
            row.put("stagesMicrosPerEventMedian", c.medianStages());
            row.put("topMethodsShareOfSamples", c.topMethodShares());
            final Samples.Allocation alloc = c.allocation();
            if (alloc != null) {
                final Map<String, Object> a = new LinkedHashMap<>();
                a.put("measuredBytesPerEvent", alloc.measuredPerEvent());
                a.put("sampledBytesPerEvent", alloc.sampledPerEvent());
                a.put("excludingConsumerFetchBytesPerEvent", alloc.excludingConsumerPerEvent());
                a.put("excludingConsumerFetchScaledBytesPerEvent", orNull(alloc.excludingConsumerScaledPerEvent()));
                a.put("scorestreamOwnExcludingOutputBytesPerEvent", alloc.ownExcludingOutputPerEvent());
                a.put("outputValueBytesPerEvent", alloc.outputPerEvent());
                a.put("samples", alloc.samples());
                final List<Map<String, Object>> sites = new ArrayList<>();
                for (Samples.AllocationSite site : alloc.sites()) {
                    final Map<String, Object> m = new LinkedHashMap<>();
                    m.put("class", site.objectClass());
                    m.put("frame", site.frame());
                    m.put("bytesPerEvent", (double) site.bytes() / Math.max(1, alloc.events()));
                    m.put("consumerFetchBytesPerEvent", (double) site.consumerBytes() / Math.max(1, alloc.events()));
                    m.put("samples", site.samples());
                    sites.add(m);
                }
                a.put("sites", sites);
                row.put("allocationAllRepetitions", a);
            }
            row.put("repetitions", c.reps());
            rows.add(row);
        }
        root.put("throughput", rows);
        final List<Map<String, Object>> lat = new ArrayList<>();
        for (Samples.Latency l : latencies) {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", l.model());
            row.put("config", l.config().label());
            row.put("batchMaxRecords", l.config().batchMaxRecords());
            row.put("batchMaxWaitMs", l.config().batchMaxWaitMs());
            row.put("loadPercent", l.loadPercent());
            row.put("targetRate", l.targetRate());
            row.put("achievedRate", l.achievedRate());
            row.put("count", l.count());
            row.put("produced", l.produced());
            row.put("p50Ms", l.p50());
            row.put("p95Ms", l.p95());
            row.put("p99Ms", l.p99());
            row.put("p999Ms", l.p999());
            row.put("maxMs", l.max());
            row.put("batches", l.batches());
            lat.add(row);
        }
        root.put("latency", lat);
        root.put("latencyTargets", latencyTargets);
        if (sink != null) {
            final Map<String, Object> s = new LinkedHashMap<>();
            s.put("rows", sink.rows());
            s.put("partitions", sink.partitions());
            s.put("tasks", sink.tasks());
            s.put("batchSize", sink.batchSize());
            s.put("connectorConfig", sink.connectorConfig());
            s.put("workerOverrides", sink.workerOverrides());
            s.put("ceilingRowsPerSecondMedian", Samples.Sink.median(sink.ceiling(), Samples.SinkSide::rowsPerSecond));
            s.put("connectorRowsPerSecondMedian",
                    Samples.Sink.median(sink.connector(), Samples.SinkSide::rowsPerSecond));
            s.put("ratio", sink.ratio());
            s.put("target", Report.TARGET_SINK_VS_CEILING);
            s.put("ceiling", sink.ceiling());
            s.put("connector", sink.connector());
            root.put("sink", s);
        }
        if (features != null) {
            final Map<String, Object> f = new LinkedHashMap<>();
            f.put("events", features.events());
            f.put("keys", features.keys());
            f.put("days", features.days());
            f.put("partitions", features.partitions());
            f.put("aggregates", features.aggregates());
            f.put("plainRecordsPerSecondMedian",
                    Samples.Features.median(features.plain(), Samples.Throughput::recordsPerSecond));
            f.put("aggregatesRecordsPerSecondMedian",
                    Samples.Features.median(features.withAggregates(), Samples.Throughput::recordsPerSecond));
            f.put("ratio", features.ratio());
            f.put("pairedRatios", features.pairedRatios());
            f.put("target", Report.TARGET_FEATURES_VS_PLAIN);
            f.put("plain", features.plain());
            f.put("withAggregates", features.withAggregates());
            f.put("stores", features.stores());
            root.put("features", f);
        }
        root.put("stageMethod", "scoring thread CPU (ThreadMXBean) split by stage: ONNX Runtime = time measured around "
                + "its calls by the scoring processor; the rest in proportion to jdk.ExecutionSample (10 ms) samples "
                + "of the scoring thread, each in the bucket of its first stack frame, top down, matching a prefix "
                + "below; no match: other");
        root.put("stageBuckets", StageProfiler.BUCKETS);
        root.put("threadMethod", Report.THREAD_METHOD);
        root.put("allocationMethod", Report.ALLOCATION_METHOD);
        root.put("ratios", ratios);
        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(file, mapper.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }

    /** The value, or null for NaN (a figure that does not apply). */
    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static List<String> labels(List<BenchModel.Kind> kinds) {
        return kinds.stream().map(BenchModel.Kind::label).toList();
    }
}
