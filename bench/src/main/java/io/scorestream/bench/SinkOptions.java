package io.scorestream.bench;

import java.util.Map;

/**
 * What the sink mode ({@link Mode#SINK}) does. Immutable; read from the command line by
 * {@link BenchOptions#parse}.
 *
 * @param rows scores pre-loaded on the sink's topic and written by each side in each repetition
 * @param warmupRows scores written by each side, unmeasured, before the first repetition (the
 *     connector's warm-up also creates the table every measured table copies)
 * @param tasks {@code tasks.max} of the connector; 0 means one task per partition
 * @param batchSize {@code batch.size} of the connector, and the rows per batch (and transaction) of
 *     the plain JDBC ceiling
 * @param connectorOverrides extra connector settings, after the harness's own (e.g.
 *     {@code consumer.override.max.poll.records=3000})
 * @param workerOverrides extra Connect worker properties (e.g. {@code consumer.max.poll.records=3000})
 * @param jdbcUrlParams parameters added to the JDBC URL of both sides (e.g.
 *     {@code reWriteBatchedInserts=true}); empty for the plain URL
 */
public record SinkOptions(long rows, long warmupRows, int tasks, int batchSize,
                          Map<String, String> connectorOverrides, Map<String, String> workerOverrides,
                          Map<String, String> jdbcUrlParams) {

    public SinkOptions {
        connectorOverrides = Map.copyOf(connectorOverrides);
        workerOverrides = Map.copyOf(workerOverrides);
        jdbcUrlParams = Map.copyOf(jdbcUrlParams);
        if (rows < 1 || rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--sink-rows must be between 1 and 2^31-1");
        }
        if (warmupRows < 1 || warmupRows > Integer.MAX_VALUE) {
            // The connector's warm-up creates the table every measured table copies.
            throw new IllegalArgumentException("--sink-warmup-rows must be between 1 and 2^31-1");
        }
        if (tasks < 0) {
            throw new IllegalArgumentException("--sink-tasks must be >= 0 (0: one per partition)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--sink-batch-size must be >= 1");
        }
        if (connectorOverrides.containsKey("batch.size") || connectorOverrides.containsKey("tasks.max")) {
            throw new IllegalArgumentException("--sink-config cannot set batch.size or tasks.max: use "
                    + "--sink-batch-size (it sets the ceiling's batch too) and --sink-tasks");
        }
    }

    /** {@code tasks.max} for a topic of {@code partitions} partitions. */
    int tasksFor(int partitions) {
        return tasks == 0 ? partitions : tasks;
    }
}
