package io.scorestream.topology.errors;

import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.RepartitionHeaders;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records the scoring processor rejects (NaN or infinite features, a missing mapped field,
 * a null value, ...) to the dead-letter topic with the source record's original bytes and the
 * reason, and continues. Every other error is fatal — a {@link NoLiveModelException}, a score that
 * cannot be serialized, an unreachable schema registry — so the task restarts from its last commit
 * rather than dead-letter a healthy record or leave a batch half flushed. Without a dead-letter
 * topic every error is fatal.
 */
public final class DeadLetteringProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringProcessingHandler.class);

    private String deadLetterTopic;
    private ScoringObserver observer = ScoringObserver.NONE;

    @Override
    public void configure(Map<String, ?> configs) {
        final HandlerSettings settings = HandlerSettings.of(configs);
        this.deadLetterTopic = settings.deadLetterTopic();
        this.observer = settings.observer();
    }

    /** Whether {@code e} says the record itself cannot be scored (its features, its value). */
    static boolean isAboutTheRecord(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoLiveModelException) {
                return false;
            }
            if (t instanceof io.scorestream.inference.FeatureException || t instanceof InvalidEventException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
        if (!isAboutTheRecord(e)) {
            // Not the record's fault (no live model, a score that cannot be written, the schema
            // registry unreachable, a bug): dead-lettering the record at hand would be wrong, and
            // resuming could leave a half-flushed batch behind. Fail: the task restarts from its
            // last commit, and under exactly-once nothing is lost or doubled.
            LOG.error("Failing on an error that is not about record {}-{}@{}: {}", context.topic(),
                    context.partition(), context.offset(), e.getMessage(), e);
            return Response.fail();
        }
        if (deadLetterTopic == null || context.sourceRawValue() == null && record == null) {
            LOG.error("Cannot process record {}-{}@{} and cannot dead-letter it: failing", context.topic(),
                    context.partition(), context.offset(), e);
            return Response.fail();
        }
        final String reason = DeadLetters.reasonOf(e);
        // A repartitioned event is dead-lettered as its input record: its own key and coordinates.
        final Headers in = context.headers();
        final boolean repartitioned = RepartitionHeaders.present(in);
        final String topic = repartitioned ? RepartitionHeaders.topic(in) : context.topic();
        final int partition = repartitioned ? RepartitionHeaders.partition(in) : context.partition();
        final long offset = repartitioned ? RepartitionHeaders.offset(in) : context.offset();
        final byte[] key = repartitioned ? RepartitionHeaders.originalKey(in) : context.sourceRawKey();
        final Headers own = repartitioned ? RepartitionHeaders.remove(new RecordHeaders(in.toArray())) : in;
        LOG.warn("Dead-lettering record {}-{}@{} ({}): {}", topic, partition, offset, reason,
                DeadLetters.rootMeaningful(e).getMessage());
        observer.onDeadLetter(reason, null, null);
        return Response.resume(List.of(DeadLetters.record(deadLetterTopic, key, context.sourceRawValue(),
                DeadLetters.headers(own, topic, partition, offset, e, null, null))));
    }
}
