package io.scorestream.topology.errors;

import io.scorestream.topology.processor.ScoringObserver;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records whose bytes cannot be decoded (not Avro, wrong magic byte, unknown schema id,
 * truncated) to the dead-letter topic named by {@code errors.dead.letter.queue.topic.name}, in the
 * {@link DeadLetters} format, and continues. Without a dead-letter topic it fails instead: a
 * record is never dropped silently.
 */
public final class DeadLetteringDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringDeserializationHandler.class);

    private String deadLetterTopic;
    private ScoringObserver observer = ScoringObserver.NONE;

    @Override
    public void configure(Map<String, ?> configs) {
        final HandlerSettings settings = HandlerSettings.of(configs);
        this.deadLetterTopic = settings.deadLetterTopic();
        this.observer = settings.observer();
    }

    /** Whether {@code e} blames the bytes themselves (not Confluent wire format, unknown id, ...). */
    static boolean isBadBytes(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.scorestream.schemas.serde.WireFormatException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception e) {
        if (deadLetterTopic == null) {
            LOG.error("Cannot decode record {}-{}@{} and no dead-letter topic is configured: failing",
                    context.topic(), context.partition(), context.offset(), e);
            return Response.fail();
        }
        if (!isBadBytes(e)) {
            // E.g. the schema registry cannot be reached: the bytes may be fine. Fail, and let the
            // task retry from its last commit, rather than dead-letter a healthy record.
            LOG.error("Cannot decode record {}-{}@{} for a reason other than its bytes: failing: {}", context.topic(),
                    context.partition(), context.offset(), e.getMessage());
            return Response.fail();
        }
        final String reason = DeadLetters.reasonOf(e);
        LOG.warn("Dead-lettering record {}-{}@{} ({}): {}", context.topic(), context.partition(), context.offset(),
                reason, e.getMessage());
        observer.onDeadLetter(reason, null, null);
        return Response.resume(List.of(DeadLetters.record(deadLetterTopic, record.key(), record.value(),
                DeadLetters.headers(record.headers(), context.topic(), context.partition(), context.offset(), e,
                        null, null))));
    }
}
