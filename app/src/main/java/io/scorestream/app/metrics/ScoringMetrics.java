package io.scorestream.app.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.scorestream.inference.registry.RegistryListener;

/**
 * The meters of scoring: batch sizes, inference time, end-to-end latency, records by outcome, the
 * live model versions and model loads.
 *
 * <table>
 *   <caption>Meters (dotted names; Prometheus shows {@code scorestream_batch_size_records} etc.)</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #BATCH_SIZE}</td><td>distribution summary, records</td><td>model</td></tr>
 *   <tr><td>{@value #INFERENCE_TIME}</td><td>timer, per batch</td><td>model, version</td></tr>
 *   <tr><td>{@value #E2E_LATENCY}</td><td>timer, per record: record timestamp to scored</td><td></td></tr>
 *   <tr><td>{@value #RECORDS}</td><td>counter, records</td>
 *       <td>outcome (scored|dead_lettered), model, version, reason</td></tr>
 *   <tr><td>{@value #MODEL_LIVE_INFO}</td><td>gauge, always 1, one per live version</td>
 *       <td>model, version, device</td></tr>
 *   <tr><td>{@value #MODEL_LIVE_SINCE}</td><td>gauge, epoch seconds the version went live</td>
 *       <td>model, version</td></tr>
 *   <tr><td>{@value #MODEL_LOADS}</td><td>counter</td><td>model, result (loaded|refused), reason</td></tr>
 *   <tr><td>{@value #MODEL_LOAD_TIME}</td><td>timer, successful loads</td><td>model</td></tr>
 *   <tr><td>{@value #DECODE_FALLBACK}</td><td>counter, records whose features were read from the
 *       decoded record instead of straight from their bytes</td><td>model, reason</td></tr>
 * </table>
 * Every meter also carries the common tags given to the constructor. Tags that do not apply are
 * {@value #NONE} (Prometheus wants one set of tag keys per name).
 *
 * <p>As a {@link RegistryListener}, hand it to the {@code ModelRegistry}: loads, refusals, swaps and
 * retirements then update the model meters without further wiring.
 *
 * <h2>Lifecycle</h2>
 * Construct, then {@link #bindTo(MeterRegistry)} exactly once (bind a
 * {@link io.micrometer.core.instrument.composite.CompositeMeterRegistry} to publish to several);
 * recording before binding throws {@link IllegalStateException}. With metrics switched off, use
 * {@link #disabled()}. Nothing to close: the registry owns the meters.
 *
 * <h2>Threading and cost</h2>
 * Every method is thread-safe. The per-batch methods ({@link #recordBatch}, {@link #recordScored})
 * look their meters up in a two-level map keyed by model and version, with no allocation once the
 * pair has been seen; {@link #recordLatencyMillis(long)} records into one cached timer and is cheap
 * enough to call per record. Model lifecycle methods are rare and serialised.
 *
 * <h2>Percentiles</h2>
 * The batch size, inference time and end-to-end latency publish histograms, so Prometheus computes
 * any percentile, aggregated across instances:
 * {@code histogram_quantile(0.99, sum by (le) (rate(scorestream_e2e_latency_seconds_bucket[1m])))}.
 * The batch size also computes client-side p50/p99 (once per batch, cheap); registries other than
 * Prometheus show them, Prometheus drops client-side percentiles of a meter that has a histogram.
 *
 * <h2>Cardinality</h2>
 * {@code reason} must come from a small fixed set of codes ({@code deserialization},
 * {@code features}, {@code inference}, {@code no_model}, ...), never a message. Per-version meters
 * stay registered after the version is retired; only the live gauges are removed.
 */
public final class ScoringMetrics implements MeterBinder, RegistryListener {

    public static final String BATCH_SIZE = "scorestream.batch.size";
    public static final String INFERENCE_TIME = "scorestream.inference.time";
    public static final String E2E_LATENCY = "scorestream.e2e.latency";
    public static final String RECORDS = "scorestream.records";
    public static final String MODEL_LIVE_INFO = "scorestream.model.live.info";
    public static final String MODEL_LIVE_SINCE = "scorestream.model.live.since";
    public static final String MODEL_LOADS = "scorestream.model.loads";
    public static final String MODEL_LOAD_TIME = "scorestream.model.load.time";
    public static final String FEATURES_LATE = "scorestream.features.late";
    public static final String FEATURES_HISTORY = "scorestream.features.history";
    public static final String DECODE_FALLBACK = "scorestream.decode.fallback";

