package io.scorestream.app.stack;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The topics a {@link LocalStack} creates, by role. Immutable.
 *
 * @param input the feature events ({@code transactions}); {@code partitions} partitions
 * @param scores the scores the application writes and the sink reads ({@code scores}); {@code partitions} partitions
 * @param deadLetters the application's dead-letter topic ({@code scores-dlq}); one partition
 * @param models the compacted model topic ({@code model-specs}); one partition
 * @param partitions partitions of {@code input} and {@code scores}, at least 1
 */
public record StackTopics(String input, String scores, String deadLetters, String models, int partitions) {

    /** The default names, with 3 partitions. */
    public static final StackTopics DEFAULTS =
            new StackTopics("transactions", "scores", "scores-dlq", "model-specs", 3);

    /**
     * @throws IllegalArgumentException if a name is blank or used twice, or {@code partitions < 1}
     */
    public StackTopics {
        final Set<String> seen = new HashSet<>();
        for (String name : List.of(Objects.requireNonNull(input, "input"), Objects.requireNonNull(scores, "scores"),
                Objects.requireNonNull(deadLetters, "deadLetters"), Objects.requireNonNull(models, "models"))) {
            if (name.isBlank()) {
                throw new IllegalArgumentException("A topic name must not be blank");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("Topic '" + name + "' is named for two roles");
            }
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
    }

    /** Where the sink puts the scores it cannot write: {@code <scores>-sink-dlq}. */
    public String sinkDeadLetters() {
        return scores + "-sink-dlq";
    }

    /** These topics with another number of partitions for {@code input} and {@code scores}. */
    public StackTopics withPartitions(int n) {
        return new StackTopics(input, scores, deadLetters, models, n);
    }
}
