package io.scorestream.app.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic (a compacted one, typically: the model topic, the status topic) from the beginning
 * of every partition to the end offsets it had when the read started, as raw records.
 *
 * <p>The read is a one-off scan: it assigns the partitions itself, so it joins no consumer group
 * and commits nothing; it reads {@code read_committed}, so records of aborted or still-open
 * transactions are never seen; records appended after the read started are left out. Stateless;
 * each call creates and closes its own consumer.
 */
final class CompactedTopicReader {

    /** Longest single wait inside the read loop, so that the deadline is checked often. */
    private static final Duration POLL = Duration.ofMillis(200);

    private CompactedTopicReader() {
    }

    /**
     * Reads {@code topic} to its end. Blocks the calling thread for at most about {@code timeout}.
     *
     * @param clientProps Kafka consumer settings: at least {@code bootstrap.servers}, plus whatever
     *     the cluster needs (security settings). Not modified. Group, commit, isolation, offset-reset
     *     and deserializer settings are overridden.
     * @param topic the topic
     * @param what what the topic is, for messages (e.g. {@code "model topic"})
     * @param clientId the consumer's {@code client.id} unless {@code clientProps} sets one
     * @param timeout how long the whole read may take
     * @return every record read, partition by partition in offset order; modifiable, the caller's
     * @throws UnknownTopicOrPartitionException if the topic does not exist (the message names it,
     *     {@code what} and the bootstrap servers)
     * @throws TimeoutException if the topic cannot be read to its end within {@code timeout}; the
     *     message names the topic, the bootstrap servers and the partitions not read to their end
     * @throws IllegalArgumentException if {@code bootstrap.servers} is missing
     */
    static List<ConsumerRecord<byte[], byte[]>> readToEnd(final Map<String, Object> clientProps, final String topic,
            final String what, final String clientId, final Duration timeout) {
        Objects.requireNonNull(clientProps, "clientProps");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(timeout, "timeout");
        final Object bootstrap = clientProps.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.toString().isBlank()) {
            throw new IllegalArgumentException("clientProps must set " + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(clientProps, clientId),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return new Scan(consumer, topic, what, String.valueOf(bootstrap), timeout, deadline).readAll();
        }
    }

    private static Map<String, Object> consumerProps(final Map<String, Object> clientProps, final String clientId) {
        final Map<String, Object> p = new HashMap<>(clientProps);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return p;
    }

    /** One read of the topic to its end offsets; used by a single call of {@link #readToEnd}. */
    private static final class Scan {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private final String what;
        private final String bootstrap;
        private final Duration timeout;
        private final long deadline;
        private final List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();

        Scan(final KafkaConsumer<byte[], byte[]> consumer, final String topic, final String what,
                final String bootstrap, final Duration timeout, final long deadline) {
            this.consumer = consumer;
            this.topic = topic;
            this.what = what;
            this.bootstrap = bootstrap;
            this.timeout = timeout;
            this.deadline = deadline;
        }

        List<ConsumerRecord<byte[], byte[]>> readAll() {
            final List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end;
            try {
                // read_committed: these are the last stable offsets, so an open transaction does
                // not make the read wait for it.
                end = consumer.endOffsets(partitions, remaining());
            } catch (TimeoutException e) {
                throw timedOut("the end offsets were not known", e);
            }
            final Set<TopicPartition> pending = new HashSet<>(partitions);
            removeFinished(pending, end);
            while (!pending.isEmpty()) {
                if (System.nanoTime() - deadline >= 0) {
                    throw timedOut(progress(pending, end), null);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollTime())) {
                    final TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    // Records appended after the read started are not part of this read.
                    if (r.offset() < end.get(tp)) {
                        read.add(r);
                    }
                }
                removeFinished(pending, end);
            }
            return read;
        }

        private List<TopicPartition> partitions() {
            final List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, remaining());
            } catch (TimeoutException e) {
                throw timedOut("its partitions were not known (is the broker reachable?)", e);
            }
            if (infos == null || infos.isEmpty()) {
                throw new UnknownTopicOrPartitionException(String.format(Locale.ROOT,
                        "%s '%s' does not exist on %s", what, topic, bootstrap));
            }
            final List<TopicPartition> partitions = new ArrayList<>(infos.size());
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            partitions.sort(Comparator.comparingInt(TopicPartition::partition));
            return partitions;
        }

        /** Drops the partitions read to their end offset from {@code pending}, and pauses them. */
        private void removeFinished(final Set<TopicPartition> pending, final Map<TopicPartition, Long> end) {
            final List<TopicPartition> finished = new ArrayList<>();
            for (TopicPartition tp : pending) {
                final long position;
                try {
                    position = consumer.position(tp, remaining());
                } catch (TimeoutException e) {
                    throw timedOut(progress(pending, end), e);
                }
                if (position >= end.get(tp)) {
                    finished.add(tp);
                }
            }
            if (!finished.isEmpty()) {
                pending.removeAll(finished);
                consumer.pause(finished);
            }
        }

        private String progress(final Set<TopicPartition> pending, final Map<TopicPartition, Long> end) {
            final StringBuilder s = new StringBuilder("partitions not read to their end (partition: position/end):");
            pending.stream().sorted(Comparator.comparingInt(TopicPartition::partition)).forEach(tp -> {
                String position;
                try {
                    position = Long.toString(consumer.position(tp, Duration.ZERO));
                } catch (RuntimeException e) {
                    position = "?";
                }
                s.append(' ').append(tp.partition()).append(": ").append(position).append('/').append(end.get(tp));
            });
            return s.append("; ").append(read.size()).append(" records read").toString();
        }

        private TimeoutException timedOut(final String detail, final Throwable cause) {
            final String message = String.format(Locale.ROOT, "Could not read %s '%s' from %s within %s: %s", what,
                    topic, bootstrap, timeout, detail);
            return cause == null ? new TimeoutException(message) : new TimeoutException(message, cause);
        }

        private Duration remaining() {
            return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        }

        private Duration pollTime() {
            final Duration left = remaining();
            return left.compareTo(POLL) < 0 ? left : POLL;
        }
    }
}
