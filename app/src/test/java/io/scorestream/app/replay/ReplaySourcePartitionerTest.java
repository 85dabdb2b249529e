package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The replay producer puts each score on the output partition of its source partition. */
class ReplaySourcePartitionerTest {

    private static final Node NODE = new Node(1, "localhost", 9092);

    private static Cluster cluster(String topic, int partitions) {
        final List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            infos.add(new PartitionInfo(topic, p, NODE, new Node[] {NODE}, new Node[] {NODE}));
        }
        return new Cluster("c", List.of(NODE), infos, Set.of(), Set.of());
    }

    private static byte[] score(Integer sourcePartition) {
        final ScoreResult s = new ScoreResult();
        s.setEventId("e");
        s.setKey(null);
        s.setModelName("fraud");
        s.setModelVersion("1");
        s.setScore(0.25);
        s.setDecision(false);
        s.setEventTime(Instant.EPOCH);
        s.setScoredAt(Instant.EPOCH);
        s.setBatchSize(0);
        s.setInferenceMicros(0L);
        s.setLatencyMs(0L);
        s.setSourceTopic("tx");
        s.setSourcePartition(sourcePartition);
        s.setSourceOffset(42L);
        s.setRole("stable");
        return ConfluentAvroSerializer.specific(new InMemorySchemaRegistry(), ScoreResult.class, false)
                .serialize("out", s);
    }

    private static SourcePartitioner partitioner() {
        final SourcePartitioner p = new SourcePartitioner();
        p.configure(Map.of(SourcePartitioner.OUT_TOPIC_CONFIG, "out"));
        return p;
    }

    @Test
    void aScoreGoesToItsSourcePartitionWhateverItsKey() {
        final SourcePartitioner p = partitioner();
        for (int source = 0; source < 6; source++) {
            final byte[] value = score(source);
            assertEquals(source, p.sourcePartition(value));
            assertEquals(source, p.partition("out", null, null, null, value, cluster("out", 6)));
            assertEquals(source, p.partition("out", null, "k".getBytes(StandardCharsets.UTF_8), null, value,
                    cluster("out", 6)));
            assertEquals(source % 4, p.partition("out", null, null, null, value, cluster("out", 4)));
        }
    }

    @Test
    void otherTopicsAndUnreadableValuesHashTheKeyOrTheValue() {
        final SourcePartitioner p = partitioner();
        final byte[] key = "acct-7".getBytes(StandardCharsets.UTF_8);
        final byte[] value = score(3);
        assertEquals(Utils.toPositive(Utils.murmur2(key)) % 5, p.partition("out-dlq", null, key, null, value,
                cluster("out-dlq", 5)));
        final byte[] garbage = {1, 2, 3, 4, 5, 6, 7};
        assertEquals(-1, p.sourcePartition(garbage));
        assertEquals(Utils.toPositive(Utils.murmur2(garbage)) % 5, p.partition("out", null, null, null, garbage,
                cluster("out", 5)));
        assertEquals(-1, p.sourcePartition(score(null)));
        assertEquals(0, p.partition("out", null, null, null, null, cluster("out", 5)));
    }
}
