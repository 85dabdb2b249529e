package io.scorestream.app.models;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.ScoringModel;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.RegisteredSchema;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.registry.TopicNameStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code models publish} checks before it writes a version: the checks every application
 * runs when the version arrives, run here first, so that a version no application can serve is
 * not published by mistake.
 *
 * <ol>
 *   <li>the artifact loads in ONNX Runtime (on the CPU, one intra-op thread) and the spec's input
 *       and output mappings fit the model's signature, and one all-zero row scores (the same
 *       {@link ScoringModel#create} and warm-up the applications run);</li>
 *   <li>for each feature topic given, the latest value schema registered under the topic's subject
 *       ({@code <topic>-value}) can fill the input mapping ({@link ScoringModel#validateFeatureSchema}).
 *       A topic with no registered schema yet is reported as not checked.</li>
 * </ol>
 *
 * A failure carries the message the applications would log when they refuse the version
 * ({@link ModelLoadException#getMessage()}). Stateless; each call loads and closes its own session.
 */
final class PublishChecks {

    private PublishChecks() {
    }

    /** What the checks found: the lines saying what was checked, and the refusal, if any. */
    record Outcome(List<String> checked, String refusal) {

        Outcome {
            checked = List.copyOf(checked);
        }

        boolean passed() {
            return refusal == null;
        }
    }

    /**
     * Runs the checks of {@code spec} with the ONNX bytes {@code artifact}.
     *
     * @param featureTopics topics whose registered value schema must fill the mapping; may be empty
     * @throws SchemaRegistryException if the registry cannot be read (other than a subject not found)
     */
    static Outcome run(final ModelSpec spec, final byte[] artifact, final SchemaRegistry schemas,
            final List<String> featureTopics) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(artifact, "artifact");
        final List<String> checked = new ArrayList<>();
        final OnnxModelLoader loader = new OnnxModelLoader(InferenceSettings.builder()
                .device(Device.parse("cpu")).intraOpThreads(1).build());
        try (ScoringModel model = ScoringModel.create(spec, artifact, loader, true)) {
            model.warmUp(1);
            checked.add(String.format(Locale.ROOT, "model %s v%s loads on the CPU; its input and output mappings "
                    + "fit the model's signature", spec.getName(), spec.getVersion()));
            for (String topic : featureTopics) {
                final String subject = TopicNameStrategy.subject(topic, false);
                final RegisteredSchema latest = latestOrNull(schemas, subject);
                if (latest == null) {
                    checked.add(String.format(Locale.ROOT, "feature topic '%s': no schema registered under '%s' yet, "
                            + "not checked", topic, subject));
                    continue;
                }
                model.validateFeatureSchema(latest.schema());
                checked.add(String.format(Locale.ROOT, "feature topic '%s': records of its latest schema (%s, "
                                + "subject '%s' version %d, id %d) fill the input mapping", topic,
                        latest.schema().getFullName(), subject, latest.version(), latest.id()));
            }
            return new Outcome(checked, null);
        } catch (ModelLoadException e) {
            return new Outcome(checked, e.getMessage());
        }
    }

    private static RegisteredSchema latestOrNull(final SchemaRegistry schemas, final String subject) {
        try {
            return schemas.latest(subject);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return null;
            }
            throw e;
        }
    }
}
