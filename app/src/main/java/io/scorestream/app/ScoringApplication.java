package io.scorestream.app;

import io.scorestream.app.fleet.FleetStatusPublisher;
import io.scorestream.app.fleet.ModelStatuses;
import io.scorestream.app.metrics.MetricsBridge;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import io.scorestream.app.security.KafkaAccess;
import io.scorestream.app.security.KafkaRefusedException;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.registry.DefaultArtifactFetcher;
import io.scorestream.inference.registry.LiveModelInfo;
import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.app.metrics.RolloutMetrics;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.schemas.ModelStatus;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.topology.PipelineSettings;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.topology.ScoringTopology;
import io.scorestream.topology.TopologySettings;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.topology.errors.DeadLetteringDeserializationHandler;
import io.scorestream.topology.errors.DeadLetteringProcessingHandler;
import io.scorestream.app.metrics.HealthProbe;
import io.scorestream.app.metrics.ObservabilityServer;
import io.scorestream.app.metrics.ScoringMetrics;
import io.scorestream.topology.processor.ScoringObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running scoring instance: the model registry, the Kafka Streams topology, the metrics and
 * the health endpoint, wired from a {@link ScorestreamConfig}. Used by {@code run}, the demo and
 * the integration tests alike. Several instances with the same {@code application.id} share the
 * input partitions, as any Kafka Streams application does.
 *
 * <p>An instance runs every {@linkplain ScorestreamConfig#pipelines() pipeline} of its
 * configuration (one, without {@code pipelines}), each in a Kafka Streams client of its own (with
 * its own {@linkplain io.scorestream.app.config.KafkaStreamsConfig#applicationId(String)
 * application id}), with one model registry for all their models, and an
 * {@linkplain io.scorestream.app.config.ModelsConfig#artifactCache() artifact cache} unless it is
 * disabled. The first pipeline's client also reads the model topic into the registry. A pipeline
 * whose model has no live version has its client paused until one is ({@link PipelineWaits}); the
 * others score meanwhile. The instance is ready ({@code /readyz}) when every client is RUNNING and
 * every pipeline's model has a live version.
 *
 * <p>Each instance reports what it serves, per model, to the status topic
 * ({@link io.scorestream.app.config.FleetStatusConfig}) through a {@link FleetStatusPublisher}: at
 * start, every {@code status.interval.ms}, and soon after a version goes live or is refused.
 *
 * <p>Lifecycle: {@link #start} builds and starts everything; {@link #close()} stops it (the status
 * publisher first, which removes the instance's records from the status topic, then Kafka Streams,
 * so buffered records stay in the changelog for whoever takes over). Thread-safe.
 */
public final class ScoringApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringApplication.class);

    private final ScorestreamConfig config;
    private final SchemaRegistry schemas;
    private final PrometheusMeterRegistry meters;
    private final ScoringMetrics metrics;
    private final ModelRegistry models;
    private final FleetStatusPublisher status;
    /** One client per pipeline, in pipeline order. */
    private final List<PipelineClient> clients;
    private final PipelineWaits waits;
    private final ObservabilityServer server;
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final java.util.ArrayDeque<Long> threadFailures = new java.util.ArrayDeque<>();
    /** How long start-up waits for the broker to say what this client may do. */
    private static final Duration ACCESS_CHECK_TIMEOUT = Duration.ofSeconds(30);
    /** Stream-thread replacements allowed within 10 minutes before the instance shuts down. */
    private static final int MAX_THREAD_REPLACEMENTS = 5;

    /** A pipeline and the Kafka Streams client that runs it. */
    private record PipelineClient(PipelineSettings pipeline, KafkaStreams streams, KafkaStreamsMetrics metrics) {
    }

    private ScoringApplication(ScorestreamConfig config, SchemaRegistry schemas) {
        this.config = config;
        this.schemas = schemas;
        this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new ScoringMetrics(List.of(Tag.of("application", config.kafka().applicationId())));
        metrics.bindTo(meters);
        final MetricsBridge bridge = new MetricsBridge(metrics,
                new RolloutMetrics(meters, List.of(Tag.of("application", config.kafka().applicationId()))));

        this.status = new FleetStatusPublisher(config.fleetStatus().statusTopic(), config.fleetStatus().intervalMs(),
                config.kafka().clientProperties(), schemas, this::statuses,
                "scorestream-status-" + config.fleetStatus().instanceId());
        final RegistrySettings registrySettings = config.models().registrySettings();
        // The waits are told of registry events, but exist only once the clients do.
        final AtomicReference<PipelineWaits> waitsRef = new AtomicReference<>();
        final RegistryListener toWaits = new RegistryListener() {
            @Override
            public void onRolloutChanged(String name, LiveRollout nowOrNull) {
                changed();
            }

            @Override
            public void onRetired(String name, String version) {
                changed();
            }

            private void changed() {
                final PipelineWaits w = waitsRef.get();
                if (w != null) {
                    w.changed();
                }
            }
        };
        this.models = new ModelRegistry(registrySettings, new OnnxModelLoader(config.inference().settings()),
                new DefaultArtifactFetcher(registrySettings),
                RegistryListener.both(bridge, RegistryListener.both(status.listener(), toWaits)),
                config.models().artifactCache().orElse(null));
        config.models().cacheDir().ifPresentOrElse(
                dir -> LOG.info("Model artifact cache in {} (at most {} bytes)", dir, config.models().cacheMaxBytes()),
                () -> LOG.info("Model artifact cache disabled"));
        if (!registrySettings.trustedKeys().isEmpty()) {
            LOG.info("Model signatures {}: trusted key ids {}{}", registrySettings.signatureRequired() ? "required"
                    : "checked when present (unsigned versions accepted)", registrySettings.trustedKeys().keyIds(),
                    registrySettings.trustedKeys().files().isEmpty() ? ""
                            : ", files " + registrySettings.trustedKeys().files() + " read again at every check");
        }

        final TopologySettings topologySettings = config.topologySettings();
        final boolean several = config.pipelines().size() > 1;
        final List<PipelineClient> built = new ArrayList<>();
        final List<PipelineWaits.Gate> gates = new ArrayList<>();
        for (PipelineSettings p : config.pipelines()) {
            final Properties props = config.kafka().streamsProperties(p.name());
            props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    DeadLetteringDeserializationHandler.class.getName());
            props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    io.scorestream.topology.errors.FailingProductionExceptionHandler.class.getName());
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                    DeadLetteringProcessingHandler.class.getName());
            props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().deadLetterTopic());
            props.put(ScoringObserver.CONFIG_KEY, bridge);
            final KafkaStreams streams = new KafkaStreams(ScoringTopology.buildPipeline(topologySettings, p.name(),
                    built.isEmpty(), models, schemas, bridge, bridge), props);
            streams.setUncaughtExceptionHandler(this::onStreamThreadFailure);
            final String label = several ? "Kafka Streams (pipeline '" + p.name() + "')" : "Kafka Streams";
            final KafkaStreamsConfig.ProducerLinger linger = config.kafka().producerLinger(p.name());
            final KafkaStreamsConfig.ProducerBatchSize batchSize = config.kafka().producerBatchSize();
            LOG.info("{} producer linger.ms={} ({}), batch.size={} ({})", label, linger.lingerMs(), linger.origin(),
                    batchSize.bytes(), batchSize.origin());
            streams.setStateListener((now, before) -> LOG.info("{} {} -> {}", label, before, now));
            final KafkaStreamsMetrics streamsMetrics = ObservabilityServer.bindKafkaStreams(meters, streams,
                    several ? List.of(Tag.of("pipeline", p.name())) : List.of());
            built.add(new PipelineClient(p, streams, streamsMetrics));
            gates.add(new PipelineWaits.Gate(p.name(), p.scoring().modelName(), streams));
        }
        this.clients = List.copyOf(built);
        this.waits = new PipelineWaits(gates, models, Duration.ofMillis(config.models().waitTimeoutMs()),
                config.topics().modelTopic(), this::onWaitOverdue, java.time.Clock.systemUTC());
        waits.bindTo(meters, List.of(Tag.of("application", config.kafka().applicationId())));
        waitsRef.set(waits);
        this.server = config.metrics().enabled()
                ? new ObservabilityServer(config.metrics().bindAddress(), config.metrics().port(), meters, new Probe(),
                        config.metrics().security())
                : null;
    }

    /**
     * A stream thread died. No live model is final (shut down, with the message), and so is Kafka
     * refusing to authenticate or authorize the client (shut down, naming the principal and the
     * resource: a new thread would be refused the same way). Anything else
     * (an unreachable schema registry, a broker hiccup) gets a fresh thread that resumes from the
     * last commit, a bounded number of times in a row before the instance gives up.
     */
    private StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onStreamThreadFailure(Throwable e) {
        boolean noModel = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            noModel |= t instanceof io.scorestream.topology.errors.NoLiveModelException;
        }
        final java.util.Optional<String> refused = KafkaAccess.explain(e, config.kafka().clientProperties(),
                "running Kafka Streams");
        if (refused.isPresent()) {
            // No new thread will be let in either: stop, saying who was refused what.
            fatal.compareAndSet(null, new KafkaRefusedException(refused.get(), e));
            LOG.error("Stream thread failed; shutting this instance down: {}", refused.get());
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        final long now = System.nanoTime();
        synchronized (threadFailures) {
            threadFailures.addLast(now);
            while (!threadFailures.isEmpty() && now - threadFailures.peekFirst() > Duration.ofMinutes(10).toNanos()) {
                threadFailures.removeFirst();
            }
            if (!noModel && threadFailures.size() <= MAX_THREAD_REPLACEMENTS) {
                LOG.error("Stream thread failed ({} in the last 10 minutes); replacing it: {}", threadFailures.size(),
                        e.getMessage(), e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
        }
        fatal.compareAndSet(null, e);
        LOG.error("Stream thread failed; shutting this instance down: {}", e.getMessage(), e);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** A pipeline waited past {@code model.wait.timeout.ms}: fatal only with {@code model.wait.timeout.exit}. */
    private void onWaitOverdue(String message) {
        if (config.models().waitTimeoutExit()) {
            fatal.compareAndSet(null, new io.scorestream.topology.errors.NoLiveModelException(message
                    + " (model.wait.timeout.exit=true: stopping)"));
        }
    }

    /**
     * Builds and starts an instance.
     *
     * @param schemas the schema registry to use; null to connect to {@code schema.registry.url}
     * @throws IllegalArgumentException when no registry is given and none is configured
     */
    public static ScoringApplication start(ScorestreamConfig config, SchemaRegistry schemas) {
        final SchemaRegistry registry = schemas != null ? schemas : httpRegistry(config);
        LOG.info("Starting scorestream with {}", config.redacted());
        // Kafka's refusals (credentials, ACLs) stop start-up here, naming principal, resource and
        // operation, rather than as a stream thread's bare "Not authorized" later.
        KafkaAccess.check(config.kafka().clientProperties(),
                KafkaAccess.requirements(AclPlan.of(config, AclRole.SCORER)), ACCESS_CHECK_TIMEOUT);
        final ScoringApplication app = new ScoringApplication(config, registry);
        if (app.server != null) {
            app.server.start();
            LOG.info("Metrics on http://{}:{}/metrics, health on /healthz and /readyz", config.metrics().bindAddress(),
                    app.server.port());
        }
        app.status.start();
        app.waits.pauseMissing();
        for (PipelineClient c : app.clients) {
            c.streams().start();
        }
        app.waits.start();
        return app;
    }

    /**
     * What this instance serves now, one status per model of its pipelines, in pipeline order.
     * Called on the status publisher's thread.
     */
    private List<ModelStatus> statuses(final Instant now) {
        final String device = config.inference().device().toString();
        final List<ModelStatus> statuses = new ArrayList<>();
        for (String model : config.modelNames()) {
            final List<String> pipelines = new ArrayList<>();
            for (PipelineSettings p : config.pipelines()) {
                if (p.scoring().modelName().equals(model)) {
                    pipelines.add(p.name());
                }
            }
            statuses.add(ModelStatuses.of(config.kafka().applicationId(), config.fleetStatus().instanceId(), model,
                    models.rollout(model).orElse(null), models.lastRefusal(model).orElse(null), device, pipelines,
                    now, config.fleetStatus().intervalMs()));
        }
        return statuses;
    }

    private static SchemaRegistry httpRegistry(ScorestreamConfig config) {
        // The same settings (credentials, trust store) as the command-line tools: SchemaRegistryConfig.client().
        return config.schemaRegistry().client();
    }

    /**
     * Blocks until every pipeline's model has a live version, logging which ones it waits for, and,
     * when the time is up, which ones are still missing.
     *
     * @return whether all went live within {@code model.wait.timeout.ms} (one wait for all of them)
     */
    public boolean awaitModel() throws InterruptedException {
        List<String> missing = missingModels();
        if (missing.isEmpty()) {
            return true;
        }
        if (config.pipelines().size() == 1) {
            LOG.info("Waiting up to {} ms for a live version of model '{}' on topic '{}'",
                    config.models().waitTimeoutMs(), missing.get(0), config.topics().modelTopic());
        } else {
            LOG.info("Waiting up to {} ms for live versions of models {} on topic '{}'",
                    config.models().waitTimeoutMs(), quoted(missing), config.topics().modelTopic());
        }
        final long deadline = System.nanoTime() + Duration.ofMillis(config.models().waitTimeoutMs()).toNanos();
        for (String name : missing) {
            final long left = Math.max(0, deadline - System.nanoTime());
            if (!models.awaitLive(name, Duration.ofNanos(left))) {
                break;
            }
        }
        missing = missingModels();
        if (!missing.isEmpty() && config.pipelines().size() > 1) {
            LOG.warn("No live version of models {} after {} ms on topic '{}'", quoted(missing),
                    config.models().waitTimeoutMs(), config.topics().modelTopic());
        }
        return missing.isEmpty();
    }

    /**
     * The models of the pipelines that have no live version now, in pipeline order; empty when
     * every pipeline can score. Unmodifiable.
     */
    public List<String> missingModels() {
        final List<String> missing = new ArrayList<>();
        for (String name : config.modelNames()) {
            if (models.live(name).isEmpty()) {
                missing.add(name);
            }
        }
        return List.copyOf(missing);
    }

    private static String quoted(List<String> names) {
        return "'" + String.join("', '", names) + "'";
    }

    /**
     * Blocks until every pipeline's Kafka Streams client is RUNNING, or one fails (ERROR,
     * NOT_RUNNING) or the timeout passes. A client paused at start for want of a live model stays
     * REBALANCING (its tasks are not restored while paused) until its model is live.
     */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return awaitRunning(clients, timeout);
    }

    /** {@link #awaitRunning(Duration)} for one pipeline's client. */
    public boolean awaitRunning(String pipeline, Duration timeout) throws InterruptedException {
        return awaitRunning(List.of(client(pipeline)), timeout);
    }

    private static boolean awaitRunning(List<PipelineClient> which, Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            final KafkaStreams.State s = combined(which);
            if (s == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
                    || s == KafkaStreams.State.PENDING_ERROR) {
                return false;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * The state of the instance's Kafka Streams clients taken together: the worst of them (ERROR,
     * PENDING_ERROR, NOT_RUNNING, PENDING_SHUTDOWN, CREATED, REBALANCING, then RUNNING).
     */
    public KafkaStreams.State state() {
        return combined(clients);
    }

    /** The state of one pipeline's Kafka Streams client. */
    public KafkaStreams.State state(String pipeline) {
        return client(pipeline).streams().state();
    }

    /** Whether one pipeline's client is paused (its model has no live version). */
    public boolean isPaused(String pipeline) {
        return client(pipeline).streams().isPaused();
    }

    /** The application id of one pipeline's Kafka Streams client. */
    public String applicationId(String pipeline) {
        return config.kafka().applicationId(client(pipeline).pipeline().name());
    }

    private PipelineClient client(String pipeline) {
        for (PipelineClient c : clients) {
            if (c.pipeline().name().equals(pipeline)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no pipeline named '" + pipeline + "'");
    }

    private static final List<KafkaStreams.State> SEVERITY = List.of(KafkaStreams.State.ERROR,
            KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING, KafkaStreams.State.PENDING_SHUTDOWN,
            KafkaStreams.State.CREATED, KafkaStreams.State.REBALANCING, KafkaStreams.State.RUNNING);

    private static KafkaStreams.State combined(List<PipelineClient> which) {
        KafkaStreams.State worst = KafkaStreams.State.RUNNING;
        for (PipelineClient c : which) {
            final KafkaStreams.State s = c.streams().state();
            if (SEVERITY.indexOf(s) < SEVERITY.indexOf(worst)) {
                worst = s;
            }
        }
        return worst;
    }

    /**
     * The error that stopped a stream thread, or a wait for a model past
     * {@code model.wait.timeout.ms} when {@code model.wait.timeout.exit} is set; null while neither
     * happened. The caller of {@code run} stops the application on it.
     */
    public Throwable failure() {
        return fatal.get();
    }

    public ModelRegistry models() {
        return models;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meters;
    }

    /** Port of the metrics endpoint, or -1 when disabled. */
    public int metricsPort() {
        return server == null ? -1 : server.port();
    }

    public ScorestreamConfig config() {
        return config;
    }

    @Override
    public void close() {
        status.close();
        waits.close();
        for (PipelineClient c : clients) {
            c.streams().close(Duration.ofSeconds(60));
            c.metrics().close();
        }
        if (server != null) {
            server.close();
        }
        models.close();
        meters.close();
    }

    private final class Probe implements HealthProbe {
        @Override
        public boolean live() {
            final KafkaStreams.State s = state();
            return s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR;
        }

        /** Every client RUNNING, and a live version of every pipeline's model. */
        @Override
        public boolean ready() {
            return state() == KafkaStreams.State.RUNNING && missingModels().isEmpty();
        }

        /**
         * One pipeline: {@code model}, {@code live}, {@code lastRefusal} (of that model). Several:
         * {@code pipelines} (name → model), {@code missing} (models not live), {@code live},
         * {@code lastRefusals} (by model). Both: {@code waiting} (by pipeline, while one waits for its
         * model: since when, how long, its status {@code waiting} or, past
         * {@code model.wait.timeout.ms}, {@code error}, and why), and {@code error} (a sentence)
         * when a wait is overdue.
         */
        @Override
        public Map<String, Object> details() {
            final Map<String, Object> d = new LinkedHashMap<>();
            d.put("streams", state().name());
            final boolean single = config.pipelines().size() == 1;
            if (!single) {
                final Map<String, Object> states = new LinkedHashMap<>();
                for (PipelineClient c : clients) {
                    states.put(c.pipeline().name(), c.streams().state().name()
                            + (c.streams().isPaused() ? " (paused)" : ""));
                }
                d.put("streamsByPipeline", states);
            }
            final Map<String, Object> waiting = waits.details(Instant.now());
            if (!waiting.isEmpty()) {
                d.put("waiting", waiting);
            }
            if (waits.anyOverdue()) {
                final List<String> late = new ArrayList<>();
                for (PipelineWaits.Wait w : waits.waits()) {
                    if (w.overdue()) {
                        late.add("'" + w.pipeline() + "'");
                    }
                }
                d.put("error", "pipeline(s) " + String.join(", ", late) + " waited longer than "
                        + "model.wait.timeout.ms (" + config.models().waitTimeoutMs() + " ms) for a live model "
                        + "version");
            }
            if (single) {
                d.put("model", config.modelName());
            } else {
                final Map<String, Object> pipelines = new LinkedHashMap<>();
                for (PipelineSettings p : config.pipelines()) {
                    pipelines.put(p.name(), p.scoring().modelName());
                }
                d.put("pipelines", pipelines);
                d.put("missing", missingModels());
            }
            final Map<String, Object> live = new LinkedHashMap<>();
            for (Map.Entry<String, LiveRollout> e : models.rollouts().entrySet()) {
                final LiveModelInfo stable = e.getValue().stable();
                final Map<String, Object> m = new LinkedHashMap<>(Map.of("version", stable.version(), "sha256",
                        stable.sha256(), "device", stable.executionDevice(), "since", stable.since().toString()));
                final LiveModelInfo candidate = e.getValue().candidate();
                if (candidate != null) {
                    final boolean canary = e.getValue().role() == io.scorestream.schemas.RolloutRole.CANARY;
                    m.put("candidate", Map.of("version", candidate.version(), "sha256", candidate.sha256(),
                            "role", canary ? "canary" : "shadow", "canary_percent",
                            canary ? e.getValue().canaryPercent() : 0.0, "since", candidate.since().toString()));
                }
                live.put(e.getKey(), m);
            }
            d.put("live", live);
            final Map<String, Map<String, Map<String, Object>>> features = metrics.featureHistory();
            if (!features.isEmpty()) {
                // Aggregates whose window is not full yet are "warming up" (a version that added one
                // started it empty); readiness does not wait for them.
                d.put("features", features);
            }
            final Map<String, Object> refusals = new LinkedHashMap<>();
            for (String name : config.modelNames()) {
                models.lastRefusal(name).ifPresent(r -> refusals.put(name, Map.of("version", r.version(),
                        "reason", r.reasonTag(), "message", r.message(), "at", r.at().toString())));
            }
            if (single) {
                final Object refusal = refusals.get(config.modelName());
                if (refusal != null) {
                    d.put("lastRefusal", refusal);
                }
            } else if (!refusals.isEmpty()) {
                d.put("lastRefusals", refusals);
            }
            final Throwable f = fatal.get();
            if (f != null) {
                d.put("failure", String.valueOf(f.getMessage()));
            }
            return d;
        }
    }
}
