package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The merge of a replay of a repartitioned pipeline: (timestamp, partition, offset) order, streaming. */
class EventTimeMergeTest {

    private static final String TOPIC = "events";

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, long timestamp) {
        return new ConsumerRecord<>(TOPIC, partition, offset, timestamp, TimestampType.CREATE_TIME, 0, 0, null,
                null, new RecordHeaders(), Optional.empty());
    }

    /**
     * Serves each partition's records in chunks of 0 to {@code maxChunk}, only of the partitions
     * asked for, and records how many were handed out.
     */
    private static final class ChunkedFetcher implements EventTimeMerge.Fetcher {
        private final List<List<ConsumerRecord<byte[], byte[]>>> partitions;
        private final int[] position;
        private final Random random;
        private final int maxChunk;
        final Set<Integer> askedFor = new HashSet<>();
        long delivered;

        ChunkedFetcher(List<List<ConsumerRecord<byte[], byte[]>>> partitions, long seed, int maxChunk) {
            this.partitions = partitions;
            this.position = new int[partitions.size()];
            this.random = new Random(seed);
            this.maxChunk = maxChunk;
        }

        @Override
        public List<ConsumerRecord<byte[], byte[]>> fetch(Set<Integer> wanted) {
            askedFor.addAll(wanted);
            final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            for (int p : wanted) {
                final List<ConsumerRecord<byte[], byte[]>> all = partitions.get(p);
                final int n = Math.min(random.nextInt(maxChunk + 1), all.size() - position[p]);
                out.addAll(all.subList(position[p], position[p] + n));
                position[p] += n;
            }
            delivered += out.size();
            return out;
        }
    }

    private static ReplayRange wholeRange(List<List<ConsumerRecord<byte[], byte[]>>> partitions) {
        final List<ReplayRange.Partition> ranges = new ArrayList<>();
        for (int p = 0; p < partitions.size(); p++) {
            final int n = partitions.get(p).size();
            ranges.add(new ReplayRange.Partition(p, 0, n, n));
        }
        return new ReplayRange(TOPIC, ranges);
    }

    private static List<ConsumerRecord<byte[], byte[]>> drain(EventTimeMerge merge) throws Exception {
        final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        ConsumerRecord<byte[], byte[]> r;
        while ((r = merge.next()) != null) {
            out.add(r);
        }
        return out;
    }

    private static String where(ConsumerRecord<byte[], byte[]> r) {
        return r.timestamp() + "/" + r.partition() + "@" + r.offset();
    }

    @Test
    void partitionsInTimeOrderComeOutInTimestampThenPartitionThenOffsetOrder() throws Exception {
        // given: 3 partitions of 2 000 records each, each partition in time order, with many equal
        // timestamps within and across partitions
        final Random random = new Random(7);
        final List<List<ConsumerRecord<byte[], byte[]>>> partitions = new ArrayList<>();
        final List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long t = 1_000;
            for (int o = 0; o < 2_000; o++) {
                t += random.nextInt(3);
                records.add(record(p, o, t));
            }
            partitions.add(records);
            all.addAll(records);
        }

        // when: merged, the records arriving in random chunks
        final EventTimeMerge merge = new EventTimeMerge(wholeRange(partitions), new ChunkedFetcher(partitions, 11, 40));
        final List<ConsumerRecord<byte[], byte[]>> merged = drain(merge);

        // then: every record once, sorted by (timestamp, partition, offset)
        all.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingLong(ConsumerRecord::timestamp)
                .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        assertEquals(all.stream().map(EventTimeMergeTest::where).toList(),
                merged.stream().map(EventTimeMergeTest::where).toList());
        assertEquals(0, merge.outOfOrder());
    }

    @Test
    void aRecordOutOfOrderInItsPartitionStaysAfterItsPartitionsEarlierRecords() throws Exception {
        // given: partition 0 holds t=10 then t=5; partition 1 holds t=7 and t=5
        final List<List<ConsumerRecord<byte[], byte[]>>> partitions = List.of(
                List.of(record(0, 0, 10), record(0, 1, 5)),
                List.of(record(1, 0, 7), record(1, 1, 5)));

        // when
        final EventTimeMerge merge = new EventTimeMerge(wholeRange(partitions), new ChunkedFetcher(partitions, 3, 2));
        final List<ConsumerRecord<byte[], byte[]>> merged = drain(merge);

        // then: the heads decide; each partition keeps its offset order
        assertEquals(List.of("7/1@0", "5/1@1", "10/0@0", "5/0@1"),
                merged.stream().map(EventTimeMergeTest::where).toList());
        assertEquals(2, merge.outOfOrder(), "two records stamped earlier than their partition's previous one");
    }

    @Test
    void holdsNoMoreThanOneFetchPerPartitionWhateverTheRangeSize() throws Exception {
        // given: 4 partitions of 5 000 records, fetched at most 50 at a time per partition
        final List<List<ConsumerRecord<byte[], byte[]>>> partitions = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int o = 0; o < 5_000; o++) {
                records.add(record(p, o, o * 4L + p));
            }
            partitions.add(records);
        }
        final ChunkedFetcher fetcher = new ChunkedFetcher(partitions, 5, 50);
        final EventTimeMerge merge = new EventTimeMerge(wholeRange(partitions), fetcher);

        // when: drained one by one, counting what was fetched but not handed out yet
        long returned = 0;
        long mostHeld = 0;
        while (merge.next() != null) {
            returned++;
            mostHeld = Math.max(mostHeld, fetcher.delivered - returned);
        }

        // then: all of them, and never more held than one chunk per partition
        assertEquals(20_000, returned);
        assertTrue(mostHeld <= 4 * 50, "records held at once: " + mostHeld);
    }

    @Test
    void keepsToTheRangeAndNeverFetchesAnEmptyPartition() throws Exception {
        // given: partition 0's range is offsets 2..5 (the fetcher also serves 0, 1 and 5), partition 1's is empty
        final List<List<ConsumerRecord<byte[], byte[]>>> partitions = List.of(
                List.of(record(0, 0, 1), record(0, 1, 2), record(0, 2, 3), record(0, 3, 4), record(0, 4, 5),
                        record(0, 5, 6)),
                List.of(record(1, 0, 0)));
        final ReplayRange range = new ReplayRange(TOPIC, List.of(new ReplayRange.Partition(0, 2, 5, 5),
                new ReplayRange.Partition(1, 1, 1, 1)));
        final ChunkedFetcher fetcher = new ChunkedFetcher(partitions, 1, 3);

        // when
        final List<ConsumerRecord<byte[], byte[]>> merged = drain(new EventTimeMerge(range, fetcher));

        // then
        assertEquals(List.of("3/0@2", "4/0@3", "5/0@4"), merged.stream().map(EventTimeMergeTest::where).toList());
        assertFalse(fetcher.askedFor.contains(1), "asked for the empty partition");
        assertNull(new EventTimeMerge(new ReplayRange(TOPIC, List.of(new ReplayRange.Partition(0, 3, 3, 3))),
                wanted -> {
                    throw new AssertionError("fetched " + wanted);
                }).next());
    }

    @Test
    void aFetcherThatCannotReadFailsTheMerge() {
        final ReplayRange range = new ReplayRange(TOPIC, List.of(new ReplayRange.Partition(0, 0, 2, 2)));
        final TimeoutException e = assertThrows(TimeoutException.class, () -> new EventTimeMerge(range, wanted -> {
            throw new TimeoutException("no record of partitions " + wanted);
        }).next());
        assertEquals("no record of partitions [0]", e.getMessage());
    }
}
