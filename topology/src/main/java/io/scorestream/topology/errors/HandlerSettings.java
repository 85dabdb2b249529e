package io.scorestream.topology.errors;

import io.scorestream.topology.processor.ScoringObserver;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What the exception handlers read from the Streams configuration they are given: the dead-letter
 * topic ({@code errors.dead.letter.queue.topic.name}; null when unset) and the metrics observer
 * passed under {@link ScoringObserver#CONFIG_KEY}.
 */
record HandlerSettings(String deadLetterTopic, ScoringObserver observer) {

    static HandlerSettings of(Map<String, ?> configs) {
        final Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        final Object observer = configs.get(ScoringObserver.CONFIG_KEY);
        return new HandlerSettings(topic == null || topic.toString().isBlank() ? null : topic.toString(),
                observer instanceof ScoringObserver o ? o : ScoringObserver.NONE);
    }
}
