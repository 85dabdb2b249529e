package io.scorestream.topology.processor;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What a repartitioned event carries from before its repartition: its own key and its source
 * coordinates (the input topic, partition and offset), as headers the {@link RekeyProcessor} adds
 * and the scoring processor reads and removes, so scores, dead letters and replays name the input
 * record, never the internal topic. Stateless.
 */
public final class RepartitionHeaders {

    /** The event's key before the repartition (absent value: a null key). */
    public static final String ORIGINAL_KEY = "scorestream.repartition.key";
    /** The input topic. */
    public static final String SOURCE_TOPIC = "scorestream.repartition.topic";
    /** The input partition, as decimal text. */
    public static final String SOURCE_PARTITION = "scorestream.repartition.partition";
    /** The input offset, as decimal text. */
    public static final String SOURCE_OFFSET = "scorestream.repartition.offset";

    private RepartitionHeaders() {
    }

    /** Whether {@code headers} come from a repartitioned event. */
    public static boolean present(Headers headers) {
        return headers != null && headers.lastHeader(SOURCE_TOPIC) != null;
    }

    /** The key before the repartition. Only when {@link #present}. */
    public static byte[] originalKey(Headers headers) {
        final Header h = headers.lastHeader(ORIGINAL_KEY);
        return h == null ? null : h.value();
    }

    public static String topic(Headers headers) {
        return text(headers, SOURCE_TOPIC);
    }

    public static int partition(Headers headers) {
        return Integer.parseInt(text(headers, SOURCE_PARTITION));
    }

    public static long offset(Headers headers) {
        return Long.parseLong(text(headers, SOURCE_OFFSET));
    }

    /**
     * Adds the four headers to {@code headers} (replacing any): what {@link RekeyProcessor} does,
     * and a replay of a repartitioned pipeline, which rekeys outside Kafka Streams.
     */
    public static void add(Headers headers, byte[] originalKey, String topic, int partition, long offset) {
        remove(headers);
        headers.add(ORIGINAL_KEY, originalKey)
                .add(SOURCE_TOPIC, topic.getBytes(StandardCharsets.UTF_8))
                .add(SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8))
                .add(SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
    }

    /** Removes them from {@code headers}. */
    public static Headers remove(Headers headers) {
        return headers.remove(ORIGINAL_KEY).remove(SOURCE_TOPIC).remove(SOURCE_PARTITION).remove(SOURCE_OFFSET);
    }

    private static String text(Headers headers, String name) {
        final Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