    /** The value of a tag that does not apply, or of a model or version that is not known. */
    public static final String NONE = "none";
    public static final String OUTCOME_SCORED = "scored";
    public static final String OUTCOME_DEAD_LETTERED = "dead_lettered";
    public static final String RESULT_LOADED = "loaded";
    public static final String RESULT_REFUSED = "refused";
    /** The {@code device} tag of a live version whose load was not reported with a device. */
    public static final String UNKNOWN_DEVICE = "unknown";

    /** Records per batch worth a bucket: how full batches are against {@code batch.max.records}. */
    private static final double[] BATCH_SIZE_BUCKETS =
            {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536};

    private final Tags commonTags;

    private volatile MeterRegistry registry;
    private volatile Timer e2eLatency;

    /** model → its meters; a model's entry holds its versions' meters. */
    private final ConcurrentMap<String, ModelMeters> models = new ConcurrentHashMap<>();
    /** reason → model → version → counter. */
    private final ConcurrentMap<String, ConcurrentMap<String, Counter>> lateFeatures = new ConcurrentHashMap<>();
    /** model → reason → counter. */
    private final ConcurrentMap<String, ConcurrentMap<String, Counter>> decodeFallbacks = new ConcurrentHashMap<>();
    /** By model NUL aggregate, by task: {window ms, history ms}. */
    private final ConcurrentMap<String, ConcurrentMap<String, long[]>> featureHistory = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, ConcurrentMap<String, ConcurrentMap<String, Counter>>> deadLetters =
            new ConcurrentHashMap<>();
    /** model → its live version's gauges; changed only under {@code this}. */
    private final Map<String, LiveGauges> live = new ConcurrentHashMap<>();
    /** "model\0version" → the device the version was loaded on. */
    private final Map<String, String> devices = new ConcurrentHashMap<>();

    /** @param commonTags tags added to every meter (for example {@code application}); not null */
    public ScoringMetrics(final Iterable<Tag> commonTags) {
        this.commonTags = Tags.of(Objects.requireNonNull(commonTags, "commonTags"));
    }

    /** Metrics that record into nothing, for when {@code metrics.enabled=false}. */
    public static ScoringMetrics disabled() {
        final ScoringMetrics metrics = new ScoringMetrics(Tags.empty());
        metrics.bindTo(new CompositeMeterRegistry());
        return metrics;
    }

