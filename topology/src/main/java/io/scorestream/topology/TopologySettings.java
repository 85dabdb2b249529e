package io.scorestream.topology;

import io.scorestream.topology.processor.ScoringSettings;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The part of the configuration that shapes the topology. Immutable; validated at construction.
 *
 * @param pipelines the scoring pipelines, at least one; names unique, and each input topic read by
 *     exactly one of them
 * @param deadLetterTopic where records that cannot be scored go (shared by every pipeline)
 * @param modelTopic the compacted topic of model specs; null for a topology without one (a replay,
 *     whose registry is filled directly)
 */
public record TopologySettings(List<PipelineSettings> pipelines, String deadLetterTopic, String modelTopic) {

    public TopologySettings {
        pipelines = List.copyOf(Objects.requireNonNull(pipelines, "pipelines"));
        if (pipelines.isEmpty()) {
            throw new IllegalArgumentException("at least one pipeline is needed");
        }
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        final Set<String> names = new HashSet<>();
        final Map<String, String> inputOwner = new HashMap<>();
        final Set<String> written = new HashSet<>();
        written.add(deadLetterTopic);
        if (modelTopic != null) {
            written.add(modelTopic);
        }
        for (PipelineSettings p : pipelines) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("two pipelines are named '" + p.name() + "'");
            }
            written.add(p.outputTopic());
            written.add(p.shadowTopic());
            for (String topic : p.inputTopics()) {
                final String other = inputOwner.putIfAbsent(topic, p.name());
                if (other != null) {
                    throw new IllegalArgumentException("input topic '" + topic + "' is read by pipelines '" + other
                            + "' and '" + p.name() + "'; each topic belongs to one pipeline");
                }
            }
        }
        for (String topic : inputOwner.keySet()) {
            if (written.contains(topic)) {
                throw new IllegalArgumentException("input topic '" + topic + "' of pipeline '" + inputOwner.get(topic)
                        + "' must differ from every output, shadow, dead-letter (" + deadLetterTopic + ") and model ("
                        + modelTopic + ") topic");
            }
        }
    }

    /** One pipeline named {@value PipelineSettings#DEFAULT}, its shadow scores to {@code <outputTopic>-shadow}. */
    public TopologySettings(List<String> inputTopics, String outputTopic, String deadLetterTopic, String modelTopic,
                            ScoringSettings scoring) {
        this(List.of(PipelineSettings.of(PipelineSettings.DEFAULT, inputTopics, outputTopic, scoring)),
                deadLetterTopic, Objects.requireNonNull(modelTopic, "modelTopic"));
    }

    /** Settings with the usual topic names, for tests and the demo. */
    public static TopologySettings of(String inputTopic, String modelName, int batchMaxRecords, long batchMaxWaitMs) {
        return new TopologySettings(List.of(inputTopic), "scores", "scores-dlq", "model-specs",
                new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, null));
    }

    /** The first pipeline (the only one in a single-pipeline configuration). */
    public PipelineSettings firstPipeline() {
        return pipelines.get(0);
    }
}
