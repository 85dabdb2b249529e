package io.scorestream.topology.errors;

import io.scorestream.inference.FeatureException;
import io.scorestream.inference.ScoringException;
import io.scorestream.schemas.serde.WireFormatException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter record format, in one place. A dead letter carries the source record's key and
 * value bytes unchanged and its headers, plus:
 * <ul>
 *   <li>Kafka Streams' own error headers: {@code __streams.errors.exception} (class name),
 *   {@code __streams.errors.message}, {@code __streams.errors.stacktrace},
 *   {@code __streams.errors.topic}, {@code __streams.errors.partition},
 *   {@code __streams.errors.offset} (as UTF-8 text);</li>
 *   <li>{@code scorestream.errors.reason}: a short tag such as {@code wrong_magic_byte},
 *   {@code non_finite}, {@code missing_value}, {@code inference_failed};</li>
 *   <li>{@code scorestream.errors.field}: the offending field, when there is one;</li>
 *   <li>{@code scorestream.model.name} / {@code scorestream.model.version}: when a model was
 *   involved.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class DeadLetters {

    public static final String HEADER_EXCEPTION = "__streams.errors.exception";
    public static final String HEADER_MESSAGE = "__streams.errors.message";
    public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
    public static final String HEADER_TOPIC = "__streams.errors.topic";
    public static final String HEADER_PARTITION = "__streams.errors.partition";
    public static final String HEADER_OFFSET = "__streams.errors.offset";
    public static final String HEADER_REASON = "scorestream.errors.reason";
    public static final String HEADER_FIELD = "scorestream.errors.field";
    public static final String HEADER_MODEL_NAME = "scorestream.model.name";
    public static final String HEADER_MODEL_VERSION = "scorestream.model.version";

    private static final int MAX_STACKTRACE_CHARS = 8192;

    private DeadLetters() {
    }

    /** The reason tag for {@code e}, looking through wrappers. */
    public static String reasonOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WireFormatException w) {
                return w.reason().name().toLowerCase(Locale.ROOT);
            }
            if (t instanceof FeatureException f) {
                return f.reason().tag();
            }
            if (t instanceof InvalidEventException i) {
                return i.reason();
            }
            if (t instanceof ScoringException) {
                return "inference_failed";
            }
            if (t instanceof SerializationException) {
                return "deserialization_failed";
            }
        }
        return "processing_failed";
    }

    /** The field named by a {@link FeatureException} in {@code e}'s causes, or null. */
    public static String fieldOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FeatureException f) {
                return f.field();
            }
        }
        return null;
    }

    /** The headers of a dead letter for a record of {@code topic}/{@code partition}/{@code offset}. */
    public static Headers headers(Headers source, String topic, int partition, long offset, Throwable e,
                                  String modelName, String modelVersion) {
        final RecordHeaders h = new RecordHeaders();
        if (source != null) {
            for (Header header : source) {
                if (!header.key().startsWith("__streams.errors.") && !header.key().startsWith("scorestream.")) {
                    h.add(header.key(), header.value());
                }
            }
        }
        final Throwable root = rootMeaningful(e);
        add(h, HEADER_EXCEPTION, root.getClass().getName());
        add(h, HEADER_MESSAGE, String.valueOf(root.getMessage()));
        add(h, HEADER_STACKTRACE, stackTrace(e));
        add(h, HEADER_TOPIC, topic == null ? "" : topic);
        add(h, HEADER_PARTITION, Integer.toString(partition));
        add(h, HEADER_OFFSET, Long.toString(offset));
        add(h, HEADER_REASON, reasonOf(e));
        final String field = fieldOf(e);
        if (field != null) {
            add(h, HEADER_FIELD, field);
        }
        if (modelName != null) {
            add(h, HEADER_MODEL_NAME, modelName);
        }
        if (modelVersion != null) {
            add(h, HEADER_MODEL_VERSION, modelVersion);
        }
        return h;
    }

    /** A dead-letter producer record for Kafka Streams' exception-handler responses. */
    public static ProducerRecord<byte[], byte[]> record(String deadLetterTopic, byte[] key, byte[] value,
                                                        Headers headers) {
        return new ProducerRecord<>(deadLetterTopic, null, null, key, value, headers);
    }

    /** The exception worth reporting: the first of ours in the cause chain, else {@code e}. */
    static Throwable rootMeaningful(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WireFormatException || t instanceof FeatureException || t instanceof ScoringException
                    || t instanceof InvalidEventException) {
                return t;
            }
        }
        return e;
    }

    private static String stackTrace(Throwable e) {
        final StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        final String s = w.toString();
        return s.length() > MAX_STACKTRACE_CHARS ? s.substring(0, MAX_STACKTRACE_CHARS) : s;
    }

    private static void add(RecordHeaders h, String key, String value) {
        h.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Header value as UTF-8 text, or null when absent. */
    public static String text(Headers headers, String key) {
        final Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
