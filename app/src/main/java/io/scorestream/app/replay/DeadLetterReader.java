package io.scorestream.app.replay;

import io.scorestream.topology.errors.DeadLetters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts a replay's dead letters, after the run, from the dead-letter topic itself: every record
 * appended since the replay started (offsets captured before Kafka Streams started), read
 * {@code read_committed} so that dead letters of aborted transactions do not count, whose source
 * (the {@code __streams.errors.*} headers) is a record of the replay's range. Each is handed to the
 * {@link ReplayCollector}, which keeps one per source record and version. Dead letters of other
 * writers to a shared topic are told apart only by their source coordinates: give each replay a
 * dead-letter topic of its own (the default, {@code <out>-dlq}, is).
 *
 * <p>Stateless; the consumer lives within {@link #read}.
 */
final class DeadLetterReader {

    private DeadLetterReader() {
    }

    /**
     * Reads {@code topic} from {@code startOffsets} to its current last stable offset.
     *
     * @param clientProps {@code bootstrap.servers} and security settings; not modified
     * @param startOffsets per partition, the end offset captured before the replay started
     * @return dead letters read that belong to the replay (before de-duplication)
     * @throws ReplayException if the end is not reached within {@code timeout}
     */
    static long read(Map<String, Object> clientProps, String topic, Map<Integer, Long> startOffsets,
                     ReplayCollector collector, Duration timeout) {
        final Map<String, Object> props = new HashMap<>(clientProps);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "scorestream-replay-dead-letters");
        final String input = collector.range().topic();
        long mine = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(tps);
            for (TopicPartition tp : tps) {
                consumer.seek(tp, startOffsets.getOrDefault(tp.partition(), 0L));
            }
            final Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new ReplayException(String.format(Locale.ROOT, "could not read dead-letter topic '%s' to "
                            + "its end offsets %s within %s", topic, end, timeout));
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))
                            || !input.equals(DeadLetters.text(r.headers(), DeadLetters.HEADER_TOPIC))) {
                        continue;
                    }
                    final int partition;
                    final long offset;
                    try {
                        partition = Integer.parseInt(DeadLetters.text(r.headers(), DeadLetters.HEADER_PARTITION));
                        offset = Long.parseLong(DeadLetters.text(r.headers(), DeadLetters.HEADER_OFFSET));
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    final String reason = DeadLetters.text(r.headers(), DeadLetters.HEADER_REASON);
                    final String version = DeadLetters.text(r.headers(), DeadLetters.HEADER_MODEL_VERSION);
                    if (collector.range().contains(partition, offset)) {
                        mine++;
                        collector.deadLettered(partition, offset, version, reason == null ? "unknown" : reason);
                    }
                }
            }
        }
        return mine;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
