package io.scorestream.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accumulates feature rows and scores them in one ONNX Runtime run.
 *
 * <p>Rows are written straight into direct buffers sized once ({@link RowBuffers}: one per model
 * input, of its element type; a reused {@code String[]} for a string input), and results land in
 * arrays sized once, so the per-record path allocates nothing that can be reused per batch. Tensors
 * over the direct buffers are made once per run size; a string input's tensor is made for every
 * run, since ONNX Runtime copies strings. Feature extractors are compiled once per record schema
 * and cached. For a model with a fixed batch dimension B, a batch runs in chunks of B rows, the
 * last one padded.
 *
 * <p>Outputs are written by ONNX Runtime into tensors the scorer owns ({@link PinnedOutputs}) when
 * they can be: every requested output that is a numeric tensor whose dimensions after the batch one
 * are fixed. Those tensors, over direct buffers sized once for the largest run, are made once per
 * run size like the input tensors, and scores are read from their buffers, so a run copies no
 * output. Other outputs (string labels, ZipMap sequences, symbolic widths) come from the run's
 * result as before. Should a run with pinned outputs fail where one without succeeds (e.g. the
 * model's declared output shape is not the one it computes), the model's scorers stop pinning: the
 * failure is logged once per model, and no score is lost. Once a pinned run of the model has
 * succeeded, pinning is known to work for it, and a failing run is the model's own failure: it is
 * thrown at once instead of being run a second time without pinning.
 *
 * <p>A padded scorer ({@link ScoringModel#newPaddedScorer(int)}) runs every batch as exactly
 * {@link #capacity()} rows: the rows after the batch's own are all zero, and their results are
 * never read. ONNX Runtime may pick a different kernel path by the number of rows (a binary
 * {@code LinearClassifier} does for one row), so a row's score can differ in the last bits with the
 * size of the batch it is in; a padded scorer makes that size a constant. An ordinary scorer runs
 * exactly the rows it holds.
 *
 * <p>Not thread-safe: one scorer per stream task. The scorer owns its buffers and tensors and
 * closes them in {@link #close()}; it does not own the {@link ScoringModel}.
 */
public final class BatchScorer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchScorer.class);

    private final ScoringModel model;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int capacity;
    private final int chunk;
    private final boolean padded;
    private final String[] inputNames;
    private final long[][] rowShapes;
    private final RowBuffers rows;
    /** Whether some input's tensor copies its values and must be made for every run. */
    private final boolean copiesOnRun;
    private final double[] scores;
    private final String[] labels;
    private final Map<String, Double>[] probabilities;
    private final ScoredBatch view = new ScoredBatch(this);

    private final Map<Schema, Object> extractors = new HashMap<>();
    private Schema lastSchema;
    private FeatureExtractor lastExtractor;

    /** Per writer schema (by identity: one object per schema id): its {@link CompiledReader}, or why none. */
    private final Map<Schema, Object> readers = new java.util.IdentityHashMap<>();
    private Schema lastReaderSchema;
    private Object lastReader;
    private final io.scorestream.schemas.serde.AvroCursor cursor = new io.scorestream.schemas.serde.AvroCursor();
    private DecodeFallbackListener fallbackListener = DecodeFallbackListener.NONE;

    /**
     * Tensors over the whole buffers for the last run size, reused while the size repeats; null
     * where an input's tensor copies its values.
     */
    private OnnxTensor[] cachedTensors;
    private int cachedRows = -1;
    /** The inputs of every run, by name; refilled per run. */
    private final Map<String, OnnxTensor> inputs;
    /** The outputs ONNX Runtime writes into this scorer's tensors; null when none can, or pinning was given up. */
    private PinnedOutputs pinned;
    /** Whether this scorer has seen a pinned run succeed (and told the model). */
    private boolean pinnedProven;
    /** ONNX Runtime runs this scorer started, failed ones included; for tests. */
    private long sessionRuns;

    private int size;
    /**
     * Rows {@code [0, written)} may hold data; the rest of every buffer is zero. Kept so a padded run
     * clears only the rows a previous batch wrote.
     */
    private int written;
    private long lastInferenceNanos;
    private boolean closed;

    /**
     * @param capacity rows per batch (rounded up to a multiple of a fixed batch dimension)
     * @param padded whether every run is padded with zero rows to {@code capacity} rows
     */
    BatchScorer(ScoringModel model, int capacity, boolean padded) {
        this(model, capacity, padded, true);
    }

    /**
     * @param pinOutputs whether outputs that can be are written into tensors the scorer owns; false
     *     reads every output from the run's result (the path before pinning, kept for comparison)
     */
    @SuppressWarnings("unchecked")
    BatchScorer(ScoringModel model, int capacity, boolean padded, boolean pinOutputs) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be >= 1, got " + capacity);
        }
        this.model = model;
        this.padded = padded;
        final FeatureMapping mapping = model.mapping();
        this.chunk = mapping.fixedBatch();
        this.capacity = chunk > 0 ? ((capacity + chunk - 1) / chunk) * chunk : capacity;
        final int n = mapping.inputCount();
        this.inputNames = new String[n];
        this.rowShapes = new long[n][];
        for (int i = 0; i < n; i++) {
            inputNames[i] = mapping.inputName(i);
            rowShapes[i] = mapping.rowShape(i);
        }
        this.rows = RowBuffers.allocate(mapping, this.capacity);
        boolean copies = false;
        for (int i = 0; i < n; i++) {
            copies |= rows.copiesOnRun(i);
        }
        this.copiesOnRun = copies;
        this.scores = new double[this.capacity];
        this.labels = model.output().hasLabels() ? new String[this.capacity] : null;
        this.probabilities = model.output().hasClassProbabilities() ? new Map[this.capacity] : null;
        this.inputs = new HashMap<>(n * 2);
        this.pinned = pinOutputs && !model.pinnedOutputsRefused()
                ? PinnedOutputs.of(model.output(), chunk > 0 ? chunk : this.capacity) : null;
    }

    public ScoringModel model() {
        return model;
    }

    /** Maximum rows per batch (rounded up to a multiple of a fixed batch dimension). */
    public int capacity() {
        return capacity;
    }

    /**
     * Rows of every ONNX Runtime run this scorer makes: the model's fixed batch dimension if it has
     * one, else {@link #capacity()} for a padded scorer; 0 when a run has as many rows as the batch.
     */
    public int runRows() {
        return chunk > 0 ? chunk : padded ? capacity : 0;
    }

    /** Whether every batch is run padded to {@link #capacity()} rows. */
    public boolean isPadded() {
        return padded;
    }

    /** Rows added since the last {@link #clear()}. */
    public int size() {
        return size;
    }

    public boolean isFull() {
        return size >= capacity;
    }

    /**
     * Appends {@code record}'s features as the next row.
     *
     * @return the row's index in this batch
     * @throws FeatureException when the record cannot feed the model; the batch is unchanged
     * @throws IllegalStateException when the batch is full
     */
    public int add(IndexedRecord record) {
        if (size >= capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " rows); score and clear it first");
        }
        final FeatureExtractor extractor = extractorFor(record.getSchema());
        // Counted before extracting: a record refused half-way may have written part of the row.
        if (size >= written) {
            written = size + 1;
        }
        extractor.extract(record, rows, size);
        return size++;
    }

    /**
     * Appends the features of a record given both as a (possibly not yet decoded) record and as its
     * Avro binary encoding: {@code data[offset, offset + length)} is the datum, written with
     * {@code record.getSchema()}. The mapped fields are read straight from the bytes into the row by
     * a reader compiled once per writer schema; the record is read ({@link #add(IndexedRecord)})
     * instead when no reader can be compiled for the schema, or when the fast read does not accept
     * the bytes or a value, so the outcome (row, or {@link FeatureException}) is always the one
     * {@link #add(IndexedRecord)} gives. Each such fallback is reported to the
     * {@linkplain #setDecodeFallbackListener listener} with its reason.
     *
     * @return the row's index in this batch
     * @throws FeatureException when the record cannot feed the model; the batch is unchanged
     * @throws IllegalStateException when the batch is full
     */
    public int add(IndexedRecord record, byte[] data, int offset, int length) {
        if (size >= capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " rows); score and clear it first");
        }
        final Schema schema = record.getSchema();
        final Object reader = readerFor(schema);
        if (reader instanceof CompiledReader compiled) {
            if (size >= written) {
                written = size + 1;
            }
            try {
                compiled.read(cursor.reset(data, offset, length), rows, size);
                return size++;
            } catch (RuntimeException e) {
                // The generic path decides: it writes the row, or refuses the record with its own reason.
                fallbackListener.onFallback(DecodeFallbackListener.REASON_VALUE);
                return add(record);
            }
        }
        if (reader != null) {
            fallbackListener.onFallback((String) reader);
        }
        return add(record);
    }

    /** The reader of {@code schema}, the reason there is none, or null if the schema has no extractor. */
    private Object readerFor(Schema schema) {
        if (schema == lastReaderSchema) {
            return lastReader;
        }
        Object r = readers.get(schema);
        if (r == null && !readers.containsKey(schema)) {
            FeatureExtractor extractor = null;
            try {
                extractor = extractorFor(schema);
            } catch (FeatureException e) {
                // The schema cannot feed the model: add(record) gives the refusal, record by record.
            }
            r = extractor == null ? null : CompiledReader.compile(extractor);
            readers.put(schema, r);
        }
        lastReaderSchema = schema;
        lastReader = r;
        return r;
    }

    /** Where fallbacks from the fast read are reported (one call per record); never null. */
    public void setDecodeFallbackListener(DecodeFallbackListener listener) {
        this.fallbackListener = listener == null ? DecodeFallbackListener.NONE : listener;
    }

    void addZeroRows(int count) {
        for (int r = 0; r < count && size < capacity; r++) {
            written = Math.max(written, size + 1);
            rows.zeroRow(size);
            size++;
        }
    }

    private FeatureExtractor extractorFor(Schema schema) {
        if (schema == lastSchema) {
            return lastExtractor;
        }
        Object e = extractors.get(schema);
        if (e == null) {
            try {
                e = model.mapping().compile(schema);
            } catch (FeatureException fe) {
                e = fe;
            }
            extractors.put(schema, e);
        }
        if (e instanceof FeatureException fe) {
            // Same reason and field for every record of this schema, fresh stack for each record.
            throw new FeatureException(fe.reason(), fe.field(), fe.getMessage());
        }
        lastSchema = schema;
        lastExtractor = (FeatureExtractor) e;
        return lastExtractor;
    }

    /**
     * Scores the rows added so far, in one run (one per chunk for fixed-batch models; for a padded
     * scorer, one run of {@link #capacity()} rows whatever the batch's size).
     *
     * @return a view of the results, valid until the next {@link #add} or {@link #clear()}
     * @throws ScoringException carrying the model name and version when ONNX Runtime fails
     */
    public ScoredBatch score() {
        if (closed) {
            throw new IllegalStateException("scorer is closed");
        }
        final long start = System.nanoTime();
        if (size > 0) {
            try {
                if (padded) {
                    zeroRowsAfterBatch();
                }
                if (chunk > 0) {
                    for (int from = 0; from < size; from += chunk) {
                        run(from, chunk, Math.min(chunk, size - from));
                    }
                } else {
                    run(0, padded ? capacity : size, size);
                }
            } catch (OrtException | RuntimeException e) {
                throw new ScoringException(model.name(), model.version(), size,
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
            }
        }
        lastInferenceNanos = System.nanoTime() - start;
        return view;
    }

    /** Clears the rows after the batch's own that an earlier batch wrote, so the padding is all zero. */
    private void zeroRowsAfterBatch() {
        for (int r = size; r < written; r++) {
            rows.zeroRow(r);
        }
        written = size;
    }

    private void run(int from, int count, int used) throws OrtException {
        final OnnxTensor[] tensors;
        final boolean cache = from == 0;
        if (cache && count == cachedRows) {
            tensors = cachedTensors;
        } else {
            tensors = new OnnxTensor[inputNames.length];
            for (int i = 0; i < tensors.length; i++) {
                if (!rows.copiesOnRun(i)) {
                    tensors[i] = rows.tensor(env, i, from, shape(count, rowShapes[i]));
                }
            }
            if (cache) {
                closeCached();
                cachedTensors = tensors;
                cachedRows = count;
            }
        }
        // A tensor that copies its values (strings) is made for this run only.
        final OnnxTensor[] copies = copiesOnRun ? new OnnxTensor[inputNames.length] : null;
        try {
            for (int i = 0; i < inputNames.length; i++) {
                OnnxTensor t = tensors[i];
                if (t == null) {
                    t = rows.tensor(env, i, from, shape(count, rowShapes[i]));
                    copies[i] = t;
                }
                inputs.put(inputNames[i], t);
            }
            final OrtSession session = model.loaded().session();
            if (pinned != null && model.pinnedOutputsRefused()) {
                // Another scorer of the model found that its outputs cannot be pinned.
                closePinned();
            }
            if (pinned == null) {
                runUnpinned(session, from, used);
                return;
            }
            try {
                final Map<String, OnnxTensor> outputs = pinned.forRun(env, count);
                sessionRuns++;
                try (OrtSession.Result result = session.run(inputs, pinned.unpinnedOutputs(), outputs)) {
                    model.output().read(result, pinned, used, from, scores, labels, probabilities);
                }
                if (!pinnedProven) {
                    pinnedProven = true;
                    model.provePinnedOutputs();
                }
            } catch (OrtException | RuntimeException e) {
                if (model.pinnedOutputsProven()) {
                    // Pinning has worked for this model: the failure is the model's own.
                    throw e;
                }
                // A failure of the model itself fails this run too, and is thrown as it always was.
                runUnpinned(session, from, used);
                givePinningUp(e);
            }
        } finally {
            if (!cache) {
                closeAll(tensors);
            }
            if (copies != null) {
                closeAll(copies);
            }
        }
    }

    /** The run as it was before pinning: every requested output comes from (and is copied out of) the result. */
    private void runUnpinned(OrtSession session, int from, int used) throws OrtException {
        sessionRuns++;
        try (OrtSession.Result result = session.run(inputs, model.output().requestedOutputs())) {
            model.output().read(result, used, from, scores, labels, probabilities);
        }
    }

    /** Stops pinning for this scorer and (so the failure is logged once) for every scorer of the model. */
    private void givePinningUp(Exception cause) {
        if (model.refusePinnedOutputs()) {
            LOG.warn("model '{}' version '{}': a run writing outputs {} into pre-allocated tensors failed where one "
                    + "without them succeeded ({}); its scorers read every output from the run's result from now on",
                    model.name(), model.version(), pinned.names(),
                    cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
        closePinned();
    }

    private void closePinned() {
        if (pinned != null) {
            pinned.close();
            pinned = null;
        }
    }

    /** ONNX Runtime runs this scorer started, failed ones included; for tests. */
    long sessionRuns() {
        return sessionRuns;
    }

    /** The pinned outputs, or null when this scorer reads every output from the run's result; for tests. */
    PinnedOutputs pinnedOutputs() {
        return pinned;
    }

    private static void closeAll(OnnxTensor[] tensors) {
        for (OnnxTensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
    }

    /** {@code [count, d1, ..., dk]} for a row shape {@code [d1, ..., dk]}. */
    private static long[] shape(int count, long[] rowShape) {
        final long[] shape = new long[rowShape.length + 1];
        shape[0] = count;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return shape;
    }

    /**
     * Takes back the row added last (e.g. the record it belongs to was refused by another model
     * scoring the same batch). Does nothing on an empty batch.
     */
    public void dropLast() {
        if (size > 0) {
            size--;
        }
    }

    /** Forgets the rows; buffers and tensors are kept for the next batch. */
    public void clear() {
        size = 0;
    }

    double scoreAt(int row) {
        checkRow(row);
        return scores[row];
    }

    String labelAt(int row) {
        checkRow(row);
        return labels == null ? null : labels[row];
    }

    Map<String, Double> probabilitiesAt(int row) {
        checkRow(row);
        return probabilities == null ? null : probabilities[row];
    }

    long lastInferenceNanos() {
        return lastInferenceNanos;
    }

    private void checkRow(int row) {
        if (row < 0 || row >= size) {
            throw new IndexOutOfBoundsException("row " + row + " of a batch of " + size);
        }
    }

    private void closeCached() {
        if (cachedTensors != null) {
            closeAll(cachedTensors);
            cachedTensors = null;
            cachedRows = -1;
        }
    }

    /** Frees the native tensors. Idempotent; does not close the model. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeCached();
            if (pinned != null) {
                pinned.close();
            }
        }
    }
}
