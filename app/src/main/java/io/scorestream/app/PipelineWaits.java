package io.scorestream.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.scorestream.inference.registry.ModelRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses the Kafka Streams client of each pipeline whose model has no live version, and resumes it
 * as soon as one is live: a pipeline waiting for its model consumes nothing (its records stay on
 * the topic, uncommitted), dead-letters nothing, and does not hold up the other pipelines, which
 * run in clients of their own.
 *
 * <p>{@link #pauseMissing()} pauses, before the clients start, those whose model is not live yet;
 * then a check runs on this class's own thread on every model registry event ({@link #changed()})
 * and every {@value #TICK_MS} ms. A wait longer than {@code model.wait.timeout.ms} is
 * <em>overdue</em>: it is logged once as an error, reported by {@link #waits()} (and so by
 * {@code /readyz}), and handed to the {@code onOverdue} callback (which stops the application when
 * {@code model.wait.timeout.exit} is set). The wait itself goes on: the pipeline resumes whenever
 * a version goes live.
 *
 * <p>Also reports {@value #WAITING_METRIC}{@code {pipeline, model}}: 1 while the pipeline waits, 0
 * otherwise. Thread-safe.
 */
final class PipelineWaits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineWaits.class);

    /** Milliseconds between two checks when no registry event comes. */
    static final long TICK_MS = 250;

    /** Gauge: 1 while a pipeline's input is paused for want of a live model version. */
    static final String WAITING_METRIC = "scorestream.pipeline.waiting";

    /** A pipeline's client and the model it waits for. */
    record Gate(String pipeline, String model, KafkaStreams streams) {
        Gate {
            Objects.requireNonNull(pipeline, "pipeline");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(streams, "streams");
        }
    }

    /**
     * A pipeline waiting for its model.
     *
     * @param since when the wait began (start, or the retirement of the last live version)
     * @param overdue whether it has waited longer than {@code model.wait.timeout.ms}
     */
    record Wait(String pipeline, String model, Instant since, boolean overdue) {
        /** How long it has waited at {@code now}. */
        Duration waited(Instant now) {
            return Duration.between(since, now).isNegative() ? Duration.ZERO : Duration.between(since, now);
        }
    }

    private final List<Gate> gates;
    private final ModelRegistry models;
    private final Duration timeout;
    private final String modelTopic;
    private final Consumer<String> onOverdue;
    private final Clock clock;
    /** By pipeline: the wait in progress; absent when the pipeline scores. Guarded by this. */
    private final Map<String, Wait> waits = new LinkedHashMap<>();
    private final ScheduledExecutorService checker;

    /**
     * @param gates every pipeline's client, in pipeline order
     * @param timeout {@code model.wait.timeout.ms}
     * @param modelTopic named in messages
     * @param onOverdue called once per overdue wait, with the message logged, on this class's thread
     */
    PipelineWaits(List<Gate> gates, ModelRegistry models, Duration timeout, String modelTopic,
                  Consumer<String> onOverdue, Clock clock) {
        this.gates = List.copyOf(gates);
        this.models = Objects.requireNonNull(models, "models");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.modelTopic = Objects.requireNonNull(modelTopic, "modelTopic");
        this.onOverdue = Objects.requireNonNull(onOverdue, "onOverdue");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "scorestream-pipeline-waits");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers {@value #WAITING_METRIC} per pipeline. */
    void bindTo(MeterRegistry meters, Iterable<Tag> commonTags) {
        for (Gate g : gates) {
            Gauge.builder(WAITING_METRIC, this, w -> w.isWaiting(g.pipeline()) ? 1 : 0)
                    .description("1 while the pipeline's input is paused because its model has no live version")
                    .tags(Tags.of(commonTags).and("pipeline", g.pipeline(), "model", g.model()))
                    .register(meters);
        }
    }

    /** Pauses, before they start, the clients whose model has no live version yet. */
    synchronized void pauseMissing() {
        check();
    }

    /** Starts the periodic check. */
    void start() {
        checker.scheduleWithFixedDelay(this::checkQuietly, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** A model went live, changed or was retired: checks at once, on this class's thread (not the caller's). */
    void changed() {
        try {
            checker.execute(this::checkQuietly);
        } catch (RejectedExecutionException closed) {
            // Closing: nothing to pause or resume any more.
        }
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("Checking which pipelines wait for a model failed; trying again in {} ms", TICK_MS, e);
        }
    }

    /** Pauses or resumes each client by whether its model is live; notes and reports overdue waits. */
    synchronized void check() {
        final Instant now = clock.instant();
        for (Gate g : gates) {
            final boolean live = models.live(g.model()).isPresent();
            final Wait wait = waits.get(g.pipeline());
            if (live) {
                if (g.streams().isPaused()) {
                    g.streams().resume();
                }
                if (wait != null) {
                    waits.remove(g.pipeline());
                    LOG.info("Pipeline '{}' resumes: model '{}' version {} is live, after {} ms of waiting",
                            g.pipeline(), g.model(), models.live(g.model()).map(m -> m.version()).orElse("?"),
                            wait.waited(now).toMillis());
                }
                continue;
            }
            if (!g.streams().isPaused()) {
                g.streams().pause();
            }
            if (wait == null) {
                waits.put(g.pipeline(), new Wait(g.pipeline(), g.model(), now, false));
                LOG.info("Pipeline '{}' waits for a live version of model '{}' on topic '{}': its input is paused "
                        + "until one is (error reported after {} ms)", g.pipeline(), g.model(), modelTopic,
                        timeout.toMillis());
            } else if (!wait.overdue() && wait.waited(now).compareTo(timeout) >= 0) {
                waits.put(g.pipeline(), new Wait(g.pipeline(), g.model(), wait.since(), true));
                final String message = overdueMessage(g, wait.waited(now));
                LOG.error(message);
                onOverdue.accept(message);
            }
        }
    }

    private String overdueMessage(Gate g, Duration waited) {
        final StringBuilder m = new StringBuilder("Pipeline '").append(g.pipeline()).append("' has waited ")
                .append(waited.toMillis()).append(" ms (model.wait.timeout.ms=").append(timeout.toMillis())
                .append(") for a live version of model '").append(g.model()).append("': publish a valid ModelSpec for it "
                        + "to topic '").append(modelTopic).append("' with 'scorestream models publish'");
        models.lastRefusal(g.model()).ifPresent(r -> m.append("; its last version, ").append(r.version())
                .append(", was refused (").append(r.reasonTag()).append("): ").append(r.message()));
        return m.toString();
    }

    /** Whether {@code pipeline} waits for its model now. */
    synchronized boolean isWaiting(String pipeline) {
        return waits.containsKey(pipeline);
    }

    /** The waits in progress, in pipeline order; empty when every pipeline scores. */
    synchronized List<Wait> waits() {
        final List<Wait> out = new ArrayList<>();
        for (Gate g : gates) {
            final Wait w = waits.get(g.pipeline());
            if (w != null) {
                out.add(w);
            }
        }
        return out;
    }

    /** Whether some wait is overdue. */
    synchronized boolean anyOverdue() {
        return waits.values().stream().anyMatch(Wait::overdue);
    }

    /** What {@code /readyz} shows of the waits at {@code now}: by pipeline. */
    synchronized Map<String, Object> details(Instant now) {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (Wait w : waits()) {
            final Map<String, Object> d = new LinkedHashMap<>();
            d.put("model", w.model());
            d.put("since", w.since().toString());
            d.put("waited_ms", w.waited(now).toMillis());
            d.put("paused", true);
            d.put("status", w.overdue() ? "error" : "waiting");
            d.put("reason", "no live version of model '" + w.model() + "' on topic '" + modelTopic + "'"
                    + models.lastRefusal(w.model()).map(r -> "; version " + r.version() + " was refused ("
                    + r.reasonTag() + "): " + r.message()).orElse(""));
            out.put(w.pipeline(), d);
        }
        return out;
    }

    @Override
    public void close() {
        checker.shutdownNow();
        try {
            checker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