    /**
     * Registers the meters that exist from the start (the end-to-end latency timer); the others
     * appear with the first model, version or reason they count.
     *
     * @throws IllegalStateException when already bound to another registry
     */
    @Override
    public synchronized void bindTo(final MeterRegistry meterRegistry) {
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        if (registry != null) {
            if (registry == meterRegistry) {
                return;
            }
            throw new IllegalStateException("ScoringMetrics is already bound to another registry; "
                    + "bind a CompositeMeterRegistry to publish to several");
        }
        // A histogram and no client-side percentiles: Prometheus exports only the histogram when a
        // meter has both, and the percentiles cost ~150 ns more per record (measured on the
        // Prometheus registry). p50/p95/p99 come from histogram_quantile, aggregable across instances.
        e2eLatency = Timer.builder(E2E_LATENCY)
                .description("Time from a record's timestamp (event time) to its score being produced")
                .tags(commonTags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(meterRegistry);
        registry = meterRegistry;
    }

    // ---- per batch / per record -------------------------------------------------------------

    /**
     * One batch was scored by {@code model} at {@code version}: {@code size} records in
     * {@code inferenceNanos} of inference.
     */
    public void recordBatch(final String model, final String version, final int size, final long inferenceNanos) {
        final VersionMeters meters = versionMeters(model, version);
        meters.batchSize.record(size);
        meters.inferenceTime.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    /** {@code count} records were scored by {@code model} at {@code version} and forwarded. */
    public void recordScored(final String model, final String version, final int count) {
        versionMeters(model, version).scored.increment(count);
    }

    /**
     * One record was scored {@code millis} after its timestamp. Negative values (a producer clock
     * ahead of ours) count as 0, so the count stays the number of scored records.
     */
    public void recordLatencyMillis(final long millis) {
        final Timer timer = e2eLatency;
        if (timer == null) {
            throw notBound();
        }
        timer.record(Math.max(0L, millis), TimeUnit.MILLISECONDS);
    }

    /**
     * One record went to the dead-letter topic.
     *
     * @param reason a code from a small fixed set, not a message
     * @param modelOrNull the model it was meant for, or null when not known
     * @param versionOrNull the version that failed it, or null when none was involved
     */
    public void recordDeadLetter(final String reason, final String modelOrNull, final String versionOrNull) {
        Objects.requireNonNull(reason, "reason");
        final String model = modelOrNull == null ? NONE : modelOrNull;
        final String version = versionOrNull == null ? NONE : versionOrNull;
        ConcurrentMap<String, ConcurrentMap<String, Counter>> byModel = deadLetters.get(reason);
        if (byModel == null) {
            byModel = deadLetters.computeIfAbsent(reason, r -> new ConcurrentHashMap<>());
        }
        ConcurrentMap<String, Counter> byVersion = byModel.get(model);
        if (byVersion == null) {
            byVersion = byModel.computeIfAbsent(model, m -> new ConcurrentHashMap<>());
        }
        Counter counter = byVersion.get(version);
        if (counter == null) {
            final MeterRegistry r = boundRegistry();
            counter = byVersion.computeIfAbsent(version,
                    v -> recordsCounter(r, OUTCOME_DEAD_LETTERED, model, v, reason));
        }
        counter.increment();
    }

    /**
     * With fast decoding on, a record's features for {@code model} were read from the decoded record,
     * for {@code reason} (a short code: {@code aggregates}, {@code value}, ...). Cheap per record once
     * the pair has been seen.
     */
    public void recordDecodeFallback(final String model, final String reason) {
        final String m = model == null ? NONE : model;
        ConcurrentMap<String, Counter> byReason = decodeFallbacks.get(m);
        if (byReason == null) {
            byReason = decodeFallbacks.computeIfAbsent(m, x -> new ConcurrentHashMap<>());
        }
        final String why = reason == null ? NONE : reason;
        Counter counter = byReason.get(why);
        if (counter == null) {
            final MeterRegistry r = boundRegistry();
            counter = byReason.computeIfAbsent(why, w -> Counter.builder(DECODE_FALLBACK)
                    .description("Records whose features were read from the decoded record instead of straight "
                            + "from their Avro bytes (score.decode.fast), by reason")
                    .baseUnit("records")
                    .tags(commonTags)
                    .tag("model", m)
                    .tag("reason", w)
                    .register(r));
        }
        counter.increment();
    }

    /**
     * An event came too late for aggregate {@code aggregate} of {@code model} (older than its key's
     * newest event by more than the window and grace): scored with the state as it was, not added.
     */
    public void recordFeatureLate(final String model, final String aggregate) {
        final String m = model == null ? NONE : model;
        ConcurrentMap<String, Counter> byAggregate = lateFeatures.get(m);
        if (byAggregate == null) {
            byAggregate = lateFeatures.computeIfAbsent(m, x -> new ConcurrentHashMap<>());
        }
        Counter counter = byAggregate.get(aggregate);
        if (counter == null) {
            final MeterRegistry r = boundRegistry();
            counter = byAggregate.computeIfAbsent(aggregate, a -> Counter.builder(FEATURES_LATE)
                    .description("Events older than their key's newest one by more than an aggregate's window and "
                            + "grace: scored with the aggregate's state as it was, not added to it")
                    .baseUnit("events")
                    .tags(commonTags)
                    .tag("model", m)
                    .tag("aggregate", a)
                    .register(r));
        }
        counter.increment();
    }

    /**
     * How much history aggregate {@code aggregate} of {@code model} has in stream task {@code task}
     * (see {@code ScoringObserver#onFeatureHistory}). The gauge {@value #FEATURES_HISTORY} shows the
     * least over this instance's tasks, in seconds.
     */
    public void recordFeatureHistory(final String model, final String aggregate, final long windowMs,
                                     final long historyMs, final String task) {
        final String key = model + "\u0000" + aggregate;
        final ConcurrentMap<String, long[]> byTask = featureHistory.computeIfAbsent(key, k -> {
            final ConcurrentMap<String, long[]> m = new ConcurrentHashMap<>();
            Gauge.builder(FEATURES_HISTORY, m, ScoringMetrics::leastHistorySeconds)
                    .description("Event time of history the aggregate's state holds (least over this instance's "
                            + "tasks): below its window it is still warming up")
                    .tags(commonTags)
                    .tags("model", model, "aggregate", aggregate)
                    .baseUnit("seconds")
                    .strongReference(true)
                    .register(boundRegistry());
            return m;
        });
        byTask.put(task, new long[] {windowMs, historyMs});
    }

    /** Task {@code task} closed: its reports no longer count. */
    public void featureTaskClosed(final String task) {
        for (ConcurrentMap<String, long[]> byTask : featureHistory.values()) {
            byTask.remove(task);
        }
    }

    private static double leastHistorySeconds(final ConcurrentMap<String, long[]> byTask) {
        long least = Long.MAX_VALUE;
        for (long[] v : byTask.values()) {
            least = Math.min(least, v[1]);
        }
        return least == Long.MAX_VALUE ? Double.NaN : least / 1000.0;
    }

    /**
     * By model, by aggregate: its window, the least history over this instance's tasks, and
     * {@code status} {@code warm} (history ≥ window) or {@code warming up}; for {@code /readyz}.
     */
    public Map<String, Map<String, Map<String, Object>>> featureHistory() {
        final Map<String, Map<String, Map<String, Object>>> out = new java.util.TreeMap<>();
        for (Map.Entry<String, ConcurrentMap<String, long[]>> e : featureHistory.entrySet()) {
            long window = 0;
            long least = Long.MAX_VALUE;
            for (long[] v : e.getValue().values()) {
                window = v[0];
                least = Math.min(least, v[1]);
            }
            if (least == Long.MAX_VALUE) {
                continue;
            }
            final int sep = e.getKey().indexOf('\u0000');
            final Map<String, Object> d = new java.util.LinkedHashMap<>();
            d.put("window_ms", window);
            d.put("history_ms", least);
            d.put("status", least >= window ? "warm" : "warming up");
            out.computeIfAbsent(e.getKey().substring(0, sep), m -> new java.util.TreeMap<>())
                    .put(e.getKey().substring(sep + 1), d);
        }
        return out;
    }

    // ---- model lifecycle --------------------------------------------------------------------

    /** A version was loaded, verified and warmed up in {@code loadNanos}; its device is not known. */
    public void modelLoaded(final String model, final String version, final long loadNanos) {
        modelLoaded(model, version, loadNanos, null);
    }

    /**
     * A version was loaded, verified and warmed up in {@code loadNanos} on {@code deviceOrNull}
     * ({@code cpu}, {@code cuda:0}), which becomes the {@code device} tag of its live gauge.
     */
    public void modelLoaded(final String model, final String version, final long loadNanos,
                            final String deviceOrNull) {
        final MeterRegistry r = boundRegistry();
        Counter.builder(MODEL_LOADS)
                .description("Model versions loaded, or refused (and why)")
                .tags(commonTags)
                .tags("model", model, "result", RESULT_LOADED, "reason", NONE)
                .register(r)
                .increment();
        Timer.builder(MODEL_LOAD_TIME)
                .description("Time to fetch, verify, load and warm up a model version")
                .tags(commonTags)
                .tag("model", model)
                .register(r)
                .record(loadNanos, TimeUnit.NANOSECONDS);
        if (deviceOrNull != null) {
            devices.put(deviceKey(model, version), deviceOrNull);
        }
    }

    /**
     * A version was refused (not loaded); the previous version, if any, keeps serving.
     *
     * @param version the refused version, or null when the spec named none; not a tag (refused
     *     versions are unbounded), the log carries it
     * @param reasonTag a code from a small fixed set ({@code sha256_mismatch}, {@code fetch},
     *     {@code schema}, ...), not a message
     */
    public void modelRefused(final String model, final String version, final String reasonTag) {
        Counter.builder(MODEL_LOADS)
                .description("Model versions loaded, or refused (and why)")
                .tags(commonTags)
                .tags("model", model, "result", RESULT_REFUSED, "reason", Objects.requireNonNull(reasonTag, "reasonTag"))
                .register(boundRegistry())
                .increment();
    }

    /**
     * {@code version} now serves {@code model}: its live gauges replace those of the model's
     * previous live version, if any.
     */
    public synchronized void modelLive(final String model, final String version) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        final MeterRegistry r = boundRegistry();
        final LiveGauges previous = live.get(model);
        if (previous != null) {
            if (previous.version.equals(version)) {
                return;
            }
            previous.removeFrom(r);
            devices.remove(deviceKey(model, previous.version));
        }
        final String device = devices.getOrDefault(deviceKey(model, version), UNKNOWN_DEVICE);
        final double since = r.config().clock().wallTime() / 1000.0;
        final Gauge info = Gauge.builder(MODEL_LIVE_INFO, () -> 1)
                .description("1 for the model version that serves, labelled with its version and device")
                .tags(commonTags)
                .tags("model", model, "version", version, "device", device)
                .strongReference(true)
                .register(r);
        final Gauge sinceGauge = Gauge.builder(MODEL_LIVE_SINCE, () -> since)
                .description("When the serving model version went live, in seconds since the epoch")
                .tags(commonTags)
                .tags("model", model, "version", version)
                .baseUnit("seconds")
                .strongReference(true)
                .register(r);
        live.put(model, new LiveGauges(version, info, sinceGauge));
    }

    /**
     * {@code version} of {@code model} no longer serves (retired by a tombstone, or closed after a
     * swap). Its live gauges go if it was the live version; otherwise nothing changes.
     */
    public synchronized void modelRetired(final String model, final String version) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        final LiveGauges current = live.get(model);
        if (current != null && current.version.equals(version)) {
            current.removeFrom(boundRegistry());
            live.remove(model);
        }
        devices.remove(deviceKey(model, version));
    }

