package io.scorestream.app.replay;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The records of a replay's range, from every partition of its input, as one sequence: a streaming
 * k-way merge that always takes, among each partition's next record, the one with the smallest
 * {@code (timestamp, partition, offset)}.
 *
 * <p><b>The order.</b> Each partition's records keep their offset order; across partitions, the
 * earlier timestamp goes first, and equal timestamps go by partition number, then offset. When every
 * partition is in event-time order (as a topic produced in event-time order is), the result is the
 * events in event-time order, ties broken by partition then offset. A record stamped earlier than
 * one before it in its own partition (out of order where it was written) stays after it, as it
 * would reach a live task; the aggregates then treat it as out of order (it sees no later bucket).
 *
 * <p><b>Memory.</b> Only the records fetched and not yet handed out are held: a partition is fetched
 * only when it has none left, so at most about one fetch per partition ({@code max.poll.records})
 * waits, however large the range.
 *
 * <p>Single-threaded; it does not own the {@link Fetcher}.
 */
final class EventTimeMerge {

    /** Where the records come from: a consumer of the input in a replay, lists in tests. */
    interface Fetcher {

        /**
         * Some further records of some of {@code wanted} partitions (records of others are allowed
         * too): each partition's in offset order, continuing where the previous ones of that
         * partition ended. May be empty (nothing arrived in time); called again then.
         *
         * @throws TimeoutException if the records cannot be read (the merge fails)
         */
        List<ConsumerRecord<byte[], byte[]>> fetch(Set<Integer> wanted) throws TimeoutException, InterruptedException;
    }

    private final ReplayRange range;
    private final Fetcher fetcher;
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>>[] queues;
    /** Per partition, whether every record of its range has been fetched. */
    private final boolean[] fetched;
    private final Set<Integer> wanted = new LinkedHashSet<>();
    /** Per partition, the largest timestamp added so far. */
    private final long[] newest;
    private long outOfOrder;

    /**
     * @param range the offsets to merge, per partition: from {@code start}, the records below
     *     {@code end}; a partition is complete once its record at {@code done - 1} arrived
     */
    @SuppressWarnings("unchecked")
    EventTimeMerge(ReplayRange range, Fetcher fetcher) {
        this.range = Objects.requireNonNull(range, "range");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        final int n = range.partitionCount();
        this.queues = new ArrayDeque[n];
        this.fetched = new boolean[n];
        this.newest = new long[n];
        Arrays.fill(newest, Long.MIN_VALUE);
        for (int p = 0; p < n; p++) {
            queues[p] = new ArrayDeque<>();
            final ReplayRange.Partition r = range.partition(p);
            fetched[p] = r.done() <= r.start();
        }
    }

    /**
     * The next record in merge order, or null when every record of the range has been returned.
     *
     * @throws TimeoutException if the fetcher cannot read
     */
    ConsumerRecord<byte[], byte[]> next() throws TimeoutException, InterruptedException {
        while (true) {
            wanted.clear();
            for (int p = 0; p < queues.length; p++) {
                if (queues[p].isEmpty() && !fetched[p]) {
                    wanted.add(p);
                }
            }
            if (wanted.isEmpty()) {
                break;
            }
            for (ConsumerRecord<byte[], byte[]> r : fetcher.fetch(Set.copyOf(wanted))) {
                add(r);
            }
        }
        int best = -1;
        ConsumerRecord<byte[], byte[]> head = null;
        for (int p = 0; p < queues.length; p++) {
            final ConsumerRecord<byte[], byte[]> r = queues[p].peekFirst();
            // Partitions are scanned in increasing number, so a tie on the timestamp keeps the lower one.
            if (r != null && (head == null || r.timestamp() < head.timestamp())) {
                head = r;
                best = p;
            }
        }
        return best < 0 ? null : queues[best].pollFirst();
    }

    /**
     * Records so far stamped earlier than a record before them in their own partition: they keep
     * their partition's order, so for them the merged order is not event-time order.
     */
    long outOfOrder() {
        return outOfOrder;
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        final int p = r.partition();
        if (p < 0 || p >= queues.length || fetched[p]) {
            return;
        }
        final ReplayRange.Partition bounds = range.partition(p);
        if (r.offset() < bounds.start()) {
            return;
        }
        if (r.offset() < bounds.end()) {
            queues[p].addLast(r);
            if (r.timestamp() < newest[p]) {
                outOfOrder++;
            } else {
                newest[p] = r.timestamp();
            }
        }
        if (r.offset() >= bounds.done() - 1) {
            fetched[p] = true;
        }
    }
}
