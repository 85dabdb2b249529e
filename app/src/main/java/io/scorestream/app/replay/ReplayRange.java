package io.scorestream.app.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The offsets a replay covers, per partition of its input topic: {@code [start, end)}, fixed when
 * the replay starts. Immutable and thread-safe; {@link #contains} is called once per record on the
 * stream threads and allocates nothing.
 *
 * <p>{@code end} is the partition's last stable offset when the replay started (what a
 * {@code read_committed} consumer could read then), or the first offset at or after {@code --to}.
 * {@code done} is one past the offset of the last record below {@code end}: the committed offset
 * that proves every record of the range was processed. It differs from {@code end} when the range
 * ends in transaction markers or records of aborted transactions, which a consumer skips and which
 * Kafka Streams may never commit past.
 */
final class ReplayRange {

    /**
     * One partition's range.
     *
     * @param start first offset replayed
     * @param end first offset not replayed
     * @param done one past the last record below {@code end}; {@code start} when there is none
     */
    public record Partition(int partition, long start, long end, long done) {

        public Partition {
            if (start < 0 || end < start || done < start || done > end) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "partition %d: need 0 <= start <= done <= end, got start %d, done %d, end %d", partition,
                        start, done, end));
            }
        }

        /** Offsets in the range (records, unless it holds transaction markers or compacted gaps). */
        public long offsets() {
            return end - start;
        }
    }

    private final String topic;
    private final List<Partition> partitions;
    private final long[] start;
    private final long[] end;

    /**
     * @param partitions one per partition of the topic, partition {@code i} at index {@code i}
     */
    public ReplayRange(String topic, List<Partition> partitions) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partitions = List.copyOf(partitions);
        this.start = new long[partitions.size()];
        this.end = new long[partitions.size()];
        for (int i = 0; i < this.partitions.size(); i++) {
            final Partition p = this.partitions.get(i);
            if (p.partition() != i) {
                throw new IllegalArgumentException("partition " + p.partition() + " given at index " + i);
            }
            start[i] = p.start();
            end[i] = p.end();
        }
    }

    public String topic() {
        return topic;
    }

    /** Per partition, in partition order. */
    public List<Partition> partitions() {
        return partitions;
    }

    public int partitionCount() {
        return partitions.size();
    }

    public Partition partition(int partition) {
        return partitions.get(partition);
    }

    /** Whether the record at {@code partition}/{@code offset} of the input topic is replayed. */
    public boolean contains(int partition, long offset) {
        return partition >= 0 && partition < start.length && offset >= start[partition] && offset < end[partition];
    }

    /** Sum of {@link Partition#offsets()}. */
    public long offsets() {
        long n = 0;
        for (Partition p : partitions) {
            n += p.offsets();
        }
        return n;
    }

    /** Offsets to process until every partition is {@link Partition#done() done}: the progress bar's total. */
    public long workOffsets() {
        long n = 0;
        for (Partition p : partitions) {
            n += p.done() - p.start();
        }
        return n;
    }

    /**
     * Resolves {@code from}/{@code to} to offsets on the cluster.
     *
     * <p>Start: the earliest offset, or the offset of the first record whose timestamp is at or
     * after {@code from} (a partition without such a record starts at its end: nothing of it is
     * replayed). End: the last stable offset now, or the offset of the first record at or after
     * {@code to} if that is lower. As with Kafka's {@code offsetsForTimes}, a partition whose
     * timestamps go back and forth is cut at the first record at or after each time.
     *
     * <p>The broker's time index answers first; its answer is checked against the record found
     * there. It can be wrong on a transactional topic: a commit marker carries the wall-clock time
     * of its commit, so on a topic of older event times (a backfill, another application's output)
     * the broker answers with the first marker for any earlier time. The first record there then
     * lies before the time, and the partition is searched by bisection over its records'
     * timestamps, assuming they do not decrease within the partition.
     *
     * @param admin used for the partition list and offsets; not closed
     * @param consumerProps settings of a short-lived consumer that checks the times and finds each
     *     range's last record ({@code bootstrap.servers} and security settings); not modified
     * @throws ExecutionException if the cluster refuses (e.g. the topic does not exist)
     * @throws TimeoutException if the offsets cannot be resolved within {@code timeout}
     */
    public static ReplayRange resolve(Admin admin, Map<String, Object> consumerProps, String topic, Instant from,
                                      Instant to, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        final int count = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions().size();
        final List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        final Map<TopicPartition, Long> latest = list(admin, tps, OffsetSpec.latest(), timeout);
        final Map<TopicPartition, Long> earliest = list(admin, tps, OffsetSpec.earliest(), timeout);
        final Map<TopicPartition, Long> fromGuess = from == null ? earliest
                : list(admin, tps, OffsetSpec.forTimestamp(from.toEpochMilli()), timeout);
        final Map<TopicPartition, Long> toGuess = to == null ? latest
                : list(admin, tps, OffsetSpec.forTimestamp(to.toEpochMilli()), timeout);
        final List<Partition> partitions = new ArrayList<>(count);
        try (Reader reader = new Reader(consumerProps, timeout)) {
            for (TopicPartition tp : tps) {
                final long stable = latest.get(tp);
                final long low = earliest.get(tp);
                long start = from == null ? low : reader.firstAtOrAfter(tp, fromGuess.get(tp), low, stable,
                        from.toEpochMilli());
                long end = to == null ? stable : reader.firstAtOrAfter(tp, toGuess.get(tp), low, stable,
                        to.toEpochMilli());
                // -1: no record at or after the time; the partition contributes nothing beyond its end.
                start = start < 0 ? stable : start;
                end = end < 0 ? stable : Math.max(start, end);
                final long last = reader.lastRecordBefore(tp, start, end);
                partitions.add(new Partition(tp.partition(), start, end, last < 0 ? start : last + 1));
            }
        }
        return new ReplayRange(topic, partitions);
    }

    private static Map<TopicPartition, Long> list(Admin admin, List<TopicPartition> tps, OffsetSpec spec,
                                                  Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicPartition tp : tps) {
            request.put(tp, spec);
        }
        final Map<TopicPartition, ListOffsetsResultInfo> infos = admin
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        final Map<TopicPartition, Long> offsets = new HashMap<>();
        infos.forEach((tp, info) -> offsets.put(tp, info.offset()));
        return offsets;
    }

    /**
     * Reads single records of the input ({@code read_committed}: aborted records and markers are
     * never seen) to check and search offsets. Owns its consumer; single-threaded.
     */
    private static final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Duration timeout;
        private final long deadline;

        Reader(Map<String, Object> consumerProps, Duration timeout) {
            final Map<String, Object> props = new HashMap<>(consumerProps);
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
            props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "scorestream-replay-range");
            this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.timeout = timeout;
            this.deadline = System.nanoTime() + timeout.toNanos();
        }

        /**
         * The offset of the first record in {@code [low, end)} whose timestamp is at least
         * {@code time}, or -1; {@code guess} is the broker's answer (see {@link #resolve}).
         */
        long firstAtOrAfter(TopicPartition tp, long guess, long low, long end, long time) throws TimeoutException {
            if (guess < 0 || guess >= end) {
                return -1;
            }
            final ConsumerRecord<byte[], byte[]> there = first(tp, Math.max(low, guess), end);
            if (there == null) {
                return -1;
            }
            if (there.timestamp() >= time) {
                // Every batch before the broker's answer is older than the time: this is the first.
                return there.offset();
            }
            // The answer was a marker's: bisect the records after it, whose timestamps lie below
            // the time up to some offset and at or above it from there on.
            long lo = there.offset() + 1;
            long hi = end;
            long found = -1;
            while (lo < hi) {
                final long mid = lo + (hi - lo) / 2;
                final ConsumerRecord<byte[], byte[]> r = first(tp, mid, hi);
                if (r == null || r.timestamp() >= time) {
                    if (r != null) {
                        found = r.offset();
                    }
                    hi = mid;
                } else {
                    lo = r.offset() + 1;
                }
            }
            return found;
        }

        /**
         * The offset of the last record in {@code [start, end)}, or -1 if there is none (only
         * markers or aborted records): reads the range's tail, a window growing eightfold until a
         * record turns up or the window covers the whole range.
         */
        long lastRecordBefore(TopicPartition tp, long start, long end) throws TimeoutException {
            if (end <= start) {
                return -1;
            }
            consumer.assign(List.of(tp));
            long window = 16;
            while (true) {
                final long from = Math.max(start, end - window);
                consumer.seek(tp, from);
                long last = -1;
                while (consumer.position(tp) < end) {
                    checkDeadline(tp, from, end);
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.offset() < end) {
                            last = Math.max(last, r.offset());
                        }
                    }
                }
                if (last >= 0 || from == start) {
                    return last;
                }
                window *= 8;
            }
        }

        /** The first record at or after {@code offset} and before {@code end}, or null. */
        private ConsumerRecord<byte[], byte[]> first(TopicPartition tp, long offset, long end) throws TimeoutException {
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            while (consumer.position(tp) < end) {
                checkDeadline(tp, offset, end);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= offset) {
                        return r.offset() < end ? r : null;
                    }
                }
            }
            return null;
        }

        private void checkDeadline(TopicPartition tp, long from, long end) throws TimeoutException {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException(String.format(Locale.ROOT, "could not read partition %d of '%s' "
                        + "(offsets %d to %d) within %s", tp.partition(), tp.topic(), from, end, timeout));
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder(topic).append(' ');
        for (Partition p : partitions) {
            s.append(String.format(Locale.ROOT, "[%d: %d..%d)", p.partition(), p.start(), p.end()));
        }
        return s.toString();
    }
}
