package io.scorestream.app.replay;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.ScoringModel;
import io.scorestream.inference.registry.ArtifactSource;
import io.scorestream.inference.registry.DefaultArtifactFetcher;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.schemas.ModelSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.avro.Schema;

/**
 * The model versions of one replay, loaded: one {@link ScoringModel} per processor lane. A version
 * that scores in two roles (stable in one period, canary in another) gets a session per role, since
 * the scoring processor keeps one batch scorer per model object and two lanes must not share one.
 *
 * <p>Each spec is loaded the way the live registry loads it: the artifact from {@code artifact_bytes}
 * or fetched from {@code artifact_uri} by the registry's {@link ArtifactSource} (file, http, https,
 * within the default size and time limits; no on-disk cache), its sha256 required and verified, its
 * inputs and output checked against the model, a warm-up run of
 * {@value RegistrySettings#DEFAULT_WARM_UP_ROWS} rows. Sessions run on the CPU with one intra-op
 * thread, so a run of the same rows gives the same bits every time (a GPU does not promise it). A run
 * of another number of rows may not: ONNX Runtime's CPU kernels can take another path by the row
 * count (a converted scikit-learn logistic regression does for one row), which is why the replay's
 * processor scores every batch padded to {@code --batch-max-records} rows
 * ({@link ReplayPlans#fixedSizeRuns()}; see docs/BACKTESTING.md).
 *
 * <p>Ownership: owns the models; {@link #close()} them after Kafka Streams has closed. Immutable
 * otherwise and safe to share between threads.
 */
final class ReplayModels implements AutoCloseable {

    /** What one lane scores with: a version's own spec (no rollout) and the role its scores carry. */
    record LaneSpec(ModelSpec spec, String role) {

        LaneSpec {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(role, "role");
        }
    }

    private final List<LaneSpec> specs;
    private final List<ScoringModel> models;

    private ReplayModels(List<LaneSpec> specs, List<ScoringModel> models) {
        this.specs = List.copyOf(specs);
        this.models = List.copyOf(models);
    }

    /**
     * Loads every lane's model; nothing stays open if one fails.
     *
     * @param featureSchema the input topic's latest value schema, checked against each model's input
     *     mapping; null to skip. A mismatch is a warning (older records may still fit), not an error.
     * @param warn where warnings go
     * @throws ModelLoadException naming the version that cannot be loaded, and why
     */
    static ReplayModels load(List<LaneSpec> lanes, Schema featureSchema, Consumer<String> warn) {
        final OnnxModelLoader loader = new OnnxModelLoader(InferenceSettings.builder()
                .device(Device.CPU).intraOpThreads(1).interOpThreads(1).build());
        final RegistrySettings settings = RegistrySettings.defaults();
        final ArtifactSource source = new ArtifactSource(settings, new DefaultArtifactFetcher(settings), null);
        final List<ScoringModel> loaded = new ArrayList<>();
        final Map<ModelSpec, byte[]> artifacts = new HashMap<>();
        try {
            for (LaneSpec lane : lanes) {
                final ModelSpec spec = lane.spec();
                final byte[] bytes = artifacts.computeIfAbsent(identity(spec),
                        k -> source.bytesOf(spec.getName(), spec.getVersion(), spec));
                final ScoringModel model = ScoringModel.create(spec, bytes, loader, settings.requireSha256());
                loaded.add(model);
                if (featureSchema != null) {
                    try {
                        model.validateFeatureSchema(featureSchema);
                    } catch (ModelLoadException e) {
                        warn.accept("records of the topic's latest schema cannot feed " + model + " (they will be "
                                + "dead-lettered): " + e.getMessage());
                    }
                }
                model.warmUp(settings.warmUpRows());
            }
            return new ReplayModels(lanes, loaded);
        } catch (RuntimeException | Error e) {
            for (ScoringModel m : loaded) {
                m.close();
            }
            throw e;
        }
    }

    /**
     * What makes two specs score alike: the spec without its rollout, creation time and metadata
     * (two records republishing one version differ only there).
     */
    static ModelSpec identity(ModelSpec spec) {
        return ModelSpec.newBuilder(spec).setRollout(null).setCreatedAt(Instant.EPOCH)
                .setMetadata(new LinkedHashMap<>()).build();
    }

    int lanes() {
        return models.size();
    }

    ScoringModel model(int lane) {
        return models.get(lane);
    }

    String role(int lane) {
        return specs.get(lane).role();
    }

    /** Decision threshold per version label (of its last lane, should one label have several specs). */
    Map<String, Double> thresholds() {
        final Map<String, Double> t = new LinkedHashMap<>();
        for (ScoringModel m : models) {
            t.put(m.version(), m.threshold());
        }
        return t;
    }

    /** Closes every session. Idempotent. */
    @Override
    public void close() {
        for (ScoringModel m : models) {
            m.close();
        }
    }
}
