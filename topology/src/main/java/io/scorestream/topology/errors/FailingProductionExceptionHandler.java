package io.scorestream.topology.errors;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A score or dead letter that cannot be serialized or sent is never the input record's fault (the
 * schema registry refused or could not be reached, the broker rejected the write), so it is not
 * dead-lettered: the task fails, and under exactly-once it restarts from its last commit with
 * nothing lost or doubled. Kafka Streams' default handler would also fail, but, with a dead-letter
 * topic configured, would first route the input record there too.
 */
public final class FailingProductionExceptionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FailingProductionExceptionHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception e) {
        LOG.error("Cannot write to topic '{}' (input {}-{}@{}): failing the task: {}", record.topic(),
                context.topic(), context.partition(), context.offset(), e.getMessage());
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception e,
                                             SerializationExceptionOrigin origin) {
        LOG.error("Cannot serialize the {} of a record for topic '{}' (input {}-{}@{}): failing the task: {}",
                origin == SerializationExceptionOrigin.KEY ? "key" : "value", record.topic(), context.topic(),
                context.partition(), context.offset(), e.getMessage());
        return Response.fail();
    }
}
