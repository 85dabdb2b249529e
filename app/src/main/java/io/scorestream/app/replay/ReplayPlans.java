package io.scorestream.app.replay;

import io.scorestream.inference.ScoringModel;
import io.scorestream.topology.processor.BatchPlan;
import io.scorestream.topology.processor.ModelPlans;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ModelPlans} of a replay: every batch gets the same lanes (the {@link ReplayModels}),
 * and a {@link Routing} picks the lanes of each record (all of them to compare versions side by
 * side; the version live at the record's time for an as-of replay). Only records inside the
 * {@link ReplayRange} are accepted; the rest are skipped without output.
 *
 * <p>It asks the scoring processor for {@linkplain #fixedSizeRuns() fixed-size runs}: every batch is
 * scored padded to {@code --batch-max-records} rows, so a score cannot depend on how many records a
 * flush happened to find (ONNX Runtime may take another kernel path for another row count).
 *
 * <p>For the stop rule it counts the batches open now ({@link #openBatches()}: a plan is open from
 * {@link #open()} until its {@link BatchPlan#close()}) and ever opened ({@link #openedBatches()}).
 *
 * <p>Thread-safe: shared by the stream tasks; each plan is used by its task's thread.
 */
final class ReplayPlans implements ModelPlans {

    /** Which lanes score a record. Immutable and thread-safe. */
    interface Routing {

        /** Bit mask of the lanes scoring a record with this key and timestamp; 0 for none. */
        int route(byte[] key, long timestamp);

        /** Reason tag and message for a record {@link #route} gave no lane. */
        String[] unroutedReason(long timestamp);
    }

    /** Every record to every lane: versions side by side. */
    static Routing allLanes(int lanes) {
        if (lanes < 1 || lanes > BatchPlan.MAX_LANES) {
            throw new IllegalArgumentException("1 to " + BatchPlan.MAX_LANES + " lanes, got " + lanes);
        }
        final int mask = (1 << lanes) - 1; // 31 lanes: Integer.MAX_VALUE
        return new Routing() {
            @Override
            public int route(byte[] key, long timestamp) {
                return mask;
            }

            @Override
            public String[] unroutedReason(long timestamp) {
                throw new IllegalStateException("every record is routed to every lane");
            }
        };
    }

    /**
     * Each record to the lane of the version live at its timestamp.
     *
     * @param stableLane per period of {@code timeline}: the stable version's lane; {@link #NONE} for a
     *     tombstone; {@link #NOT_LOADED} when the period lies outside the replayed time range and its
     *     version was not loaded
     * @param canaryLane per period: the canary's lane, {@link #NONE} without a canary, or {@link #NOT_LOADED}
     */
    static Routing asOf(AsOfTimeline timeline, int[] stableLane, int[] canaryLane, String modelTopic) {
        return new AsOfRouting(timeline, stableLane.clone(), canaryLane.clone(), modelTopic);
    }

    /** No lane (tombstone, no canary). */
    static final int NONE = -1;
    /** A version not loaded for this replay. */
    static final int NOT_LOADED = -2;

    private final ReplayModels models;
    private final Routing routing;
    private final ReplayRange range;
    private final ReplayCollector collector;
    private final String description;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong opened = new AtomicLong();

    /**
     * @param collector told about every accepted record ({@link ReplayCollector#markRead})
     * @param description what is replayed, for messages
     */
    ReplayPlans(ReplayModels models, Routing routing, ReplayRange range, ReplayCollector collector,
                String description) {
        this.models = Objects.requireNonNull(models, "models");
        this.routing = Objects.requireNonNull(routing, "routing");
        this.range = Objects.requireNonNull(range, "range");
        this.collector = Objects.requireNonNull(collector, "collector");
        this.description = Objects.requireNonNull(description, "description");
        if (models.lanes() < 1 || models.lanes() > BatchPlan.MAX_LANES) {
            throw new IllegalArgumentException("a replay needs 1 to " + BatchPlan.MAX_LANES + " lanes, got "
                    + models.lanes());
        }
    }

    @Override
    public BatchPlan open() {
        opened.incrementAndGet();
        open.incrementAndGet();
        return new Plan();
    }

    @Override
    public boolean accepts(String topic, int partition, long offset) {
        if (range.topic().equals(topic) && range.contains(partition, offset)) {
            collector.markRead(partition, offset);
            return true;
        }
        return false;
    }

    /** Always: a replay's scores must not depend on how its batches happened to be cut. */
    @Override
    public boolean fixedSizeRuns() {
        return true;
    }

    @Override
    public String describe() {
        return description;
    }

    /** Batches open now: plans handed out and not yet closed. */
    int openBatches() {
        return open.get();
    }

    /** Plans handed out since the start. */
    long openedBatches() {
        return opened.get();
    }

    private final class Plan implements BatchPlan {
        private boolean closed;

        @Override
        public int lanes() {
            return models.lanes();
        }

        @Override
        public ScoringModel model(int lane) {
            return models.model(lane);
        }

        @Override
        public String role(int lane) {
            return models.role(lane);
        }

        @Override
        public boolean isShadow(int lane) {
            return false;
        }

        @Override
        public int comparedWith(int lane) {
            // Versions side by side are compared in the report, on all records; no per-batch hook needed.
            return -1;
        }

        @Override
        public int route(byte[] key, long timestamp) {
            return routing.route(key, timestamp);
        }

        @Override
        public String[] unroutedReason(long timestamp) {
            return routing.unroutedReason(timestamp);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
            }
        }
    }

    private record AsOfRouting(AsOfTimeline timeline, int[] stableLane, int[] canaryLane, String modelTopic)
            implements Routing {

        @Override
        public int route(byte[] key, long timestamp) {
            final int i = timeline.indexAt(timestamp);
            if (i < 0) {
                return 0;
            }
            final int lane = timeline.periods().get(i).routesToCanary(key) ? canaryLane[i] : stableLane[i];
            return lane < 0 ? 0 : 1 << lane;
        }

        @Override
        public String[] unroutedReason(long timestamp) {
            final int i = timeline.indexAt(timestamp);
            if (i < 0 || stableLane[i] == NONE) {
                return new String[] {"no_model_as_of", timeline.whyNothingLive(timestamp, modelTopic)};
            }
            return new String[] {"as_of_version_not_loaded", "the version of model '" + timeline.name()
                    + "' live at " + Instant.ofEpochMilli(timestamp) + " was not loaded: its period lies "
                    + "outside --from/--to (the record's timestamp is out of order); replay a wider time range"};
        }
    }
}
