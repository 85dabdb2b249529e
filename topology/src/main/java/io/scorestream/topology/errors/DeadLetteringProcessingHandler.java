package io.scorestream.topology.errors;

import io.scorestream.topology.processor.ScoringObserver;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records the scoring processor rejects (NaN or infinite features, a missing mapped field,
 * a null value, ...) to the dead-letter topic with the source record's original bytes and the
 * reason, and continues. A {@link NoLiveModelException} is fatal: the thread fails rather than
 * drop or mis-score records. Without a dead-letter topic every error is fatal.
 */
public final class DeadLetteringProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringProcessingHandler.class);

    private String deadLetterTopic;
    private ScoringObserver observer = ScoringObserver.NONE;

    @Override
    public void configure(Map<String, ?> configs) {
        final Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        this.deadLetterTopic = topic == null || topic.toString().isBlank() ? null : topic.toString();
        if (configs.get(ScoringObserver.CONFIG_KEY) instanceof ScoringObserver o) {
            this.observer = o;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoLiveModelException) {
                LOG.error("{}", t.getMessage());
                return Response.fail();
            }
        }
        if (deadLetterTopic == null || context.sourceRawValue() == null && record == null) {
            LOG.error("Cannot process record {}-{}@{} and cannot dead-letter it: failing", context.topic(),
                    context.partition(), context.offset(), e);
            return Response.fail();
        }
        final String reason = DeadLetters.reasonOf(e);
        LOG.warn("Dead-lettering record {}-{}@{} ({}): {}", context.topic(), context.partition(), context.offset(),
                reason, DeadLetters.rootMeaningful(e).getMessage());
        observer.onDeadLetter(reason, null, null);
        return Response.resume(List.of(DeadLetters.record(deadLetterTopic, context.sourceRawKey(),
                context.sourceRawValue(), DeadLetters.headers(context.headers(), context.topic(), context.partition(),
                        context.offset(), e, null, null))));
    }
}
