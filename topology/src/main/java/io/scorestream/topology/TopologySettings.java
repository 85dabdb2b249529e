package io.scorestream.topology;

import io.scorestream.topology.processor.ScoringSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The part of the configuration that shapes the topology. Immutable; validated at construction.
 *
 * @param inputTopics feature topics (Avro, Confluent wire format), at least one
 * @param outputTopic where scores go
 * @param deadLetterTopic where records that cannot be scored go
 * @param modelTopic the compacted topic of model specs
 * @param scoring batching and model settings of the scoring processor
 */
public record TopologySettings(List<String> inputTopics, String outputTopic, String deadLetterTopic,
                               String modelTopic, ScoringSettings scoring) {

    public TopologySettings {
        inputTopics = List.copyOf(Objects.requireNonNull(inputTopics, "inputTopics"));
        if (inputTopics.isEmpty()) {
            throw new IllegalArgumentException("at least one input topic is needed");
        }
        Objects.requireNonNull(outputTopic, "outputTopic");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(modelTopic, "modelTopic");
        Objects.requireNonNull(scoring, "scoring");
        if (inputTopics.contains(outputTopic) || inputTopics.contains(modelTopic)
                || inputTopics.contains(deadLetterTopic)) {
            throw new IllegalArgumentException("input topics " + inputTopics + " must differ from the output ("
                    + outputTopic + "), dead-letter (" + deadLetterTopic + ") and model (" + modelTopic + ") topics");
        }
    }

    /** Settings with the usual topic names, for tests and the demo. */
    public static TopologySettings of(String inputTopic, String modelName, int batchMaxRecords, long batchMaxWaitMs) {
        return new TopologySettings(List.of(inputTopic), "scores", "scores-dlq", "model-specs",
                new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, null, Duration.ofSeconds(30)));
    }
}
