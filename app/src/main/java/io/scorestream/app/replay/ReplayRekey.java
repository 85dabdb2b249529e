package io.scorestream.app.replay;

import io.scorestream.app.command.ProgressBar;
import io.scorestream.schemas.serde.WireFormatException;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.errors.InvalidEventException;
import io.scorestream.topology.processor.RekeyProcessor;
import io.scorestream.topology.processor.RepartitionHeaders;
import io.scorestream.topology.serde.FeatureEvent;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a replay of a repartitioned pipeline ({@code --repartition-by FIELD}): reads the
 * range of the input from all its partitions, merges them in {@code (timestamp, partition, offset)}
 * order ({@link EventTimeMerge}), and writes each event to the replay's temporary topic
 * ({@code <replay application id>-rekeyed}, with the input's partition count) as live
 * repartitioning writes it to its repartition topic: keyed by the field's text as UTF-8
 * ({@link RekeyProcessor#groupKey}), in the partition Kafka's default partitioner gives that key
 * (murmur2 of the key bytes), with the input record's key, topic, partition and offset in
 * {@link RepartitionHeaders}. The replay's Kafka Streams application then reads that topic: each
 * group's events arrive at its task in the merged order, and scores and dead letters name the input
 * record.
 *
 * <p>An event that cannot be grouped (no such field, a null or floating-point value, a null value)
 * or decoded (bytes not in the wire format, an unknown schema id) is dead-lettered here, with the
 * reason live scoring gives it and its input coordinates; any other failure to decode (the schema
 * registry unreachable) fails the replay.
 *
 * <p>Single use; runs on the caller's thread; creates and closes its own consumer and producer.
 */
final class ReplayRekey {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayRekey.class);
    /** Unacknowledged sends checked at a time, so a failing send stops the copy early. */
    private static final int IN_FLIGHT = 10_000;
    /** Records between two updates of the progress bar. */
    private static final int PROGRESS_EVERY = 4_096;

    /**
     * What the copy did: records written to the temporary topic, per partition, dead letters, and
     * records out of order within their input partition ({@link EventTimeMerge#outOfOrder()}).
     */
    record Result(long[] written, long deadLettered, long outOfOrder) {
    }

    private final Map<String, Object> client;
    private final FeatureEventSerde features;
    private final String field;
    private final String deadLetterTopic;
    private final Duration timeout;

    /**
     * @param client {@code bootstrap.servers} and security settings of the consumer and producer; not modified
     * @param field the event field whose text becomes the key
     */
    ReplayRekey(Map<String, Object> client, FeatureEventSerde features, String field, String deadLetterTopic,
                Duration timeout) {
        this.client = client;
        this.features = features;
        this.field = field;
        this.deadLetterTopic = deadLetterTopic;
        this.timeout = timeout;
    }

    /** The temporary topic of the replay {@code applicationId}. */
    static String topicName(String applicationId) {
        return applicationId + "-rekeyed";
    }

    /** The partition live repartitioning gives {@code key}: Kafka's default partitioner's. */
    static int partitionFor(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /**
     * Copies {@code range} of its topic to {@code target} (which must exist, empty, with
     * {@code range.partitionCount()} partitions), and waits until every record is acknowledged.
     *
     * @param progress told the input records done every few thousand, and finished at the end
     * @throws ReplayException if a record cannot be written or the input cannot be read
     */
    Result copy(ReplayRange range, String target, ProgressBar progress)
            throws InterruptedException, TimeoutException {
        final int partitions = range.partitionCount();
        final long[] written = new long[partitions];
        long deadLettered = 0;
        final long outOfOrder;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(); KafkaProducer<byte[], byte[]> producer = producer()) {
            final List<TopicPartition> tps = new ArrayList<>();
            for (ReplayRange.Partition p : range.partitions()) {
                final TopicPartition tp = new TopicPartition(range.topic(), p.partition());
                tps.add(tp);
            }
            consumer.assign(tps);
            for (ReplayRange.Partition p : range.partitions()) {
                consumer.seek(tps.get(p.partition()), p.start());
            }
            final EventTimeMerge merge = new EventTimeMerge(range, new ConsumerFetcher(consumer, range.topic(),
                    timeout));
            final List<Future<RecordMetadata>> pending = new ArrayList<>();
            ConsumerRecord<byte[], byte[]> r;
            long read = 0;
            while ((r = merge.next()) != null) {
                if (++read % PROGRESS_EVERY == 0) {
                    progress.update(read, System.nanoTime());
                }
                final ProducerRecord<byte[], byte[]> out = rekeyed(r, target, partitions);
                if (out.topic().equals(target)) {
                    written[out.partition()]++;
                } else {
                    deadLettered++;
                }
                pending.add(producer.send(out));
                if (pending.size() >= IN_FLIGHT) {
                    await(pending);
                }
            }
            producer.flush();
            await(pending);
            progress.finish(read, System.nanoTime());
            outOfOrder = merge.outOfOrder();
        }
        LOG.info(String.format(Locale.ROOT, "Replay rekeyed %,d events of %s by '%s' to %s; %,d dead-lettered",
                sum(written), range.topic(), field, target, deadLettered));
        return new Result(written, deadLettered, outOfOrder);
    }

    /** The record to write for input record {@code r}: to {@code target}, or a dead letter. */
    ProducerRecord<byte[], byte[]> rekeyed(ConsumerRecord<byte[], byte[]> r, String target, int partitions) {
        final byte[] key;
        try {
            final FeatureEvent event = r.value() == null ? null : features.deserialize(r.topic(), r.value());
            if (event == null) {
                throw new InvalidEventException("null_value", "the record has a null value (a tombstone); there "
                        + "is nothing to score");
            }
            key = RekeyProcessor.groupKey(event.record(), field);
        } catch (InvalidEventException e) {
            return deadLetter(r, e);
        } catch (RuntimeException e) {
            if (!isBadBytes(e)) {
                throw new ReplayException(String.format(Locale.ROOT, "cannot decode record %s-%d@%d for a reason "
                        + "other than its bytes: %s", r.topic(), r.partition(), r.offset(), e.getMessage()), e);
            }
            return deadLetter(r, e);
        }
        final Headers headers = new RecordHeaders(r.headers().toArray());
        RepartitionHeaders.add(headers, r.key(), r.topic(), r.partition(), r.offset());
        return new ProducerRecord<>(target, partitionFor(key, partitions), r.timestamp(), key, r.value(), headers);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, Exception e) {
        LOG.warn("Dead-lettering record {}-{}@{} ({}): {}", r.topic(), r.partition(), r.offset(),
                DeadLetters.reasonOf(e), e.getMessage());
        return DeadLetters.record(deadLetterTopic, r.key(), r.value(),
                DeadLetters.headers(r.headers(), r.topic(), r.partition(), r.offset(), e, null, null));
    }

    /** As the live deserialization handler decides: the bytes themselves are at fault. */
    private static boolean isBadBytes(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WireFormatException) {
                return true;
            }
        }
        return false;
    }

    private void await(List<Future<RecordMetadata>> pending) throws InterruptedException, TimeoutException {
        try {
            for (Future<RecordMetadata> f : pending) {
                f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw new ReplayException("cannot write the rekeyed events: " + e.getCause().getMessage(), e.getCause());
        }
        pending.clear();
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        final Map<String, Object> props = new HashMap<>(client);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "scorestream-replay-rekey");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaProducer<byte[], byte[]> producer() {
        final Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "scorestream-replay-rekey");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static long sum(long[] values) {
        long n = 0;
        for (long v : values) {
            n += v;
        }
        return n;
    }

    /**
     * Fetches with a consumer assigned every partition: the partitions not wanted are paused, so a
     * poll brings records of those the merge waits for. Fails after {@code timeout} without a record.
     */
    private static final class ConsumerFetcher implements EventTimeMerge.Fetcher {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private final Duration timeout;

        ConsumerFetcher(KafkaConsumer<byte[], byte[]> consumer, String topic, Duration timeout) {
            this.consumer = consumer;
            this.topic = topic;
            this.timeout = timeout;
        }

        @Override
        public List<ConsumerRecord<byte[], byte[]>> fetch(Set<Integer> wanted) throws TimeoutException {
            final List<TopicPartition> pause = new ArrayList<>();
            final List<TopicPartition> resume = new ArrayList<>();
            for (TopicPartition tp : consumer.assignment()) {
                (wanted.contains(tp.partition()) ? resume : pause).add(tp);
            }
            consumer.pause(pause);
            consumer.resume(resume);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (!out.isEmpty()) {
                    return out;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new TimeoutException(String.format(Locale.ROOT, "no record of partitions %s of '%s' "
                            + "within %s", wanted, topic, timeout));
                }
            }
        }
    }
}
