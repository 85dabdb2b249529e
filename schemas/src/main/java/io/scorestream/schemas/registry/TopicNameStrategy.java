package io.scorestream.schemas.registry;

import java.util.Objects;

/**
 * The subject under which the schemas of a topic's keys or values are registered:
 * {@code <topic>-key} or {@code <topic>-value}, as Confluent's default {@code TopicNameStrategy}
 * names them, so that our producers and theirs share subjects.
 */
public final class TopicNameStrategy {

    private TopicNameStrategy() {
    }

    /**
     * Returns the subject for the keys ({@code isKey}) or values of {@code topic}.
     *
     * @throws NullPointerException if {@code topic} is {@code null}
     */
    public static String subject(final String topic, final boolean isKey) {
        Objects.requireNonNull(topic, "topic");
        return topic + (isKey ? "-key" : "-value");
    }
}
