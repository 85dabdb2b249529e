package io.scorestream.topology.processor;

import io.scorestream.inference.BatchScorer;
import io.scorestream.inference.FeatureException;
import io.scorestream.inference.ScoredBatch;
import io.scorestream.inference.ScoringException;
import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.serde.WireFormatException;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.errors.InvalidEventException;
import io.scorestream.topology.errors.NoLiveModelException;
import io.scorestream.topology.serde.FeatureEvent;
import io.scorestream.topology.serde.FeatureEventSerde;
import io.scorestream.topology.serde.LazyRecord;
import io.scorestream.schemas.serde.AvroCursor;
import io.scorestream.schemas.serde.WireFormat;
import io.scorestream.topology.features.AggregateException;
import io.scorestream.topology.features.FeatureEngine;
import io.scorestream.topology.features.FeatureStore;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.utils.Bytes;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.processor.internals.SinkNode;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers feature events per stream task and scores them in micro-batches: one ONNX Runtime run
 * per flush. Flushes when {@code batch.max.records} are buffered, or when the oldest buffered
 * record has waited {@code batch.max.wait.ms} of wall-clock time; with a wait of 0 it flushes
 * whatever one poll loop delivered (a 1 ms wall-clock punctuator fires between poll loops).
 *
 * <p>Each score keeps its input's key, timestamp and headers, adds the model name, version and role
 * as headers, and is forwarded in arrival order, so per-key order holds. A batch is bound to the
 * {@link BatchPlan} taken when its first record arrived (the versions live then: stable, and a
 * candidate during a rollout) and is scored with it even if a promotion, a rollback or a new
 * version is published meanwhile; the next batch uses the new arrangement. Each version of the
 * plan ("lane") scores the records routed to it in one run: a canary the keys it owns, a shadow
 * every record (its scores go to the shadow topic and are compared with the stable ones).
 *
 * <p>When the {@link ModelPlans} ask for {@linkplain ModelPlans#fixedSizeRuns() fixed-size runs} (a
 * replay does), every lane's run is padded to {@code batch.max.records} rows, so no score depends on
 * how many records a flush happened to find; live scoring runs just the rows it has.
 *
 * <p>Where the open batch lives until it is scored: with {@link ScoringSettings#flushAtCommit()}
 * ({@code batch.flush.at.commit}), in this processor's memory only, and it is scored and forwarded when
 * Kafka Streams prepares the task's commit (the buffer store's {@link CommitHookedBufferStore
 * pre-commit hook}), so no record whose offset commits is left unscored; otherwise every buffered
 * record is also written to the changelogged buffer store (see the comment of {@code store}).
 *
 * <p>Pipelined ({@link ScoringSettings#pipelined()}, with the flush at the commit): a batch that
 * fills up or whose wait is up has its model runs started on an {@linkplain InferenceThreads
 * inference thread} and is parked while the next batch fills; its scores and dead letters are
 * forwarded on the stream thread, in arrival order, at the first punctuation after its runs are
 * done, and at the latest before anything of a later batch is forwarded and before the commit.
 * Batches flushed by a commit or a drain of held records are run on the stream thread.
 *
 * <p>While the pipeline's model has no live version (none published yet, or the last one retired),
 * records are not scored, dead-lettered or dropped: they are <em>held</em>, in arrival order, in
 * the same changelogged store as the batch (slots past the batch's; when flushing at the commit,
 * written there when the task prepares its commit), and scored before anything
 * newer as soon as a version is live. Holding never blocks the stream thread. Whoever runs the
 * topology is expected to pause its input meanwhile (the application pauses the pipeline's Kafka
 * Streams client), so only what was already fetched is held; past
 * {@link ScoringSettings#maxHeldRecords()} the processor fails with a {@link NoLiveModelException}.
 *
 * <p>A record that cannot feed the model (NaN, a null without default, ...) is rejected at
 * {@link #process} by throwing, so Kafka Streams' processing exception handler dead-letters it
 * with its own source coordinates; it never enters the buffer.
 *
 * <p>Per scored record, this processor allocates no score object of its own: when its score
 * children are Kafka Streams sink nodes it forwards one reused {@code ScoreResult}, which the sink's
 * serializer encodes inside {@code forward} (the bytes are the only per-record copy), and
 * {@link ScoringObserver#onScore} may read it during the call only. Each score still gets its own
 * {@code Record} and header list, as the producer keeps those.
 *
 * <p>Not thread-safe: Kafka Streams gives each task its own instance.
 */
public final class ScoringProcessor implements Processor<byte[], FeatureEvent, byte[], Object> {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringProcessor.class);

    /** Header carrying the model name on every score. */
    public static final String HEADER_MODEL_NAME = "scorestream.model.name";
    /** Header carrying the model version on every score. */
    public static final String HEADER_MODEL_VERSION = "scorestream.model.version";
    /** Header carrying the role of the version that scored ({@code stable}, {@code canary}, {@code shadow}). */
    public static final String HEADER_MODEL_ROLE = "scorestream.model.role";

    /** Slot of the buffer store that holds the current epoch. */
    static final int EPOCH_SLOT = -1;

    private final ScoringSettings settings;
    private final ModelPlans plans;
    private final FeatureEventSerde featureSerde;
    private final ScoringObserver observer;
    private final String storeName;
    private final String featuresStoreName;
    private final String scoresChild;
    private final String shadowChild;
    private final String deadLetterChild;

    private ProcessorContext<byte[], Object> context;
    /*
     * Why buffered records are never lost nor scored twice: the buffer lives in a changelogged
     * store. Every buffered record is written to it (slot = its index in the batch) before
     * process() returns, so it is part of the same commit as its input offset; a flush bumps the
     * store's epoch, which invalidates every slot at once, in the same commit as the forwarded
     * scores. Under exactly_once_v2 the store's changelog, the input offsets and the scores commit
     * in one transaction: after a crash the restored store holds exactly the records whose offsets
     * were committed but whose scores were not, and init() re-queues them (they are scored before
     * any new record of the task). That is the way without flushAtCommit. Caching on the store
     * coalesces slot rewrites between commits, so the changelog carries at most one entry per slot
     * per commit interval.
     *
     * With flushAtCommit, the other way is taken: Kafka Streams calls the buffer store's
     * CachedStateStore#flushCache() (StreamTask.prepareCommit -> flush -> ProcessorStateManager
     * .flushCache) before it flushes the record collector and commits the offsets and transaction,
     * also for the commit of a revoked or closing task; the store calls prepareCommit() below, which
     * scores the open batch and forwards its scores and dead letters into that same commit. Nothing
     * of the batch is written to the store. A crash before the commit loses the in-memory batch and
     * the uncommitted offsets together, so its input is processed again. Held records (no live
     * version: they cannot be scored at the commit) are written to the store, under the current
     * epoch, in prepareCommit(), so they commit with their offsets and are restored as before; the
     * store has no record cache then, so those writes reach the changelog inside this commit.
     */
    private KeyValueStore<Integer, byte[]> store;
    /** The buffer store's pre-commit hook when flushing at the commit; null: every buffered record is written to the store. */
    private CommitHookedBufferStore hooked;
    /** This processor's node, to forward from the pre-commit hook (null outside Kafka Streams' own contexts). */
    private ProcessorNode<?, ?, ?, ?> node;
    /**
     * Flushing at the commit: whether the store may hold records under the current epoch (restored or
     * held ones); the epoch is bumped (a store write) only then, so the normal path writes nothing.
     */
    private boolean storeLive;
    /** Flushing at the commit: pending records [0, persistedPending) are in the store under the current epoch. */
    private int persistedPending;
    private BufferedRecord[] buffer;
    /**
     * Per buffer position, the instance process() refills for a new record buffered there (made when
     * first needed); {@code buffer[i]} is {@code slots[i]} or a pending record being drained.
     */
    private BufferedRecord[] slots;
    private int count;
    private long epoch;
    private long nextSeq;
    private long oldestBufferedAtMs;
    /**
     * Records to score before anything newer, in arrival order: those restored from the store after
     * a restart, and those held while no model version was live. Non-empty only when no batch is
     * open (count == 0).
     */
    private final List<BufferedRecord> pending = new ArrayList<>();
    /** Store slot the next held record is written to; held slots start after the batch's. */
    private int nextHeldSlot;

    /** The versions the open batch is scored with; null when no batch is open. */
    private BatchPlan plan;
    /** Per lane of the open plan: its scorer, its rows' buffer positions, and its results. */
    private Lane[] lanes = new Lane[0];
    /** Per lane of the batch being forwarded: scores forwarded (reused from batch to batch). */
    private int[] forwarded = new int[0];
    /** Per buffered record: the lanes scoring it (bit mask). */
    private int[] routes;
    /** Whether a lane of the open plan declares aggregates (its records need their own {@link FeatureValues}). */
    private boolean planComputesFeatures;
    /** Whether every run is padded to batch.max.records rows ({@link ModelPlans#fixedSizeRuns()}). */
    private boolean paddedRuns;
    /** Scorers kept across batches, by model, so a plan with the same versions reuses their buffers. */
    private Map<io.scorestream.inference.ScoringModel, BatchScorer> scorers = new java.util.IdentityHashMap<>();
    /*
     * Pipelined scoring (settings.pipelined(), with flushAtCommit): a batch that fills up has its model
     * runs started on an inference thread (startRuns) and is parked, while the stream thread fills the
     * next one in a second set of the batch's fields (buffer, slots, routes, count, plan, lanes,
     * scorers: exchanged with the parked set, so every method works on "the batch in the fields").
     * The parked batch's scores and dead letters are forwarded on the stream thread
     * (completeRunning), in arrival order: at the first punctuation after its runs are done, and at
     * the latest before anything of a later batch (every flush completes it first) and before the
     * commit (prepareCommit does). So per-key order and exactly-once hold as without it; the model's
     * time moves off the stream thread, and a score waits at most one punctuation interval longer.
     */
    /** Pipelined: the batch fields not in use now: the batch being run, or an empty spare; null when not pipelined. */
    private ParkedBatch parked;
    /** Pipelined: the parked batch's model runs, until its scores are forwarded; null when none is running. */
    private java.util.concurrent.Future<?> running;

    private Schema lastSchema;
    private int eventIdPos = -1;
    /** Reads event ids from events not decoded. */
    private final AvroCursor cursor = new AvroCursor();
    /**
     * The score forwarded for every record, refilled each time: the sinks serialize it inside
     * {@code forward}, and observers must not keep it ({@link ScoringObserver#onScore}).
     */
    private final ReusedScore reused = new ReusedScore();
    /**
     * Whether {@link #reused} is forwarded: only when both score children are Kafka Streams sink
     * nodes, which serialize the value inside {@code forward} and keep only the bytes. Elsewhere (a
     * test's mock context captures what is forwarded) each score is a new instance.
     */
    private boolean reuseScores;
    private final Map<Schema, Integer> eventIdPositions = new HashMap<>();
    private Cancellable punctuator;

    /** Computes the aggregates the lanes declare, in the features store; made when first needed. */
    private FeatureEngine engine;
    /** The features store; null until the engine is made. */
    private KeyValueStore<Bytes, byte[]> featuresStore;
    /** Where the next sweep of expired keys starts; null: at the beginning. */
    private Bytes sweepFrom;
    /** Per aggregate state id: the event time its state began with in this task (stored: kind 0x02). */
    private final Map<Long, Long> stateBegan = new HashMap<>();
    private Cancellable sweeper;
    private long lastHistoryReportMs;
    /** Model of the lane whose aggregates are being computed (the late-event metric's tag). */
    private String computingFor;
    /** Per version: its aggregates, or {@link #NO_FEATURES}. */
    private final Map<io.scorestream.inference.ScoringModel, Object> laneFeatures = new java.util.IdentityHashMap<>();
    private static final Object NO_FEATURES = new Object();

    ScoringProcessor(ScoringSettings settings, ModelPlans plans, FeatureEventSerde featureSerde,
                     ScoringObserver observer, String storeName, String featuresStoreName, String scoresChild,
                     String shadowChild, String deadLetterChild) {
        this.settings = settings;
        this.plans = plans;
        this.featureSerde = featureSerde;
        this.observer = observer;
        this.storeName = storeName;
        this.featuresStoreName = featuresStoreName;
        this.scoresChild = scoresChild;
        this.shadowChild = shadowChild;
        this.deadLetterChild = deadLetterChild;
    }

    /** One model version of the open plan, the rows it scores in this batch, and their results. */
    private static final class Lane {
        BatchScorer scorer;
        String model;
        String version;
        byte[] modelBytes;
        byte[] versionBytes;
        String role;
        byte[] roleBytes;
        /**
         * The model name, version and role headers, made once per version and role and read-only: a
         * header is immutable, so every score's header list holds these same instances, and a score of
         * an input without headers is forwarded with this list itself. Kafka Streams' sink hands the
         * producer a {@code ProducerRecord}, which copies a {@code RecordHeaders} into a list of its own
         * (the one the producer marks read-only); nothing can change this one.
         */
        RecordHeaders modelHeaders;
        Header nameHeader;
        Header versionHeader;
        Header roleHeader;
        boolean shadow;
        int comparedWith;
        /** The aggregates the lane's version declares; null for none. */
        LaneFeatures features;
        /** rowToRecord[row] = buffer position of the lane's row {@code row}. */
        int[] rowToRecord;
        /** recordToRow[i] = the lane's row of buffered record {@code i} (valid when its route has this lane). */
        int[] recordToRow;
        final double[] score;
        final boolean[] decision;
        final String[] label;
        final Object[] classProbabilities;
        /** Per row: the spec's top_k classes (a List of ClassProbability), or null. */
        final Object[] topClasses;
        final Exception[] failure;
        long inferenceNanos;
        /** The results of this batch's run ({@link #runLanes}), until they are copied; null if none ran or it failed. */
        ScoredBatch ran;
        /** Why this batch's run failed; null if it did not. */
        ScoringException runFailure;

        Lane(int capacity) {
            rowToRecord = new int[capacity];
            recordToRow = new int[capacity];
            score = new double[capacity];
            decision = new boolean[capacity];
            label = new String[capacity];
            classProbabilities = new Object[capacity];
            topClasses = new Object[capacity];
            failure = new Exception[capacity];
        }

        int rows() {
            return scorer.size();
        }

        void makeHeaders() {
            nameHeader = new RecordHeader(HEADER_MODEL_NAME, modelBytes);
            versionHeader = new RecordHeader(HEADER_MODEL_VERSION, versionBytes);
            roleHeader = new RecordHeader(HEADER_MODEL_ROLE, roleBytes);
            modelHeaders = new RecordHeaders(new Header[] {nameHeader, versionHeader, roleHeader});
            modelHeaders.setReadOnly();
        }
    }

    /** The batch-scoped fields of the batch not in this processor's fields ({@link #exchange}). */
    private static final class ParkedBatch {
        BufferedRecord[] buffer;
        BufferedRecord[] slots;
        int[] routes;
        int count;
        long oldestBufferedAtMs;
        BatchPlan plan;
        Lane[] lanes = new Lane[0];
        boolean planComputesFeatures;
        Map<io.scorestream.inference.ScoringModel, BatchScorer> scorers = new java.util.IdentityHashMap<>();

        ParkedBatch(int capacity) {
            buffer = new BufferedRecord[capacity];
            slots = new BufferedRecord[capacity];
            routes = new int[capacity];
        }
    }

    /** Swaps the batch in this processor's fields with the parked one. */
    private void exchange(ParkedBatch p) {
        final BufferedRecord[] b = buffer;
        buffer = p.buffer;
        p.buffer = b;
        final BufferedRecord[] sl = slots;
        slots = p.slots;
        p.slots = sl;
        final int[] r = routes;
        routes = p.routes;
        p.routes = r;
        final int c = count;
        count = p.count;
        p.count = c;
        final long o = oldestBufferedAtMs;
        oldestBufferedAtMs = p.oldestBufferedAtMs;
        p.oldestBufferedAtMs = o;
        final BatchPlan pl = plan;
        plan = p.plan;
        p.plan = pl;
        final Lane[] l = lanes;
        lanes = p.lanes;
        p.lanes = l;
        final boolean f = planComputesFeatures;
        planComputesFeatures = p.planComputesFeatures;
        p.planComputesFeatures = f;
        final Map<io.scorestream.inference.ScoringModel, BatchScorer> sc = scorers;
        scorers = p.scorers;
        p.scorers = sc;
    }

    @Override
    public void init(ProcessorContext<byte[], Object> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.hooked = CommitHookedBufferStore.find(store);
        if (settings.flushAtCommit() && hooked == null) {
            throw new IllegalStateException("scoring processor of " + plans.describe() + ": flushing at the commit "
                    + "needs the buffer store declared by ScoringProcessorSupplier#stores(), but store '" + storeName
                    + "' is a " + store.getClass().getName());
        }
        if (context instanceof InternalProcessorContext<?, ?> internal) {
            this.node = internal.currentNode();
        }
        this.reuseScores = scoreChildrenAreSinks();
        this.buffer = new BufferedRecord[settings.batchMaxRecords()];
        this.slots = new BufferedRecord[settings.batchMaxRecords()];
        this.routes = new int[settings.batchMaxRecords()];
        this.paddedRuns = plans.fixedSizeRuns();
        this.nextHeldSlot = buffer.length;
        // Passthrough runs no model: nothing to move off the stream thread.
        this.parked = settings.pipelined() && hooked != null && !settings.passthrough()
                ? new ParkedBatch(settings.batchMaxRecords()) : null;
        restoreBuffer();
        this.punctuator = context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME,
                this::punctuate);
        this.sweeper = context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::sweepFeatures);
        if (hooked != null) {
            hooked.onPrepareCommit(this::prepareCommit);
        }
    }

    /** Whether this processor's scores and shadow-scores children are both Kafka Streams sink nodes. */
    private boolean scoreChildrenAreSinks() {
        if (node == null) {
            return false;
        }
        int sinks = 0;
        for (ProcessorNode<?, ?, ?, ?> child : node.children()) {
            final boolean scores = child.name().equals(scoresChild) || child.name().equals(shadowChild);
            if (scores && !(child instanceof SinkNode<?, ?>)) {
                return false;
            }
            sinks += scores ? 1 : 0;
        }
        return sinks == 2;
    }

    /**
     * Kafka Streams is about to commit this task (called by the buffer store's pre-commit hook, on the
     * stream thread, between two process/punctuate calls): scores the open batch and forwards its
     * scores and dead letters, exactly as a punctuation would, and writes the held records not in the
     * store yet to it. Pending records are not scored here even if a version went live meanwhile
     * (that may update aggregates, whose store may already have been written down for this commit):
     * they are in the store, and the next process or punctuate call scores them first.
     *
     * <p>Forwarding needs Kafka Streams' current node and a record context, which are not set when the
     * hook runs: as its caching stores do around their flush listeners, this sets the node to this
     * processor's and the record context to what a wall-clock punctuation gets (the wall-clock time,
     * no topic, partition -1, offset -1, no headers; each forwarded record carries its own timestamp
     * and headers), and restores both afterwards.
     */
    private void prepareCommit() {
        if (count == 0 && running == null && persistedPending == pending.size()) {
            return;
        }
        if (!(context instanceof InternalProcessorContext<?, ?> internal) || node == null) {
            // A test's mock context: it forwards without a node.
            flushForCommit();
            return;
        }
        final ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
        final ProcessorRecordContext previousRecordContext = internal.recordContext();
        internal.setCurrentNode(node);
        internal.setRecordContext(new ProcessorRecordContext(internal.currentSystemTimeMs(), -1L, -1, null,
                new RecordHeaders()));
        try {
            flushForCommit();
        } finally {
            internal.setRecordContext(previousRecordContext);
            internal.setCurrentNode(previousNode);
        }
    }

    private void flushForCommit() {
        completeRunning();
        if (count > 0) {
            flush();
        }
        if (persistedPending < pending.size()) {
            for (int i = persistedPending; i < pending.size(); i++) {
                store.put(nextHeldSlot++, BufferCodec.encode(epoch, pending.get(i)));
            }
            LOG.debug("Task {}: {} held record(s) written to the buffer store for the commit", context.taskId(),
                    pending.size() - persistedPending);
            persistedPending = pending.size();
            storeLive = true;
        }
    }

    /**
     * Invalidates every record in the store at once (a new epoch). Flushing at the commit, only when
     * the store may hold any under the current epoch, so the normal path writes nothing to it.
     */
    private void voidStoredRecords() {
        if (hooked != null && !storeLive) {
            return;
        }
        epoch++;
        store.put(EPOCH_SLOT, BufferCodec.encodeEpoch(epoch));
        storeLive = false;
    }

    /** How often expired keys are looked for in the features store. */
    static final java.time.Duration SWEEP_INTERVAL = java.time.Duration.ofSeconds(30);
    /** Keys of the features store looked at per sweep, at most (a sweep never stalls the task). */
    static final int SWEEP_BATCH = 20_000;
    /** Kind byte of the features store's entries that say when an aggregate's state began. */
    private static final byte STATE_BEGAN_KIND = 0x02;

    /**
     * Deletes, from the features store, the keys whose every aggregate's newest event is older than
     * the task's stream time by more than twice its window and grace (a key that stopped receiving
     * events; {@link FeatureEngine#expired}): no event that is not late by stream time can read any
     * of it, and late ones read an empty window, so deleting it changes no value, whenever the sweep
     * runs. A key is otherwise trimmed only when it receives an event, so without this, keys seen
     * once would stay forever. Looks at {@link #SWEEP_BATCH} keys per call, resuming where the
     * previous call stopped.
     */
    private void sweepFeatures(long wallClockMs) {
        if (featuresStore == null) {
            return;
        }
        final long streamTimeMs = context.currentStreamTimeMs();
        if (streamTimeMs <= 0) {
            return;
        }
        final List<Bytes> expired = new ArrayList<>();
        Bytes last = null;
        boolean more;
        try (KeyValueIterator<Bytes, byte[]> it = sweepFrom == null ? featuresStore.all()
                : featuresStore.range(sweepFrom, null)) {
            int seen = 0;
            while (seen < SWEEP_BATCH && it.hasNext()) {
                final var e = it.next();
                seen++;
                last = e.key;
                if (e.value != null && FeatureEngine.isGroupStateKey(e.key.get())
                        && FeatureEngine.expired(e.value, streamTimeMs)) {
                    expired.add(e.key);
                }
            }
            more = it.hasNext();
        }
        for (Bytes k : expired) {
            featuresStore.delete(k);
        }
        // The smallest key after the last one seen: the last one plus a zero byte.
        sweepFrom = more && last != null ? Bytes.wrap(java.util.Arrays.copyOf(last.get(), last.get().length + 1))
                : null;
        if (!expired.isEmpty()) {
            LOG.debug("Task {}: {} expired key(s) deleted from the features store", context.taskId(), expired.size());
        }
    }
    private void restoreBuffer() {
        final byte[] epochBytes = store.get(EPOCH_SLOT);
        epoch = epochBytes == null ? 0 : BufferCodec.decodeEpoch(epochBytes);
        final List<BufferCodec.Entry> live = new ArrayList<>();
        try (KeyValueIterator<Integer, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final var kv = it.next();
                if (kv.key >= nextHeldSlot) {
                    // Held records (or void ones) live past the batch's slots: new held ones go after them.
                    nextHeldSlot = kv.key + 1;
                }
                if (kv.key != EPOCH_SLOT && kv.value != null) {
                    final BufferCodec.Entry e = BufferCodec.decode(kv.value);
                    if (e.epoch() == epoch) {
                        live.add(e);
                    }
                }
            }
        }
        if (live.isEmpty()) {
            return;
        }
        live.sort(Comparator.comparingLong(BufferCodec.Entry::seq));
        final List<BufferedRecord> records = new ArrayList<>(live.size());
        for (BufferCodec.Entry e : live) {
            records.add(new BufferedRecord(e.seq(), e.key(), decodeRestored(e), e.value(), e.timestamp(), e.headers(),
                    e.topic(), e.partition(), e.offset(), e.features()));
        }
        nextSeq = live.get(live.size() - 1).seq() + 1;
        pending.addAll(records);
        persistedPending = pending.size();
        storeLive = true;
        LOG.info("Task {}: {} buffered record(s) restored from the changelog (held ones included); "
                + "scoring them first",
                context.taskId(), records.size());
    }

    private FeatureEvent decodeRestored(BufferCodec.Entry e) {
        try {
            return featureSerde.deserialize(e.topic(), e.value());
        } catch (WireFormatException ex) {
            // Decoded fine when it was buffered; now its bytes are refused (e.g. its schema id vanished).
            // It is dead-lettered with its bytes. Any other failure (the schema registry cannot be
            // reached) propagates: the task fails and retries, and nothing is dead-lettered by mistake.
            return null;
        }
    }

    @Override
    public void process(Record<byte[], FeatureEvent> record) {
        // Kafka Streams' own context gives its record context directly, with no Optional around it.
        final RecordMetadata meta = context instanceof InternalProcessorContext<?, ?> internal
                ? internal.recordContext() : context.recordMetadata().orElse(null);
        // A repartitioned event names its input record in headers; its metadata is the internal topic's.
        final boolean repartitioned = RepartitionHeaders.present(record.headers());
        final String topic = repartitioned ? RepartitionHeaders.topic(record.headers())
                : meta == null ? null : meta.topic();
        final int partition = repartitioned ? RepartitionHeaders.partition(record.headers())
                : meta == null ? -1 : meta.partition();
        final long offset = repartitioned ? RepartitionHeaders.offset(record.headers())
                : meta == null ? -1 : meta.offset();
        if (topic != null && !plans.accepts(topic, partition, offset)) {
            return;
        }
        final FeatureEvent event = record.value();
        if (event == null) {
            throw new InvalidEventException("null_value", "the record has a null value (a tombstone); there is "
                    + "nothing to score");
        }
        if ((!pending.isEmpty() && !drainPending()) || (count == 0 && !openBatch())) {
            // No live version: held (in the store, in order) until one is; scored before anything newer.
            hold(new BufferedRecord(nextSeq++, record.key(), event, event.raw(), record.timestamp(), record.headers(),
                    topic, partition, offset));
            return;
        }
        final GenericRecord value = event.record();
        // Aggregates' values are kept per record only when a lane of the batch computes some.
        final FeatureValues features = planComputesFeatures ? new FeatureValues(1) : FeatureValues.EMPTY;
        final int route;
        try {
            // Throws FeatureException for a record that cannot feed the model: dead-lettered by the handler.
            route = addToLanes(count, record.key(), record.timestamp(), event, features);
        } catch (RuntimeException e) {
            if (count == 0) {
                releaseBatch();
            }
            throw e;
        }
        // Only schemas the live model has accepted a record of are registered: a poison record of an
        // old schema must not make the registry refuse every future version.
        noteSchema(value.getSchema());
        // The slot's own instance, refilled: its previous record's batch was flushed, and nothing keeps it.
        BufferedRecord slot = slots[count];
        if (slot == null) {
            slot = new BufferedRecord(0, null, null, null, 0, null, null, -1, -1, FeatureValues.EMPTY);
            slots[count] = slot;
        }
        final BufferedRecord buffered = slot.refill(nextSeq++, record.key(), event, event.raw(),
                record.timestamp(), record.headers(), topic, partition, offset, features);
        if (hooked == null) {
            store.put(count, BufferCodec.encode(epoch, buffered));
        }
        if (count == 0) {
            oldestBufferedAtMs = context.currentSystemTimeMs();
        }
        routes[count] = route;
        buffer[count++] = buffered;
        if (count >= buffer.length) {
            scoreFullOrWaited();
        }
    }

    /**
     * Adds the record at buffer position {@code pos} to every lane the plan routes it to.
     *
     * A lane whose version declares aggregates gets the record with their values, computed here
     * (their state updated) unless another lane computed the same ones for it already; they are
     * kept in {@code features}, which is stored with the record.
     *
     * @return the lanes that took it
     * @throws FeatureException if a non-shadow lane cannot take it (no lane keeps it then)
     * @throws InvalidEventException if the plan routes it to no lane, or a non-shadow lane's
     *     aggregate cannot be computed for it
     */
    private int addToLanes(int pos, byte[] key, long timestamp, FeatureEvent event, FeatureValues features) {
        final GenericRecord value = event.record();
        int route = plan.route(key, timestamp);
        if (route == 0) {
            final String[] why = plan.unroutedReason(timestamp);
            throw new InvalidEventException(why[0], why[1]);
        }
        for (int l = 0; l < lanes.length; l++) {
            if ((route & (1 << l)) == 0) {
                continue;
            }
            final Lane lane = lanes[l];
            try {
                final IndexedRecord scored;
                if (lane.features == null) {
                    scored = null;
                } else {
                    computingFor = lane.model;
                    scored = lane.features.featured(engine(), features, key, value, timestamp,
                            context.currentStreamTimeMs());
                    if (!lane.features.statesNoted) {
                        noteStatesBegan(lane.features, timestamp);
                        lane.features.statesNoted = true;
                    }
                }
                final int row = scored == null ? addEvent(lane, event) : addFeatured(lane, scored);
                lane.rowToRecord[row] = pos;
                lane.recordToRow[pos] = row;
            } catch (FeatureException | AggregateException e) {
                if (lane.shadow) {
                    // The record is still scored by the lane it shadows; the candidate's failure is counted.
                    route &= ~(1 << l);
                    observer.onShadowFailed(lane.model, lane.version,
                            e instanceof AggregateException a ? a.reason() : DeadLetters.reasonOf(e));
                    continue;
                }
                for (int k = 0; k < l; k++) {
                    if ((route & (1 << k)) != 0) {
                        lanes[k].scorer.dropLast();
                    }
                }
                if (e instanceof AggregateException a) {
                    throw new InvalidEventException(a.reason(), "model '" + lane.model + "' version '" + lane.version
                            + "': " + a.getMessage());
                }
                throw (FeatureException) e;
            }
        }
        return route;
    }

    /**
     * Adds an event to a lane without aggregates: with fast decoding, its mapped fields are read
     * straight from its bytes (the scorer falls back to the decoded record, and reports it, when it
     * cannot); without, from the decoded record.
     */
    private int addEvent(Lane lane, FeatureEvent event) {
        if (!settings.fastDecode()) {
            return lane.scorer.add(event.record());
        }
        final byte[] raw = event.raw();
        return lane.scorer.add(event.record(), raw, WireFormat.HEADER_SIZE, raw.length - WireFormat.HEADER_SIZE);
    }

    /** Adds an event with its aggregates' values: always from the decoded record. */
    private int addFeatured(Lane lane, IndexedRecord featured) {
        if (settings.fastDecode()) {
            observer.onDecodeFallback(lane.model, AGGREGATES);
        }
        return lane.scorer.add(featured);
    }

    /** Fallback reason of a lane whose version declares aggregates (they read the decoded event). */
    static final String AGGREGATES = "aggregates";

    private void punctuate(long wallClockMs) {
        reportHistory(wallClockMs);
        if (running != null && running.isDone()) {
            completeRunning();
        }
        if (!pending.isEmpty() && !drainPending()) {
            return;
        }
        if (count > 0 && (settings.batchMaxWaitMs() == 0
                || wallClockMs - oldestBufferedAtMs >= settings.batchMaxWaitMs())) {
            scoreFullOrWaited();
        }
    }

    /**
     * Scores the batch in the fields, which is full or whose wait is up: pipelined, on an inference
     * thread (forwarded later); otherwise now, on this thread.
     */
    private void scoreFullOrWaited() {
        if (parked != null) {
            startRuns();
        } else {
            flush();
        }
    }

    /**
     * Binds the new batch to what is live now.
     *
     * @return false, opening nothing, when no version is live
     */
    private boolean openBatch() {
        final BatchPlan next = plans.open();
        if (next == null) {
            return false;
        }
        if (plan != null) {
            plan.close();
        }
        plan = next;
        final int n = plan.lanes();
        if (n < 1 || n > BatchPlan.MAX_LANES) {
            throw new IllegalStateException("a batch plan must have 1 to " + BatchPlan.MAX_LANES + " lanes, got " + n);
        }
        if (lanes.length != n) {
            final Lane[] grown = new Lane[n];
            for (int l = 0; l < n; l++) {
                grown[l] = l < lanes.length ? lanes[l] : new Lane(buffer.length);
            }
            lanes = grown;
        }
        boolean changed = false;
        planComputesFeatures = false;
        for (int l = 0; l < n; l++) {
            final Lane lane = lanes[l];
            final io.scorestream.inference.ScoringModel model = plan.model(l);
            if (lane.scorer == null || lane.scorer.model() != model) {
                lane.scorer = scorers.computeIfAbsent(model, m -> {
                    final BatchScorer scorer = paddedRuns ? m.newPaddedScorer(buffer.length)
                            : m.newScorer(buffer.length);
                    final String name = m.name();
                    scorer.setDecodeFallbackListener(reason -> observer.onDecodeFallback(name, reason));
                    return scorer;
                });
                lane.model = model.name();
                lane.version = model.version();
                lane.modelBytes = lane.model.getBytes(StandardCharsets.UTF_8);
                lane.versionBytes = lane.version.getBytes(StandardCharsets.UTF_8);
                lane.modelHeaders = null;
                changed = true;
            }
            final String role = plan.role(l);
            if (!role.equals(lane.role)) {
                lane.role = role;
                lane.roleBytes = role.getBytes(StandardCharsets.UTF_8);
                lane.modelHeaders = null;
            }
            if (lane.modelHeaders == null) {
                lane.makeHeaders();
            }
            lane.shadow = plan.isShadow(l);
            lane.features = featuresOf(model);
            planComputesFeatures |= lane.features != null;
            lane.comparedWith = plan.comparedWith(l);
            lane.scorer.clear();
        }
        if (changed) {
            lastSchema = null;
            closeUnusedScorers();
        }
        return true;
    }

    /**
     * Keeps {@code r} for later: written to the next held slot of the store (under the current
     * epoch, so a restart restores it) and queued behind the other pending records.
     *
     * @throws NoLiveModelException past {@link ScoringSettings#maxHeldRecords()} records
     */
    private void hold(BufferedRecord r) {
        if (pending.size() >= settings.maxHeldRecords()) {
            throw new NoLiveModelException("Task " + context.taskId() + " holds " + pending.size() + " records "
                    + "for " + plans.describe() + ", which has no live version, and its input was not paused: "
                    + "publish a valid ModelSpec for it to the model topic, or check the log for refused versions");
        }
        if (pending.isEmpty()) {
            LOG.info("Task {}: no live version of {}; holding its records, in order, until one goes live",
                    context.taskId(), plans.describe());
        }
        if (hooked == null) {
            store.put(nextHeldSlot++, BufferCodec.encode(epoch, r));
        }
        pending.add(r);
    }

    /**
     * Remembers, for each aggregate of {@code f} whose state this task has not seen begin, the
     * event time it began with (stored, so it survives restarts and moves with the task), for
     * {@link #reportHistory}: a version that adds an aggregate starts it empty, and says how much
     * history it has until the window is full.
     */
    private void noteStatesBegan(LaneFeatures f, long timestamp) {
        for (io.scorestream.inference.features.AggregateDefinition d : f.definitions()) {
            final long id = d.stateId();
            if (stateBegan.containsKey(id)) {
                continue;
            }
            final Bytes k = stateBeganKey(id);
            final byte[] stored = featuresStore.get(k);
            final long began = stored == null ? timestamp : ByteBuffer.wrap(stored).getLong();
            if (stored == null) {
                featuresStore.put(k, ByteBuffer.allocate(8).putLong(timestamp).array());
            }
            stateBegan.put(id, began);
        }
    }

    private static Bytes stateBeganKey(long stateId) {
        return Bytes.wrap(ByteBuffer.allocate(9).put(STATE_BEGAN_KIND).putLong(stateId).array());
    }

    /**
     * Tells the observer, at most once a second, how much event time of history each aggregate of
     * the open plan's lanes has in this task: from the event its state began with to the task's
     * newest event.
     */
    private void reportHistory(long wallClockMs) {
        if (stateBegan.isEmpty() || wallClockMs - lastHistoryReportMs < 1_000) {
            return;
        }
        lastHistoryReportMs = wallClockMs;
        for (Lane lane : lanes) {
            if (lane.features == null) {
                continue;
            }
            for (io.scorestream.inference.features.AggregateDefinition d : lane.features.definitions()) {
                final Long began = stateBegan.get(d.stateId());
                if (began != null) {
                    observer.onFeatureHistory(lane.model, d.name(), d.windowMs(),
                            Math.max(0, context.currentStreamTimeMs() - began), context.taskId().toString());
                }
            }
        }
    }

    /** The aggregates {@code model} declares; null for none. */
    private LaneFeatures featuresOf(io.scorestream.inference.ScoringModel model) {
        Object f = laneFeatures.get(model);
        if (f == null) {
            // Checked when the version was loaded; a definition refused here would be a bug.
            final LaneFeatures lf = LaneFeatures.of(model);
            f = lf == null ? NO_FEATURES : lf;
            laneFeatures.put(model, f);
        }
        return f == NO_FEATURES ? null : (LaneFeatures) f;
    }

    /** The task's aggregate engine, over the features store (looked up the first time a version has aggregates). */
    private FeatureEngine engine() {
        if (engine == null) {
            final KeyValueStore<Bytes, byte[]> kv = context.getStateStore(featuresStoreName);
            featuresStore = kv;
            final FeatureStore adapter = new FeatureStore() {
                @Override
                public byte[] get(byte[] key) {
                    return kv.get(Bytes.wrap(key));
                }

                @Override
                public void put(byte[] key, byte[] value) {
                    kv.put(Bytes.wrap(key), value);
                }

                @Override
                public void delete(byte[] key) {
                    kv.delete(Bytes.wrap(key));
                }
            };
            engine = new FeatureEngine(adapter, aggregate -> observer.onFeatureLate(computingFor, aggregate.name()),
                    true);
        }
        return engine;
    }

    /** Closes the scorers of models no lane uses any more (their versions may be closing). */
    private void closeUnusedScorers() {
        final var it = scorers.entrySet().iterator();
        while (it.hasNext()) {
            final var e = it.next();
            boolean used = false;
            for (Lane lane : lanes) {
                used |= lane.scorer == e.getValue();
            }
            if (!used) {
                laneFeatures.remove(e.getKey());
                e.getValue().close();
                it.remove();
            }
        }
    }

    private void noteSchema(Schema schema) {
        if (schema == lastSchema) {
            return;
        }
        lastSchema = schema;
        plans.featureSchemaSeen(schema);
        Integer pos = eventIdPositions.get(schema);
        if (pos == null) {
            final Schema.Field f = settings.eventIdField() == null ? null : schema.getField(settings.eventIdField());
            pos = f == null ? -1 : f.pos();
            eventIdPositions.put(schema, pos);
        }
        eventIdPos = pos;
    }

    /**
     * Scores the pending records (restored after a restart, or held while no version was live)
     * before anything newer, in batches of at most {@code batch.max.records} (the setting may have
     * shrunk since they were buffered). All of it happens inside one process/punctuate call, so no
     * commit falls between these flushes; records left over (the model went away again meanwhile)
     * are written back to held slots under the new epoch.
     *
     * @return whether none is left pending
     */
    private boolean drainPending() {
        final long epochBefore = epoch;
        int next = 0;
        while (next < pending.size()) {
            if (count == 0) {
                if (!openBatch()) {
                    break;
                }
                oldestBufferedAtMs = context.currentSystemTimeMs();
            }
            final BufferedRecord r = pending.get(next++);
            if (r.value() == null) {
                deadLetter(r, new InvalidEventException("undecodable_after_restore",
                        "a buffered record could not be decoded again after a restart"), null, null);
                continue;
            }
            try {
                routes[count] = addToLanes(count, r.key(), r.timestamp(), r.value(), r.features());
                noteSchema(r.value().record().getSchema());
                buffer[count++] = r;
            } catch (FeatureException | InvalidEventException e) {
                deadLetter(r, e, lanes[0].model, lanes[0].version);
            }
            if (count >= buffer.length) {
                flush();
            }
        }
        if (next == 0) {
            // Nothing taken: the store holds every pending record as it is.
            return false;
        }
        if (count > 0) {
            flush();
        } else {
            releaseBatch();
        }
        if (epoch == epochBefore) {
            // Everything taken was dead-lettered: void its slots all the same.
            voidStoredRecords();
        }
        final List<BufferedRecord> left = new ArrayList<>(pending.subList(next, pending.size()));
        pending.clear();
        // The store's records are void now (or there were none): the ones left are written again.
        persistedPending = 0;
        final int heldSlotsBefore = nextHeldSlot;
        nextHeldSlot = buffer.length;
        for (BufferedRecord r : left) {
            hold(r);
        }
        for (int slot = nextHeldSlot; slot < heldSlotsBefore; slot++) {
            store.delete(slot);
        }
        LOG.info("Task {}: {} pending record(s) taken by {}{}", context.taskId(), next, plans.describe(),
                left.isEmpty() ? "" : "; " + left.size() + " still held (no live version again)");
        return left.isEmpty();
    }

    /** Scores the batch in the fields now, on this thread, and forwards its results (after the running batch's). */
    private void flush() {
        completeRunning();
        runLanes(lanes, settings.passthrough());
        finishFlush();
    }

    /**
     * Pipelined: starts the batch's model runs on an inference thread and parks it; the fields get
     * the spare batch. The batch parked before is completed first, so at most one runs.
     */
    private void startRuns() {
        completeRunning();
        final Lane[] batchLanes = lanes;
        running = InferenceThreads.pool().submit(() -> runLanes(batchLanes, false));
        exchange(parked);
    }

    /**
     * Pipelined: waits for the parked batch's runs (done already, usually) and forwards its scores
     * and dead letters, then parks the emptied batch as the spare. Nothing when none is running.
     */
    private void completeRunning() {
        if (running == null) {
            return;
        }
        final java.util.concurrent.Future<?> run = running;
        running = null;
        exchange(parked);
        try {
            await(run);
            finishFlush();
        } finally {
            exchange(parked);
        }
    }

    /** Waits for {@code run}; a failure other than a model's (which the lanes keep) is rethrown here. */
    private void await(java.util.concurrent.Future<?> run) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    run.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("the model run of a batch of " + count + " record(s) of "
                            + plans.describe() + " failed on the inference thread: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs each lane's model on the lane's rows, on the calling thread (the stream thread, or an
     * inference thread when pipelined: it touches nothing but the lanes' scorers); the results or the
     * failure stay on the lane for {@link #applyRun}. Nothing in passthrough.
     */
    private static void runLanes(Lane[] lanes, boolean passthrough) {
        for (Lane lane : lanes) {
            lane.ran = null;
            lane.runFailure = null;
            if (passthrough || lane.rows() == 0) {
                continue;
            }
            try {
                lane.ran = lane.scorer.score();
            } catch (ScoringException e) {
                lane.runFailure = e;
            }
        }
    }

    /** Copies the lanes' run results, isolates failed rows, forwards, and ends the batch in the fields. */
    private void finishFlush() {
        for (int l = 0; l < lanes.length; l++) {
            final Lane lane = lanes[l];
            lane.inferenceNanos = 0;
            if (lane.rows() > 0) {
                applyRun(lane);
            }
        }
        forward();
        finishBatch();
    }

    /** Fills {@code lane}'s results for all its rows from its run, or, if the run failed, from runs of its halves. */
    private void applyRun(Lane lane) {
        final int rows = lane.rows();
        final ScoredBatch ran = lane.ran;
        final ScoringException e = lane.runFailure;
        lane.ran = null;
        lane.runFailure = null;
        if (settings.passthrough()) {
            // Passthrough (benchmark only): no model run; a constant score is forwarded.
            for (int row = 0; row < rows; row++) {
                lane.score[row] = 0.0;
                lane.decision[row] = false;
                lane.label[row] = null;
                lane.classProbabilities[row] = null;
                lane.topClasses[row] = null;
                lane.failure[row] = null;
            }
            return;
        }
        if (e == null) {
            copyResults(lane, 0, ran);
        } else {
            LOG.warn("A batch of {} record(s) failed in model '{}' version '{}' ({}); scoring its halves to isolate "
                    + "the failing record(s)", rows, lane.model, lane.version,
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            isolate(lane, 0, rows, e);
        }
    }

    private void copyResults(Lane lane, int fromRow, ScoredBatch batch) {
        lane.inferenceNanos += batch.inferenceNanos();
        for (int i = 0; i < batch.size(); i++) {
            final int row = fromRow + i;
            lane.score[row] = batch.score(i);
            lane.decision[row] = batch.decision(i);
            lane.label[row] = batch.label(i);
            lane.classProbabilities[row] = batch.classProbabilities(i);
            lane.topClasses[row] = batch.topClasses(i);
            lane.failure[row] = null;
        }
    }

    /**
     * Rows {@code from..to-1} of a lane failed inside ONNX Runtime together: score each half on its
     * own, recursively, so only the row(s) that make the model fail are marked failed and their
     * healthy neighbours are scored.
     */
    private void isolate(Lane lane, int from, int to, ScoringException failure) {
        if (to - from == 1) {
            lane.failure[from] = failure;
            return;
        }
        final int mid = (from + to) >>> 1;
        scoreRows(lane, from, mid);
        scoreRows(lane, mid, to);
    }

    private void scoreRows(Lane lane, int from, int to) {
        // Re-adding rows renumbers them from 0, so the lane's row order is rebuilt afterwards.
        lane.scorer.clear();
        for (int row = from; row < to; row++) {
            final BufferedRecord r = buffer[lane.rowToRecord[row]];
            // Re-added rows of a failed run: the aggregates' fallback was counted when the record was added.
            if (lane.features == null) {
                addEvent(lane, r.value());
            } else {
                lane.scorer.add(lane.features.view(r.features(), r.value().record()));
            }
        }
        final ScoredBatch batch;
        try {
            batch = lane.scorer.score();
        } catch (ScoringException e) {
            isolate(lane, from, to, e);
            return;
        }
        copyResults(lane, from, batch);
    }

    /** Forwards every lane's scores (and dead letters) in buffer order, so per-key order holds. */
    private void forward() {
        final long scoredAt = context.currentSystemTimeMs();
        if (forwarded.length < lanes.length) {
            forwarded = new int[lanes.length];
        }
        java.util.Arrays.fill(forwarded, 0);
        for (int l = 0; l < lanes.length; l++) {
            final Lane lane = lanes[l];
            if (lane.rows() > 0) {
                observer.onBatch(lane.model, lane.version, lane.rows(), lane.inferenceNanos);
            }
        }
        for (int i = 0; i < count; i++) {
            final BufferedRecord r = buffer[i];
            final int route = routes[i];
            for (int l = 0; l < lanes.length; l++) {
                if ((route & (1 << l)) == 0) {
                    continue;
                }
                final Lane lane = lanes[l];
                final int row = lane.recordToRow[i];
                Exception failure = lane.failure[row];
                if (failure == null && !Double.isFinite(lane.score[row])) {
                    // A model can overflow to NaN or infinity on extreme (saturated) inputs: not a score.
                    failure = new InvalidEventException("non_finite_score", "model '" + lane.model + "' version '"
                            + lane.version + "' computed a score of " + lane.score[row] + " for this record");
                    lane.failure[row] = failure;
                }
                if (failure != null) {
                    if (lane.shadow) {
                        observer.onShadowFailed(lane.model, lane.version, DeadLetters.reasonOf(failure));
                    } else {
                        deadLetter(r, failure, lane.model, lane.version);
                    }
                    continue;
                }
                forwarded[l]++;
                final ScoreResult result = toResult(r, lane, row, scoredAt);
                // The sink serializes the reused score inside forward(); nothing downstream keeps it.
                context.forward(new Record<byte[], Object>(outputKey(r), result, r.timestamp(),
                        outputHeaders(r.headers(), lane)), lane.shadow ? shadowChild : scoresChild);
                if (!settings.deterministic() && !lane.shadow) {
                    observer.onLatency(result.getLatencyMs());
                }
                if (!settings.emitFeatures() && lane.features != null && observer.wantsFeatureValues()) {
                    // The score was serialized by the sink inside forward(); the values added now reach
                    // the observer only, never the output.
                    result.setFeatures(lane.features.named(r.features()));
                }
                observer.onScore(result, r.value().record());
                final int base = lane.comparedWith;
                if (base >= 0 && (route & (1 << base)) != 0) {
                    final Lane other = lanes[base];
                    final int baseRow = other.recordToRow[i];
                    if (other.failure[baseRow] == null) {
                        observer.onShadowCompared(lane.model, other.version, lane.version,
                                lane.score[row] - other.score[baseRow], lane.decision[row] == other.decision[baseRow]);
                    }
                }
            }
        }
        for (int l = 0; l < lanes.length; l++) {
            if (lanes[l].rows() > 0) {
                observer.onScored(lanes[l].model, lanes[l].version, forwarded[l]);
            }
        }
    }

    /**
     * The headers of a score: its input's, without the repartition and model headers it may carry,
     * then the lane's model name, version and role. An input without headers (the usual case) gets the
     * lane's own read-only list, shared by all its scores and allocating nothing; any other a new list
     * holding the lane's shared header instances.
     */
    private static Headers outputHeaders(Headers input, Lane lane) {
        // RecordHeaders answers an empty toArray() with a shared empty array.
        final Header[] own = input == null ? null : input.toArray();
        if (own == null || own.length == 0) {
            return lane.modelHeaders;
        }
        final Headers headers = new RecordHeaders(own);
        RepartitionHeaders.remove(headers);
        headers.remove(HEADER_MODEL_NAME).remove(HEADER_MODEL_VERSION).remove(HEADER_MODEL_ROLE);
        return headers.add(lane.nameHeader).add(lane.versionHeader).add(lane.roleHeader);
    }

    /** Refills the processor's one reused score with the score of buffered record {@code r} by {@code lane}. */
    private ScoreResult toResult(BufferedRecord r, Lane lane, int row, long scoredAt) {
        final GenericRecord value = r.value().record();
        final ReusedScore result = reuseScores ? reused : new ReusedScore();
        String eventId = null;
        boolean idCopied = false;
        // The id field's position was resolved for the schema seen last (usually every record's);
        // records of another schema in the same batch look it up by name.
        final int idPos = value.getSchema() == lastSchema ? eventIdPos : eventIdPosition(value.getSchema());
        if (idPos >= 0) {
            if (value instanceof LazyRecord lazy) {
                // Read from the bytes while the event is not decoded: no record for one field, and a
                // string id is copied as its bytes, no String made.
                final int copied = lazy.copyText(idPos, cursor, result.eventIdBuffer());
                if (copied == LazyRecord.TEXT_COPIED) {
                    idCopied = true;
                } else if (copied == LazyRecord.TEXT_NOT_COPIED) {
                    eventId = lazy.text(idPos, cursor);
                }
            } else {
                final Object id = value.get(idPos);
                eventId = id == null ? null : id.toString();
            }
        }
        if (idCopied) {
            result.eventIdCopied();
        } else {
            result.setEventId(eventId != null ? eventId : r.topic() + "-" + r.partition() + "@" + r.offset());
        }
        final boolean fixed = settings.deterministic();
        final long at = fixed ? r.timestamp() : scoredAt;
        @SuppressWarnings("unchecked")
        final Map<String, Double> probabilities = (Map<String, Double>) lane.classProbabilities[row];
        @SuppressWarnings("unchecked")
        final java.util.List<ClassProbability> top = (java.util.List<ClassProbability>) lane.topClasses[row];
        // Every field is set, so nothing of the previous score remains. Required fields are non-null here.
        result.keyFrom(outputKey(r));
        result.setModelName(lane.model);
        result.setModelVersion(lane.version);
        result.setScore(lane.score[row]);
        result.setDecision(lane.decision[row]);
        result.setLabel(lane.label[row]);
        result.setClassProbabilities(probabilities);
        result.eventTimeMillis(r.timestamp());
        result.scoredAtMillis(at);
        result.setBatchSize(fixed ? 0 : lane.rows());
        result.setInferenceMicros(fixed ? 0L : lane.inferenceNanos / 1000);
        result.setLatencyMs(at - r.timestamp());
        result.setSourceTopic(r.topic());
        // Negative: none (a record restored or held without source coordinates).
        result.source(r.partition(), r.offset());
        result.setRole(lane.role);
        result.setTopClasses(top);
        result.setFeatures(settings.emitFeatures() && lane.features != null ? lane.features.named(r.features()) : null);
        return result;
    }

    /** The key a record's score and dead letter get: its own, also when it was repartitioned. */
    private static byte[] outputKey(BufferedRecord r) {
        return RepartitionHeaders.present(r.headers()) ? RepartitionHeaders.originalKey(r.headers()) : r.key();
    }

    private int eventIdPosition(Schema schema) {
        final Schema.Field f = settings.eventIdField() == null ? null : schema.getField(settings.eventIdField());
        return f == null ? -1 : f.pos();
    }

    /** Sends a buffered record to the dead-letter topic directly (no handler has its context now). */
    private void deadLetter(BufferedRecord r, Exception e, String model, String version) {
        final Headers own = r.headers() == null ? null
                : RepartitionHeaders.remove(new RecordHeaders(r.headers().toArray()));
        final Headers headers = DeadLetters.headers(own, r.topic(), r.partition(), r.offset(), e, model,
                version);
        context.forward(new Record<byte[], Object>(outputKey(r), r.raw(), r.timestamp(), headers), deadLetterChild);
        observer.onDeadLetter(DeadLetters.reasonOf(e), model, version);
    }

    /** Invalidates every slot at once (new epoch) and releases the batch's models. */
    private void finishBatch() {
        for (int i = 0; i < count; i++) {
            buffer[i] = null;
        }
        for (Lane lane : lanes) {
            java.util.Arrays.fill(lane.label, null);
            java.util.Arrays.fill(lane.classProbabilities, null);
            java.util.Arrays.fill(lane.topClasses, null);
            java.util.Arrays.fill(lane.failure, null);
        }
        count = 0;
        voidStoredRecords();
        releaseBatch();
    }

    private void releaseBatch() {
        for (Lane lane : lanes) {
            if (lane.scorer != null) {
                lane.scorer.clear();
            }
        }
        if (plan != null) {
            plan.close();
            plan = null;
        }
    }

    /** Number of records buffered now (for tests). */
    int buffered() {
        return count;
    }

    /** Number of records of the batch whose model runs are on an inference thread now (for tests). */
    int inFlight() {
        return running == null ? 0 : parked.count;
    }

    @Override
    public void close() {
        // Buffered records stay in the changelogged store; whoever gets this task next scores them.
        // Flushing at the commit, a clean close follows a commit, so nothing is buffered; records
        // buffered at a close without a commit are dropped, and their uncommitted input processed again.
        if (hooked != null) {
            hooked.onPrepareCommit(null);
        }
        if (punctuator != null) {
            punctuator.cancel();
        }
        if (sweeper != null) {
            sweeper.cancel();
        }
        if (!stateBegan.isEmpty()) {
            observer.onFeatureTaskClosed(context.taskId().toString());
        }
        if (running != null) {
            // A close without a commit: its scores are dropped (their input was not committed), but the
            // run uses the scorers closed below, so it is waited for.
            final java.util.concurrent.Future<?> run = running;
            running = null;
            try {
                await(run);
            } catch (RuntimeException e) {
                LOG.debug("Task {}: the batch being run at the close failed", context.taskId(), e);
            }
        }
        closeBatch();
        if (parked != null) {
            exchange(parked);
            closeBatch();
            exchange(parked);
        }
    }

    /** Closes the scorers and releases the plan of the batch in the fields. */
    private void closeBatch() {
        for (BatchScorer scorer : scorers.values()) {
            scorer.close();
        }
        scorers.clear();
        for (Lane lane : lanes) {
            lane.scorer = null;
        }
        if (plan != null) {
            plan.close();
            plan = null;
        }
    }
}
