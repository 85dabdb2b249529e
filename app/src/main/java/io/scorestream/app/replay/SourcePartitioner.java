package io.scorestream.app.replay;

import io.scorestream.schemas.ScoreResult;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.utils.Utils;

/**
 * The replay producer's partitioner: a score goes to the partition of the replay's output topic
 * numbered like its source partition (modulo the output's partition count), so that each output
 * partition holds the scores of one input partition, in input order, whatever the keys. With the
 * producer's default partitioner, scores of null-keyed records would land on arbitrary partitions,
 * and records of input partitions whose keys hash alike would interleave by timing: the output
 * would not be byte-identical, partition by partition, from run to run.
 *
 * <p>The scoring topology's sink has no partitioner of its own, so this one sits in the producer
 * ({@code producer.partitioner.class}) and reads {@code source_partition} back from the serialized
 * {@link ScoreResult} (Confluent wire format, written with {@link ScoreResult#getClassSchema()},
 * projected on that one field). Records of other topics (dead letters) and values it cannot read
 * fall back to murmur2 of the key bytes, or of the value bytes for a null key: deterministic too.
 *
 * <p>Kafka creates one instance per producer; {@link #partition} is called on the sending thread.
 * Thread-safe (the datum reader is; decoders are per call).
 */
public final class SourcePartitioner implements Partitioner {

    /** Producer setting naming the topic whose records are partitioned by source partition. */
    public static final String OUT_TOPIC_CONFIG = "scorestream.replay.out.topic";

    private static final int HEADER_SIZE = 5;
    private static final Schema PROJECTION = projection();

    private final GenericDatumReader<GenericRecord> reader =
            new GenericDatumReader<>(ScoreResult.getClassSchema(), PROJECTION);
    private String outTopic;

    private static Schema projection() {
        final Schema.Field field = ScoreResult.getClassSchema().getField("source_partition");
        final Schema record = Schema.createRecord(ScoreResult.getClassSchema().getName(), null,
                ScoreResult.getClassSchema().getNamespace(), false);
        record.setFields(List.of(new Schema.Field(field.name(), field.schema(), null, Schema.Field.NULL_DEFAULT_VALUE)));
        return record;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        final Object topic = configs.get(OUT_TOPIC_CONFIG);
        this.outTopic = topic == null ? null : topic.toString();
    }

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
        final Integer count = cluster.partitionCountForTopic(topic);
        final int n = count == null || count < 1 ? 1 : count;
        if (topic.equals(outTopic)) {
            final int source = sourcePartition(valueBytes);
            if (source >= 0) {
                return source % n;
            }
        }
        if (keyBytes != null) {
            return Utils.toPositive(Utils.murmur2(keyBytes)) % n;
        }
        return valueBytes == null ? 0 : Utils.toPositive(Utils.murmur2(valueBytes)) % n;
    }

    /** The {@code source_partition} of a serialized score, or -1 if it has none or cannot be read. */
    int sourcePartition(byte[] valueBytes) {
        if (valueBytes == null || valueBytes.length <= HEADER_SIZE || valueBytes[0] != 0) {
            return -1;
        }
        try {
            final BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(valueBytes, HEADER_SIZE,
                    valueBytes.length - HEADER_SIZE, null);
            final Object p = reader.read(null, decoder).get(0);
            return p instanceof Integer i && i >= 0 ? i : -1;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    @Override
    public void close() {
    }
}
