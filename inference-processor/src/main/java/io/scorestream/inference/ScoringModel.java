package io.scorestream.inference;

import io.scorestream.schemas.ModelSpec;
import java.util.Objects;
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

    /**
     * Checks that records of {@code featureSchema} can feed this model.
     *
     * @throws ModelLoadException ({@code INPUT_MAPPING}) naming the field that cannot
     */
    public void validateFeatureSchema(Schema featureSchema) {
        mapping.validateAgainst(featureSchema);
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