    // ---- RegistryListener ----------------------------------------------------------------------

    /** Counts and times the load, and remembers {@code device} for the live gauge. */
    @Override
    public void onLoaded(final String name, final String version, final long loadNanos, final String device) {
        modelLoaded(name, version, loadNanos, device);
    }

    /** Counts the refusal under {@code reasonTag}; {@code message} is for the log, not a tag. */
    @Override
    public void onRefused(final String name, final String version, final String reasonTag, final String message) {
        modelRefused(name, version, reasonTag);
    }

    /** Removes the live gauges of {@code version}. */
    @Override
    public void onRetired(final String name, final String version) {
        modelRetired(name, version);
    }

    /** Moves the live gauges from {@code oldVersionOrNull} to {@code newVersion}. */
    @Override
    public void onSwapped(final String name, final String oldVersionOrNull, final String newVersion) {
        modelLive(name, newVersion);
    }

    // ---- internals --------------------------------------------------------------------------

    private VersionMeters versionMeters(final String model, final String version) {
        ModelMeters perModel = models.get(model);
        if (perModel == null) {
            perModel = newModelMeters(Objects.requireNonNull(model, "model"));
        }
        final VersionMeters meters = perModel.versions.get(version);
        return meters != null ? meters : perModel.newVersion(Objects.requireNonNull(version, "version"));
    }

