package io.scorestream.topology.processor;

import io.scorestream.inference.ScoringModel;
import org.apache.avro.Schema;

/**
 * Where a scoring processor gets the {@link BatchPlan} of each batch: what is live on the model
 * topic ({@link LiveModelPlans}), or a fixed arrangement for a replay. Shared by every task of a
 * pipeline: implementations are thread-safe.
 */
public interface ModelPlans {

    /**
     * The plan for a batch opening now, or null when nothing is live. Never blocks: the processor
     * holds the records that arrive meanwhile and scores them first once a plan can be had, while
     * whoever runs the topology pauses its input (see {@code ScoringProcessor}).
     */
    BatchPlan open();

    /** A feature schema the plan's models accepted a record of (new versions must fit it). */
    default void featureSchemaSeen(Schema schema) {
    }

    /**
     * Whether the record at these source coordinates is to be scored at all; a record refused here
     * is skipped without output (a replay skips what lies beyond its end offsets). Live scoring
     * accepts everything. Called once per record on the stream thread: keep it cheap.
     */
    default boolean accepts(String topic, int partition, long offset) {
        return true;
    }

    /**
     * Whether every model run is padded to {@code batch.max.records} rows
     * ({@link ScoringModel#newPaddedScorer}), so that a record's score cannot depend on how many
     * records happened to be in its batch (ONNX Runtime may take another kernel path for another
     * number of rows, and the batches a wall-clock flush closes depend on timing). It costs a
     * full-size run for every batch: a replay asks for it, live scoring does not (the default).
     * Read once, when a processor starts.
     */
    default boolean fixedSizeRuns() {
        return false;
    }

    /** What it serves, for messages: e.g. {@code model 'fraud'}. */
    String describe();
}
