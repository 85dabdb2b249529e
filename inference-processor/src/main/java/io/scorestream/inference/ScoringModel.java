package io.scorestream.inference;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;

/**
 * A model version ready to score: the loaded session, its input mapping and output mapping (both
 * checked against the model's signature), and the spec's decision threshold. This is the unit the
 * model registry swaps in and out.
 *
 * <p>Threading: immutable apart from {@link #close()}; one {@link BatchScorer} per thread (stream
 * task) via {@link #newScorer(int)}. Ownership: the creator closes it once no scorer uses it; the
 * scorers must not be used after that.
 */
public final class ScoringModel implements AutoCloseable {

    private final ModelSpec spec;
    private final LoadedModel model;
    private final FeatureMapping mapping;
    private final OutputReader output;
    /** Per event schema: the schema its records are scored with ({@link #featureSchema}), or why there is none. */
    private final ConcurrentHashMap<Schema, Object> featureSchemas = new ConcurrentHashMap<>();
    /** Set once a run with pinned outputs failed where one without succeeded: its scorers stop pinning. */
    private final java.util.concurrent.atomic.AtomicBoolean pinnedOutputsRefused =
            new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * Set once a run with pinned outputs succeeded: pinning works for this model, so a later failing
     * run is the model's own failure and is not run again without pinning.
     */
    private volatile boolean pinnedOutputsProven;

    private ScoringModel(ModelSpec spec, LoadedModel model, FeatureMapping mapping, OutputReader output) {
        this.spec = spec;
        this.model = model;
        this.mapping = mapping;
        this.output = output;
    }

