package io.scorestream.topology.processor;

import io.scorestream.inference.BatchScorer;
import io.scorestream.inference.FeatureException;
import io.scorestream.inference.ScoredBatch;
import io.scorestream.inference.ScoringException;
import io.scorestream.inference.registry.ModelLease;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.serde.WireFormatException;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.errors.InvalidEventException;
import io.scorestream.topology.errors.NoLiveModelException;
import io.scorestream.topology.serde.FeatureEvent;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
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
 * <p>Each score keeps its input's key, timestamp and headers, adds the model name and version as
 * headers, and is forwarded in arrival order, so per-key order holds. A batch is bound to the
 * model version that was live when its first record arrived, and is scored with it even if a new
 * version goes live meanwhile (the lease keeps the old session open until the batch is done).
 *
 * <p>A record that cannot feed the model (NaN, a null without default, ...) is rejected at
 * {@link #process} by throwing, so Kafka Streams' processing exception handler dead-letters it
 * with its own source coordinates; it never enters the buffer.
 *
 * <p>Not thread-safe: Kafka Streams gives each task its own instance.
 */
public final class ScoringProcessor implements Processor<byte[], FeatureEvent, byte[], Object> {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringProcessor.class);

    /** Header carrying the model name on every score. */
    public static final String HEADER_MODEL_NAME = "scorestream.model.name";
    /** Header carrying the model version on every score. */
    public static final String HEADER_MODEL_VERSION = "scorestream.model.version";

    /** Slot of the buffer store that holds the current epoch. */
    static final int EPOCH_SLOT = -1;

    private final ScoringSettings settings;
    private final ModelRegistry registry;
    private final FeatureEventSerde featureSerde;
    private final ScoringObserver observer;
    private final String storeName;
    private final String scoresChild;
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
     * any new record of the task). Flushing before every commit would be the alternative, but Kafka
     * Streams gives processors no pre-commit hook, and a commit on rebalance or shutdown would then
     * commit offsets of unscored records. Caching on the store coalesces slot rewrites between
     * commits, so the changelog carries at most one entry per slot per commit interval.
     */
    private KeyValueStore<Integer, byte[]> store;
    private BufferedRecord[] buffer;
    private int count;
    private long epoch;
    private long nextSeq;
    private long oldestBufferedAtMs;
    private List<BufferedRecord> restored = List.of();

    private ModelLease lease;
    private BatchScorer scorer;

    private Schema lastSchema;
    private int eventIdPos = -1;
    private final Map<Schema, Integer> eventIdPositions = new HashMap<>();
    private Cancellable punctuator;

    ScoringProcessor(ScoringSettings settings, ModelRegistry registry, FeatureEventSerde featureSerde,
                     ScoringObserver observer, String storeName, String scoresChild, String deadLetterChild) {
        this.settings = settings;
        this.registry = registry;
        this.featureSerde = featureSerde;
        this.observer = observer;
        this.storeName = storeName;
        this.scoresChild = scoresChild;
        this.deadLetterChild = deadLetterChild;
    }

    @Override
    public void init(ProcessorContext<byte[], Object> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.buffer = new BufferedRecord[settings.batchMaxRecords()];
        restoreBuffer();
        this.punctuator = context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME,
                this::punctuate);
    }

    private void restoreBuffer() {
        final byte[] epochBytes = store.get(EPOCH_SLOT);
        epoch = epochBytes == null ? 0 : BufferCodec.decodeEpoch(epochBytes);
        final List<BufferCodec.Entry> live = new ArrayList<>();
        try (KeyValueIterator<Integer, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final var kv = it.next();
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
                    e.topic(),
                    e.partition(), e.offset()));
        }
        nextSeq = live.get(live.size() - 1).seq() + 1;
        restored = records;
        LOG.info("Task {}: {} buffered record(s) restored from the changelog; scoring them first",
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
        if (!restored.isEmpty()) {
            scoreRestored();
        }
        final FeatureEvent event = record.value();
        if (event == null) {
            throw new InvalidEventException("null_value", "the record has a null value (a tombstone); there is "
                    + "nothing to score");
        }
        final RecordMetadata meta = context.recordMetadata().orElse(null);
        final GenericRecord value = event.record();
        if (count == 0) {
            openBatch();
        }
        try {
            // Throws FeatureException for a record that cannot feed the model: dead-lettered by the handler.
            scorer.add(value);
        } catch (FeatureException e) {
            if (count == 0) {
                releaseBatch();
            }
            throw e;
        }
        // Only schemas the live model has accepted a record of are registered: a poison record of an
        // old schema must not make the registry refuse every future version.
        noteSchema(value.getSchema());
        final BufferedRecord buffered = new BufferedRecord(nextSeq++, record.key(), event, event.raw(),
                record.timestamp(),
                record.headers(), meta == null ? null : meta.topic(), meta == null ? -1 : meta.partition(),
                meta == null ? -1 : meta.offset());
        store.put(count, BufferCodec.encode(epoch, buffered));
        if (count == 0) {
            oldestBufferedAtMs = context.currentSystemTimeMs();
        }
        buffer[count++] = buffered;
        if (count >= buffer.length) {
            flush();
        }
    }

    private void punctuate(long wallClockMs) {
        if (!restored.isEmpty()) {
            scoreRestored();
        }
        if (count > 0 && (settings.batchMaxWaitMs() == 0
                || wallClockMs - oldestBufferedAtMs >= settings.batchMaxWaitMs())) {
            flush();
        }
    }

    /** Binds the new batch to the live model version, waiting (bounded) for one if none is live. */
    private void openBatch() {
        ModelLease next = registry.acquire(settings.modelName());
        if (next == null) {
            LOG.info("Waiting up to {} ms for a live version of model '{}'", settings.modelWaitTimeout().toMillis(),
                    settings.modelName());
            try {
                if (registry.awaitLive(settings.modelName(), settings.modelWaitTimeout())) {
                    next = registry.acquire(settings.modelName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (next == null) {
                throw new NoLiveModelException("No live version of model '" + settings.modelName() + "' after "
                        + settings.modelWaitTimeout().toMillis() + " ms (model.wait.timeout.ms): publish a valid "
                        + "ModelSpec for it to the model topic, or check the log for refused versions");
            }
        }
        if (lease != null) {
            lease.close();
        }
        lease = next;
        if (scorer == null || scorer.model() != lease.model()) {
            if (scorer != null) {
                scorer.close();
            }
            scorer = lease.model().newScorer(buffer.length);
            lastSchema = null;
        }
    }

    private void noteSchema(Schema schema) {
        if (schema == lastSchema) {
            return;
        }
        lastSchema = schema;
        registry.registerFeatureSchema(settings.modelName(), schema);
        Integer pos = eventIdPositions.get(schema);
        if (pos == null) {
            final Schema.Field f = settings.eventIdField() == null ? null : schema.getField(settings.eventIdField());
            pos = f == null ? -1 : f.pos();
            eventIdPositions.put(schema, pos);
        }
        eventIdPos = pos;
    }

    /**
     * Scores the records restored after a restart before anything newer, in batches of at most
     * {@code batch.max.records} (the setting may have shrunk since they were buffered). All of it
     * happens inside one process/punctuate call, so no commit falls between these flushes.
     */
    private void scoreRestored() {
        final List<BufferedRecord> pending = restored;
        restored = List.of();
        for (BufferedRecord r : pending) {
            if (r.value() == null) {
                deadLetter(r, new InvalidEventException("undecodable_after_restore",
                        "a buffered record could not be decoded again after a restart"));
                continue;
            }
            if (count == 0) {
                openBatch();
                oldestBufferedAtMs = context.currentSystemTimeMs();
            }
            try {
                scorer.add(r.value().record());
                noteSchema(r.value().record().getSchema());
                buffer[count++] = r;
            } catch (FeatureException e) {
                deadLetter(r, e);
            }
            if (count >= buffer.length) {
                flush();
            }
        }
        if (count > 0) {
            flush();
        } else if (lease != null) {
            releaseBatch();
        }
    }

    private void flush() {
        if (settings.passthrough()) {
            // Passthrough (benchmark only): no model run; a constant score is forwarded.
            forward(0, count, null);
            finishBatch();
            return;
        }
        try {
            forward(0, count, scorer.score());
        } catch (ScoringException e) {
            LOG.warn("A batch of {} record(s) failed in model '{}' version '{}' ({}); scoring its halves to isolate "
                    + "the failing record(s)", count, lease.model().name(), lease.model().version(),
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            isolate(0, count, e);
        }
        finishBatch();
    }

    /**
     * A batch failed inside ONNX Runtime: score each half on its own, recursively, so only the
     * record(s) that make the model fail are dead-lettered and their healthy neighbours are scored.
     * Halves are resolved left to right, so per-key order holds.
     */
    private void isolate(int from, int to, ScoringException failure) {
        if (to - from == 1) {
            deadLetter(buffer[from], failure);
            return;
        }
        final int mid = (from + to) >>> 1;
        scoreRange(from, mid);
        scoreRange(mid, to);
    }

    private void scoreRange(int from, int to) {
        scorer.clear();
        for (int i = from; i < to; i++) {
            scorer.add(buffer[i].value().record());
        }
        final ScoredBatch batch;
        try {
            batch = scorer.score();
        } catch (ScoringException e) {
            isolate(from, to, e);
            return;
        }
        forward(from, to, batch);
    }

    /** Forwards the scores of buffer rows {@code from..to-1}; row {@code i} is {@code batch} row {@code i - from}. */
    private void forward(int from, int to, ScoredBatch batch) {
        final String model = lease.model().name();
        final String version = lease.model().version();
        final int size = to - from;
        final long scoredAt = context.currentSystemTimeMs();
        observer.onBatch(model, version, size, batch == null ? 0 : batch.inferenceNanos());
        final byte[] modelBytes = model.getBytes(StandardCharsets.UTF_8);
        final byte[] versionBytes = version.getBytes(StandardCharsets.UTF_8);
        int forwarded = 0;
        for (int i = from; i < to; i++) {
            final BufferedRecord r = buffer[i];
            if (batch != null && !Double.isFinite(batch.score(i - from))) {
                // A model can overflow to NaN or infinity on extreme (saturated) inputs: not a score.
                deadLetter(r, new InvalidEventException("non_finite_score", "model '" + model + "' version '"
                        + version + "' computed a score of " + batch.score(i - from) + " for this record"));
                continue;
            }
            forwarded++;
            final ScoreResult result = toResult(r, batch, i - from, size, model, version, scoredAt);
            final Headers headers = new RecordHeaders(r.headers() == null ? null : r.headers().toArray());
            headers.remove(HEADER_MODEL_NAME).remove(HEADER_MODEL_VERSION);
            headers.add(HEADER_MODEL_NAME, modelBytes).add(HEADER_MODEL_VERSION, versionBytes);
            context.forward(new Record<byte[], Object>(r.key(), result, r.timestamp(), headers), scoresChild);
            observer.onLatency(result.getLatencyMs());
        }
        observer.onScored(model, version, forwarded);
    }

    private ScoreResult toResult(BufferedRecord r, ScoredBatch batch, int row, int batchSize, String model,
                                 String version, long scoredAt) {
        final GenericRecord value = r.value().record();
        String eventId = null;
        // The id field's position was resolved for the schema seen last (usually every record's);
        // records of another schema in the same batch look it up by name.
        final int idPos = value.getSchema() == lastSchema ? eventIdPos : eventIdPosition(value.getSchema());
        if (idPos >= 0) {
            final Object id = value.get(idPos);
            eventId = id == null ? null : id.toString();
        }
        if (eventId == null) {
            eventId = r.topic() + "-" + r.partition() + "@" + r.offset();
        }
        // The all-args constructor, not the builder: a builder copies the schema's field list and
        // validates every field, per record, on the hot path. Required fields are non-null here.
        return new ScoreResult(eventId, keyText(r.key()), model, version,
                batch == null ? 0.0 : batch.score(row),
                batch != null && batch.decision(row),
                batch == null ? null : batch.label(row),
                batch == null ? null : batch.classProbabilities(row),
                java.time.Instant.ofEpochMilli(r.timestamp()),
                java.time.Instant.ofEpochMilli(scoredAt),
                batchSize,
                batch == null ? 0L : batch.inferenceNanos() / 1000,
                scoredAt - r.timestamp(),
                r.topic(),
                r.partition() < 0 ? null : r.partition(),
                r.offset() < 0 ? null : r.offset());
    }

    private int eventIdPosition(Schema schema) {
        final Schema.Field f = settings.eventIdField() == null ? null : schema.getField(settings.eventIdField());
        return f == null ? -1 : f.pos();
    }

    private static String keyText(byte[] key) {
        if (key == null) {
            return null;
        }
        if (isAscii(key)) {
            // The common case (ids, account numbers): no decoder and no CharBuffer per record.
            return new String(key, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return "0x" + HexFormat.of().formatHex(key);
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Sends a buffered record to the dead-letter topic directly (no handler has its context now). */
    private void deadLetter(BufferedRecord r, Exception e) {
        final String model = lease == null ? null : lease.model().name();
        final String version = lease == null ? null : lease.model().version();
        final Headers headers = DeadLetters.headers(r.headers(), r.topic(), r.partition(), r.offset(), e, model,
                version);
        context.forward(new Record<byte[], Object>(r.key(), r.raw(), r.timestamp(), headers), deadLetterChild);
        observer.onDeadLetter(DeadLetters.reasonOf(e), model, version);
    }

    /** Invalidates every slot at once (new epoch) and releases the batch's model. */
    private void finishBatch() {
        for (int i = 0; i < count; i++) {
            buffer[i] = null;
        }
        count = 0;
        epoch++;
        store.put(EPOCH_SLOT, BufferCodec.encodeEpoch(epoch));
        releaseBatch();
    }

    private void releaseBatch() {
        scorer.clear();
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    /** Number of records buffered now (for tests). */
    int buffered() {
        return count;
    }

    @Override
    public void close() {
        // Buffered records stay in the changelogged store; whoever gets this task next scores them.
        if (punctuator != null) {
            punctuator.cancel();
        }
        if (scorer != null) {
            scorer.close();
            scorer = null;
        }
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }
}
