package io.scorestream.topology;

import io.scorestream.topology.processor.ScoringSettings;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One scoring pipeline: the feature topics one model scores, where its scores go, and its own
 * batching. An application runs one or several (e.g. a fraud model on {@code transactions} and a
 * credit-risk model on {@code applications}); each source topic belongs to exactly one pipeline.
 * Immutable; validated at construction.
 *
 * @param name the pipeline's name: letters, digits, '.', '_' and '-'. It names the pipeline's
 *     processor and buffer store, so renaming a pipeline of a running application abandons its
 *     buffered records' changelog: keep names stable. {@value #DEFAULT} keeps the names of a
 *     single-pipeline application ({@code scoring}, {@code scoring-buffer}).
 * @param inputTopics feature topics (Avro, Confluent wire format), at least one
 * @param outputTopic where the scores go
 * @param shadowTopic where a shadow candidate's scores go
 * @param scoring the model and the batching of this pipeline
 * @param repartitionBy a field of the events whose value (as text) becomes their key before
 *     scoring, through an internal repartition topic, so aggregates grouped by it see every event of
 *     a group whatever the input's keys; null: the events keep their keys (no repartitioning)
 */
public record PipelineSettings(String name, List<String> inputTopics, String outputTopic, String shadowTopic,
                               ScoringSettings scoring, String repartitionBy) {

    /** The name of the pipeline of a single-pipeline configuration. */
    public static final String DEFAULT = "default";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public PipelineSettings {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("pipeline name '" + name + "' must be 1 to 100 letters, digits, '.', "
                    + "'_' or '-'");
        }
        inputTopics = List.copyOf(Objects.requireNonNull(inputTopics, "inputTopics"));
        if (inputTopics.isEmpty()) {
            throw new IllegalArgumentException("pipeline '" + name + "' needs at least one input topic");
        }
        Objects.requireNonNull(outputTopic, "outputTopic");
        Objects.requireNonNull(shadowTopic, "shadowTopic");
        Objects.requireNonNull(scoring, "scoring");
        repartitionBy = repartitionBy == null || repartitionBy.isBlank() ? null : repartitionBy;
        if (outputTopic.equals(shadowTopic)) {
            throw new IllegalArgumentException("pipeline '" + name + "': the shadow topic must differ from the "
                    + "output topic '" + outputTopic + "'");
        }
    }

    /** A pipeline that keeps its events' keys. */
    public PipelineSettings(String name, List<String> inputTopics, String outputTopic, String shadowTopic,
                            ScoringSettings scoring) {
        this(name, inputTopics, outputTopic, shadowTopic, scoring, null);
    }

    /** A copy that repartitions by {@code field} (null: not at all). */
    public PipelineSettings withRepartitionBy(String field) {
        return new PipelineSettings(name, inputTopics, outputTopic, shadowTopic, scoring, field);
    }

    /** A pipeline whose shadow scores go to {@code <outputTopic>-shadow}. */
    public static PipelineSettings of(String name, List<String> inputTopics, String outputTopic,
                                      ScoringSettings scoring) {
        return new PipelineSettings(name, inputTopics, outputTopic, defaultShadowTopic(outputTopic), scoring);
    }

    /** The shadow topic used when none is configured: {@code <outputTopic>-shadow}. */
    public static String defaultShadowTopic(String outputTopic) {
        return outputTopic + "-shadow";
    }

    /** Name of this pipeline's scoring processor node. */
    public String processorName() {
        return DEFAULT.equals(name) ? ScoringTopology.PROCESSOR : ScoringTopology.PROCESSOR + "-" + name;
    }

    /** Name of this pipeline's buffer store (its changelog is {@code <application.id>-<store>-changelog}). */
    public String bufferStoreName() {
        return DEFAULT.equals(name) ? "scoring-buffer" : "scoring-buffer-" + name;
    }

    /**
     * Name of this pipeline's repartition (its internal topic is
     * {@code <application.id>-<name>-repartition}).
     */
    public String repartitionName() {
        return DEFAULT.equals(name) ? "scoring-features" : "scoring-features-" + name;
    }

    /** Name of this pipeline's aggregates store (its changelog is {@code <application.id>-<store>-changelog}). */
    public String featuresStoreName() {
        return DEFAULT.equals(name) ? "scoring-features" : "scoring-features-" + name;
    }
}