    /**
     * Verifies, loads and checks one version.
     *
     * @param spec the version's spec; its inputs and output must fit the model
     * @param artifact the ONNX bytes the spec points to (fetching them is the caller's job)
     * @param loader session factory (device and session options)
     * @param requireSha256 whether a spec without a sha256 is refused (it should be, unless the
     *     operator explicitly disabled verification)
     * @throws ModelLoadException naming the model, version and problem; nothing is left open
     */
    public static ScoringModel create(ModelSpec spec, byte[] artifact, OnnxModelLoader loader, boolean requireSha256) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(artifact, "artifact");
        final String name = spec.getName();
        final String version = spec.getVersion();
        if (name == null || name.isBlank() || version == null || version.isBlank()) {
            throw new ModelLoadException(String.valueOf(name), String.valueOf(version),
                    ModelLoadException.Reason.INVALID_SPEC, "a spec needs a non-blank name and version");
        }
        if (!Double.isFinite(spec.getThreshold())) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "threshold " + spec.getThreshold() + " is not a finite number");
        }
        final String sha = spec.getSha256();
        if (sha == null && requireSha256) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.SHA256_MISSING,
                    "the spec has no sha256 and verification is required");
        }
        if (sha != null && !Sha256.isWellFormed(sha.trim())) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "sha256 '" + sha + "' is not 64 hex digits");
        }
        checkAggregates(spec);
        final LoadedModel model = loader.load(name, version, artifact, sha);
        try {
            final FeatureMapping mapping = FeatureMapping.of(name, version, spec.getInputs(), model.signature());
            final OutputReader output = OutputReader.of(name, version, spec.getOutput(), model.signature());
            return new ScoringModel(spec, model, mapping, output);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Every aggregate valid ({@link AggregateDefinition#of}) and named once. */
    private static void checkAggregates(ModelSpec spec) {
        if (spec.getAggregates() == null) {
            return;
        }
        final java.util.Set<String> names = new java.util.HashSet<>();
        for (Aggregate a : spec.getAggregates()) {
            try {
                AggregateDefinition.of(a);
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException(spec.getName(), spec.getVersion(), ModelLoadException.Reason.INVALID_SPEC,
                        e.getMessage());
            }
            if (!names.add(a.getName())) {
                throw new ModelLoadException(spec.getName(), spec.getVersion(), ModelLoadException.Reason.INVALID_SPEC,
                        "two aggregates are named '" + a.getName() + "'");
            }
        }
    }

    /**
     * Checks that records of {@code featureSchema} can feed this model.
     *
     * @throws ModelLoadException ({@code INPUT_MAPPING}) naming the field that cannot
     */
    public void validateFeatureSchema(Schema featureSchema) {
        final Schema scored;
        try {
            scored = featureSchema(featureSchema);
        } catch (FeatureException e) {
            throw new ModelLoadException(name(), version(), ModelLoadException.Reason.INPUT_MAPPING,
                    e.getMessage() + " (schema " + featureSchema.getFullName() + ")", e);
        }
        mapping.validateAgainst(scored);
    }

    /** The aggregates this version declares (behavioural features computed from the stream), in spec order. */
    public List<Aggregate> aggregates() {
        return spec.getAggregates() == null ? List.of() : spec.getAggregates();
    }

    /**
     * The schema records of {@code eventSchema} are scored with: the event's own fields, then one
     * field per {@linkplain #aggregates() aggregate}, named as the aggregate, so an input column
     * names an aggregate like a field. An aggregate's field is a nullable long for {@code count}
     * and {@code count_distinct}, a nullable double otherwise (null: no value, e.g. the mean of an
     * empty window; the column's default then applies). Without aggregates, {@code eventSchema}
     * itself. Computed once per schema; thread-safe.
     *
     * @throws FeatureException ({@code SCHEMA_MISMATCH}) when an aggregate has the name of a field
     *     of the event, or reads a field the event does not have
     */
    public Schema featureSchema(Schema eventSchema) {
        if (aggregates().isEmpty()) {
            return eventSchema;
        }
        final Object s = featureSchemas.computeIfAbsent(eventSchema, this::withAggregates);
        if (s instanceof FeatureException e) {
            throw new FeatureException(e.reason(), e.field(), e.getMessage());
        }
        return (Schema) s;
    }

    /** The first field {@code a} reads (its field, group field, filter field) that {@code schema} lacks; or null. */
    private static String missingField(Aggregate a, Schema schema) {
        if (a.getField() != null && schema.getField(a.getField()) == null) {
            return a.getField();
        }
        if (a.getGroupBy() != null && schema.getField(a.getGroupBy()) == null) {
            return a.getGroupBy();
        }
        if (a.getFilter() != null && schema.getField(a.getFilter().getField()) == null) {
            return a.getFilter().getField();
        }
        return null;
    }

    private Object withAggregates(Schema eventSchema) {
        if (eventSchema.getType() != Schema.Type.RECORD) {
            return eventSchema;
        }
        final List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : eventSchema.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        final Schema nullableLong = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.LONG));
        final Schema nullableDouble = Schema.createUnion(Schema.create(Schema.Type.NULL),
                Schema.create(Schema.Type.DOUBLE));
        for (Aggregate a : aggregates()) {
            if (eventSchema.getField(a.getName()) != null) {
                return new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, a.getName(), "aggregate '"
                        + a.getName() + "' of model '" + name() + "' version '" + version() + "' has the name of a "
                        + "field of the event (" + eventSchema.getFullName() + "): give the aggregate another name");
            }
            final String missing = missingField(a, eventSchema);
            if (missing != null) {
                return new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, missing, "aggregate '"
                        + a.getName() + "' of model '" + name() + "' version '" + version() + "' reads field '"
                        + missing + "', which the event (" + eventSchema.getFullName() + ") does not have");
            }
            final boolean integral = "count".equals(a.getFunction()) || "count_distinct".equals(a.getFunction());
            fields.add(new Schema.Field(a.getName(), integral ? nullableLong : nullableDouble,
                    "aggregate " + a.getFunction(), JsonProperties.NULL_VALUE));
        }
        final Schema scored = Schema.createRecord(eventSchema.getName(), eventSchema.getDoc(),
                eventSchema.getNamespace(), false, fields);
        return scored;
    }

    /**
     * Runs one batch of {@code rows} all-zero rows, so the first real batch does not pay for ORT's
     * lazy initialisation, and so a model that fails at run time is refused before it goes live.
     *
     * @throws ModelLoadException ({@code WARM_UP_FAILED}) if the run fails
     */
    public void warmUp(int rows) {
        try (BatchScorer scorer = newScorer(Math.max(1, rows))) {
            scorer.addZeroRows(Math.max(1, rows));
            scorer.score();
        } catch (ScoringException e) {
            throw new ModelLoadException(name(), version(), ModelLoadException.Reason.WARM_UP_FAILED,
                    "a warm-up run of " + rows + " zero row(s) failed: " + e.getCause().getMessage(), e);
        }
    }

    /** A new scorer with room for {@code capacity} rows; owned (closed) by the caller. */
    public BatchScorer newScorer(int capacity) {
        return new BatchScorer(this, capacity, false);
    }

    /**
     * A new scorer with room for {@code rows} rows that runs every batch as exactly that many rows
     * (rounded up to a multiple of a fixed batch dimension), padding a shorter batch with zero rows
     * whose results are discarded. A row's score then cannot depend on how many rows happened to be
     * scored with it. It costs a full-size run for every batch, so only a replay asks for it. Owned
     * (closed) by the caller.
     *
     * @see BatchScorer#runRows()
     */
    public BatchScorer newPaddedScorer(int rows) {
        return new BatchScorer(this, rows, true);
    }

    public String name() {
        return spec.getName();
    }

    public String version() {
        return spec.getVersion();
    }

    public double threshold() {
        return spec.getThreshold();
    }

    public ModelSpec spec() {
        return spec;
    }

    public ModelSignature signature() {
        return model.signature();
    }

    public FeatureMapping mapping() {
        return mapping;
    }

    /** SHA-256 of the loaded bytes. */
    public String sha256() {
        return model.sha256();
    }

    /** {@code cpu} or {@code cuda:N}. */
    public String executionDevice() {
        return model.executionDevice();
    }

    /** Why this model runs on the CPU although CUDA was tried, or null. */
    public String cudaFallbackReason() {
        return model.cudaFallbackReason();
    }

    LoadedModel loaded() {
        return model;
    }

    OutputReader output() {
        return output;
    }

    /** Whether this model's outputs are read from the run's result only (pinning them failed once). */
    boolean pinnedOutputsRefused() {
        return pinnedOutputsRefused.get();
    }

    /** Whether a run of this model with pinned outputs has succeeded. */
    boolean pinnedOutputsProven() {
        return pinnedOutputsProven;
    }

    /** Notes that a run with pinned outputs succeeded. */
    void provePinnedOutputs() {
        pinnedOutputsProven = true;
    }

    /** Marks this model's outputs as not to be pinned; true for the one call that changed it. */
    boolean refusePinnedOutputs() {
        return pinnedOutputsRefused.compareAndSet(false, true);
    }

    public boolean isClosed() {
        return model.isClosed();
    }

    /** Closes the session. Idempotent. */
    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return name() + "@" + version();
    }
}
