package io.scorestream.app.fleet;

import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.schemas.ModelStatus;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what one application instance serves, one {@link ModelStatus} per model, to the compacted
 * status topic: at {@link #start()}, every interval after that, and soon after a version goes live
 * or is refused ({@link #requestPublish()}, which the {@link #listener()} calls). On
 * {@link #close()} it writes a tombstone for every key it wrote, so the instance leaves the fleet
 * view.
 *
 * <p><b>Threading.</b> Every write happens on the publisher's own scheduler thread
 * ({@value #THREAD_NAME}), one at a time; {@link #requestPublish()} only queues an early write,
 * so the model registry's loader thread, which calls the {@link #listener()}, never waits on Kafka.
 * The snapshot function is called on that thread and must be thread-safe. All public methods are
 * thread-safe.
 *
 * <p><b>Failures</b> never stop the instance: a status topic that cannot be created, a record that
 * cannot be written, a schema registry that cannot be reached are logged (WARN, once per streak of
 * failures) and the next interval tries again.
 *
 * <p><b>Ownership.</b> The publisher creates and closes its own idempotent producer (and, at start,
 * an admin client); the schema registry is the caller's and is not closed.
 */
public final class FleetStatusPublisher implements AutoCloseable {

    /** The name of the publisher's thread. */
    public static final String THREAD_NAME = "scorestream-fleet-status";

    private static final Logger LOG = LoggerFactory.getLogger(FleetStatusPublisher.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** How long one write may wait for metadata (e.g. while the topic does not exist). */
    private static final long MAX_BLOCK_MS = 5_000;

    private final String topic;
    private final long intervalMs;
    private final Map<String, Object> clientProps;
    private final Function<Instant, List<ModelStatus>> snapshot;
    private final KafkaProducer<String, ModelStatus> producer;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean earlyPending = new AtomicBoolean();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Every key written: added to on the scheduler thread, read by close. */
    private final Set<String> written = ConcurrentHashMap.newKeySet();

    /**
     * Creates the publisher (and its producer); nothing is written before {@link #start()}.
     *
     * @param topic the status topic
     * @param intervalMs how often to write, at least 1
     * @param clientProps Kafka client settings: {@code bootstrap.servers} and whatever the cluster
     *     needs (security); not modified. Acknowledgement, idempotence and serializer settings are
     *     the publisher's.
     * @param schemas where the {@link ModelStatus} schema is registered; not closed
     * @param snapshot given the time of the write, the statuses of every model the instance serves,
     *     keyed by {@link ModelStatuses#key}; called on the publisher's thread
     * @param clientId the producer's {@code client.id}
     */
    public FleetStatusPublisher(final String topic, final long intervalMs, final Map<String, Object> clientProps,
            final SchemaRegistry schemas, final Function<Instant, List<ModelStatus>> snapshot, final String clientId) {
        this.topic = Objects.requireNonNull(topic, "topic");
        if (intervalMs < 1) {
            throw new IllegalArgumentException("intervalMs must be >= 1, got " + intervalMs);
        }
        this.intervalMs = intervalMs;
        this.clientProps = Map.copyOf(clientProps);
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        final Map<String, Object> p = new HashMap<>(clientProps);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, Objects.requireNonNull(clientId, "clientId"));
        this.producer = new KafkaProducer<>(p, new StringSerializer(),
                ConfluentAvroSerializer.specific(Objects.requireNonNull(schemas, "schemas"), ModelStatus.class, false));
        final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
    }

    /**
     * Creates the status topic when it does not exist (compacted, one partition, the broker's
     * default replication factor; a WARN when that is not allowed), then writes the statuses now
     * and every interval. Returns at once: all of it happens on the publisher's thread.
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("the fleet status publisher was already started or closed");
        }
        scheduler.execute(this::ensureTopic);
        scheduler.scheduleWithFixedDelay(this::publish, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Asks for a write soon, on the publisher's thread, besides the regular ones; requests made while
     * one is pending are merged into it. Never blocks; ignored before {@link #start()} and after
     * {@link #close()}.
     */
    public void requestPublish() {
        if (!started.get() || closed.get() || !earlyPending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.execute(() -> {
                earlyPending.set(false);
                publish();
            });
        } catch (RejectedExecutionException e) {
            earlyPending.set(false); // closing
        }
    }

    /**
     * A registry listener that {@linkplain #requestPublish() requests a write} when what is live
     * changes, a version is refused or a model is retired. Quick; never blocks.
     */
    public RegistryListener listener() {
        return new RegistryListener() {
            @Override
            public void onRefused(final String name, final String version, final String reasonTag,
                    final String message) {
                requestPublish();
            }

            @Override
            public void onRetired(final String name, final String version) {
                requestPublish();
            }

            @Override
            public void onRolloutChanged(final String name, final LiveRollout nowOrNull) {
                requestPublish();
            }
        };
    }

    /** One write of every status; on the publisher's thread. Never throws. */
    private void publish() {
        try {
            for (ModelStatus status : snapshot.apply(Instant.now())) {
                final String key = ModelStatuses.key(status.getApplicationId(), status.getInstanceId(),
                        status.getModel());
                written.add(key);
                producer.send(new ProducerRecord<>(topic, key, status), (metadata, e) -> outcome(e));
            }
        } catch (RuntimeException e) {
            outcome(e);
        }
    }

    private void outcome(final Exception e) {
        if (e == null) {
            if (failing.compareAndSet(true, false)) {
                LOG.info("Writing the fleet status to '{}' works again", topic);
            }
        } else if (failing.compareAndSet(false, true)) {
            LOG.warn("Cannot write the fleet status to '{}' (tried again every {} ms; 'models list' and "
                    + "'models status' do not show this instance meanwhile): {}", topic, intervalMs, e.toString());
        }
    }

    /** Creates the status topic when it is missing; never throws. */
    private void ensureTopic() {
        try (Admin admin = Admin.create(new HashMap<>(clientProps))) {
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_TIMEOUT.toMillis(),
                        TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            final NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(newTopic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("Created the status topic '{}' (compacted, 1 partition)", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            final Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.warn("Cannot check or create the status topic '{}' ({}); create it compacted, or allow this "
                    + "application to: until it exists, the fleet view does not show this instance", topic,
                    cause.toString());
        }
    }

    /**
     * Stops the writes, then writes a tombstone for every key written and closes the producer,
     * waiting at most about {@value #MAX_BLOCK_MS} ms plus ten seconds. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
        for (String key : written) {
            try {
                producer.send(new ProducerRecord<>(topic, key, null), (metadata, e) -> {
                    if (e != null) {
                        LOG.warn("Cannot remove '{}' from the status topic '{}': {}", key, topic, e.toString());
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("Cannot remove '{}' from the status topic '{}': {}", key, topic, e.toString());
            }
        }
        producer.close(CLOSE_TIMEOUT);
    }
}
