package io.scorestream.connectors.load;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.registry.TopicNameStrategy;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes loaded rows to one Kafka topic: String keys, values in Confluent's Avro wire format
 * ({@link ConfluentAvroSerializer#generic}), each record stamped with its row's timestamp.
 *
 * <p>{@link #open} checks, before any row: the topic exists (it is not auto-created, since a
 * topic of history needs its own retention), and the schema registry takes the schema under the
 * topic's value subject. The producer is idempotent with {@code acks=all}, lingers 20 ms and
 * batches up to 256 KiB (the client settings given go over these). Sends are asynchronous; the
 * first failure makes every later {@link #send} fail, and {@link #flush()} fails unless the broker
 * acknowledged every record sent.
 *
 * <p>{@link #send} and {@link #flush()} from one thread. Owns its producer ({@link #close()}); not
 * the registry.
 */
public final class KafkaRowSink implements RowSink, AutoCloseable {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final KafkaProducer<String, GenericRecord> producer;
    private final OptionalLong retentionMs;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private long sent;

    private KafkaRowSink(String topic, KafkaProducer<String, GenericRecord> producer, OptionalLong retentionMs) {
        this.topic = topic;
        this.producer = producer;
        this.retentionMs = retentionMs;
    }

    /**
     * Checks the topic and the schema, and opens the producer.
     *
     * @param clientConfig Kafka client settings: at least {@code bootstrap.servers}; security settings
     *     as needed (used for the topic check too)
     * @param registry where the schema is registered, under {@code <topic>-value}
     * @param timeout how long the topic check may take
     * @throws LoadRefused if the topic does not exist
     * @throws LoadException if the topic cannot be checked or the registry refuses the schema
     * @throws InterruptedException if interrupted while checking the topic
     */
    public static KafkaRowSink open(Map<String, Object> clientConfig, SchemaRegistry registry, String topic,
                                    Schema schema, Duration timeout) throws LoadException, InterruptedException {
        final OptionalLong retention = checkTopic(clientConfig, topic, timeout);
        final String subject = TopicNameStrategy.subject(topic, false);
        try {
            registry.register(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new LoadException("the schema registry refused the schema " + schema.getFullName() + " for subject '"
                    + subject + "': " + e.getMessage(), e);
        }
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.putAll(clientConfig);
        return new KafkaRowSink(topic, new KafkaProducer<>(p, new StringSerializer(),
                ConfluentAvroSerializer.generic(registry, false)), retention);
    }

    /** The topic's {@code retention.ms} (-1: kept forever), when the broker told it. */
    public OptionalLong retentionMs() {
        return retentionMs;
    }

    @Override
    public void send(LoadRecord record) throws LoadException {
        final String error = firstError.get();
        if (error != null) {
            throw new LoadException("a send to '" + topic + "' failed: " + error);
        }
        final long line = record.line();
        try {
            producer.send(new ProducerRecord<>(topic, null, record.timestamp(), record.key(), record.value()),
                    (metadata, e) -> {
                        if (e == null) {
                            acked.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, "line " + line + ": " + e);
                        }
                    });
        } catch (KafkaException e) {
            throw new LoadException("line " + line + ": cannot send to '" + topic + "': " + e.getMessage(), e);
        }
        sent++;
    }

    @Override
    public void flush() throws LoadException {
        try {
            producer.flush();
        } catch (KafkaException e) {
            throw new LoadException("flushing the records to '" + topic + "' failed: " + e.getMessage(), e);
        }
        if (failed.get() > 0 || acked.get() != sent) {
            throw new LoadException(String.format(Locale.ROOT, "%,d of %,d records to '%s' acknowledged, %,d failed; "
                    + "first failure: %s", acked.get(), sent, topic, failed.get(), firstError.get()));
        }
    }

    /** Closes the producer, waiting up to 30 s for records still in flight. */
    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }

    private static OptionalLong checkTopic(Map<String, Object> clientConfig, String topic, Duration timeout)
            throws LoadException, InterruptedException {
        try (Admin admin = Admin.create(clientConfig)) {
            final long ms = timeout.toMillis();
            admin.describeTopics(List.of(topic)).allTopicNames().get(ms, TimeUnit.MILLISECONDS);
            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            final Config config = admin.describeConfigs(List.of(resource)).all().get(ms, TimeUnit.MILLISECONDS)
                    .get(resource);
            final ConfigEntry retention = config == null ? null : config.get(TopicConfig.RETENTION_MS_CONFIG);
            return retention == null || retention.value() == null ? OptionalLong.empty()
                    : OptionalLong.of(Long.parseLong(retention.value()));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new LoadRefused("topic '" + topic + "' does not exist: create it first (for history that must "
                        + "not age out, with retention.ms=-1)");
            }
            throw new LoadException("cannot check topic '" + topic + "': " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new LoadException("cannot check topic '" + topic + "': no answer from the brokers within "
                    + timeout.toMillis() + " ms", e);
        } catch (KafkaException | NumberFormatException e) {
            throw new LoadException("cannot check topic '" + topic + "': " + e, e);
        }
    }
}