    private ModelMeters newModelMeters(final String model) {
        final MeterRegistry r = boundRegistry();
        return models.computeIfAbsent(model, m -> new ModelMeters(m, DistributionSummary.builder(BATCH_SIZE)
                .description("Records per scored batch")
                .baseUnit("records")
                .tags(commonTags)
                .tag("model", m)
                .serviceLevelObjectives(BATCH_SIZE_BUCKETS)
                .publishPercentiles(0.5, 0.99)
                .register(r)));
    }

    private Counter recordsCounter(final MeterRegistry r, final String outcome, final String model,
                                   final String version, final String reason) {
        return Counter.builder(RECORDS)
                .description("Input records by outcome: scored, or written to the dead-letter topic")
                .baseUnit("records")
                .tags(commonTags)
                .tags("outcome", outcome, "model", model, "version", version, "reason", reason)
                .register(r);
    }

    private MeterRegistry boundRegistry() {
        final MeterRegistry r = registry;
        if (r == null) {
            throw notBound();
        }
        return r;
    }

    private static IllegalStateException notBound() {
        return new IllegalStateException("ScoringMetrics is not bound: call bindTo(registry) first");
    }

    private static String deviceKey(final String model, final String version) {
        return model + '\u0000' + version;
    }

    /** The meters of one model: its batch sizes and its versions' meters. */
    private final class ModelMeters {
        final String model;
        final DistributionSummary batchSize;
        final ConcurrentMap<String, VersionMeters> versions = new ConcurrentHashMap<>();

        ModelMeters(final String model, final DistributionSummary batchSize) {
            this.model = model;
            this.batchSize = batchSize;
        }

        VersionMeters newVersion(final String version) {
            final MeterRegistry r = boundRegistry();
            return versions.computeIfAbsent(version, v -> new VersionMeters(batchSize,
                    Timer.builder(INFERENCE_TIME)
                            .description("Time to score one batch, tensor in to scores out")
                            .tags(commonTags)
                            .tags("model", model, "version", v)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofNanos(50_000))
                            .maximumExpectedValue(Duration.ofSeconds(10))
                            .register(r),
                    recordsCounter(r, OUTCOME_SCORED, model, v, NONE)));
        }
    }

    /** The meters of one (model, version) pair. */
    private static final class VersionMeters {
        final DistributionSummary batchSize;
        final Timer inferenceTime;
        final Counter scored;

        VersionMeters(final DistributionSummary batchSize, final Timer inferenceTime, final Counter scored) {
            this.batchSize = batchSize;
            this.inferenceTime = inferenceTime;
            this.scored = scored;
        }
    }

    /** The gauges of a model's live version. */
    private static final class LiveGauges {
        final String version;
        final Gauge info;
        final Gauge since;

        LiveGauges(final String version, final Gauge info, final Gauge since) {
            this.version = version;
            this.info = info;
            this.since = since;
        }

        void removeFrom(final MeterRegistry r) {
            r.remove(info);
            r.remove(since);
        }
    }
}
