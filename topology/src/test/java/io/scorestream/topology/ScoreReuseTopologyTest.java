package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.processor.ScoringObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scoring processor refills one score object for every record it forwards to Kafka Streams'
 * sinks: what the scores topic carries must still be, byte for byte, what the generic Avro
 * serializer writes for each score's values, whatever the key's bytes, in every shape of the
 * topology (repartitioned or not, with features emitted or not).
 */
class ScoreReuseTopologyTest {

    @ParameterizedTest(name = "repartitioned by ''{0}'', features emitted: {1}")
    @CsvSource({"'', false", "account_id, false", "'', true"})
    void reusesOneScoreObjectAndWritesEachScoresOwnBytes(String repartitionBy, boolean emitFeatures) {
        // given: an observer noting every score instance and a copy of its values, and keys of every kind
        final Map<ScoreResult, Boolean> instances = new IdentityHashMap<>();
        final List<ScoreResult> copies = new ArrayList<>();
        final ScoringObserver observer = new ScoringObserver() {
            @Override
            public void onScore(ScoreResult score, org.apache.avro.generic.GenericRecord event) {
                instances.put(score, true);
                copies.add(ScoringObserver.copyOf(score));
            }
        };
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        final ConfluentAvroSerializer<ScoreResult> reference =
                ConfluentAvroSerializer.specific(schemas, ScoreResult.class, false);
        final byte[][] keys = {"account-1".getBytes(StandardCharsets.UTF_8),
            "счёт-😀".getBytes(StandardCharsets.UTF_8), {(byte) 0xff, 0x00, (byte) 0xc0, (byte) 0x80}, {},
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, null, "x".getBytes(StandardCharsets.UTF_8), {0x41, (byte) 0xe2}};
        final String[] keyTexts = {"account-1", "счёт-😀", "0xff00c080", "", "0xeda080", null, "x", "0x41e2"};
        final SyntheticTransactions generator = new SyntheticTransactions(7, 20);
        try (TopologyFixture f = TopologyFixture.builder(4).schemas(schemas).observer(observer)
                .repartitionBy(repartitionBy.isEmpty() ? null : repartitionBy).emitFeatures(emitFeatures).build()) {
            final TestOutputTopic<byte[], byte[]> raw = f.driver().createOutputTopic(TopologyFixture.SCORES,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", Mlp.random(1, 30, 4, 1)));

            // when: two batches, so every buffer slot and the score object serve twice
            final List<String> ids = new ArrayList<>();
            final List<java.time.Instant> times = new ArrayList<>();
            for (int i = 0; i < keys.length; i++) {
                final Transaction t = generator.next(TopologyFixture.START.plusSeconds(i));
                ids.add(t.get(TopologyFixture.EVENT_ID_FIELD).toString());
                times.add(t.getEventTime());
                f.transactions().pipeInput(new TestRecord<>(keys[i], t, t.getEventTime()));
            }
            final List<TestRecord<byte[], byte[]>> written = raw.readRecordsToList();

            // then: one instance for every score, and each score's bytes are those of its own values
            assertEquals(keys.length, written.size());
            assertEquals(keys.length, copies.size());
            assertEquals(1, instances.size(), "score objects forwarded");
            for (int i = 0; i < keys.length; i++) {
                assertEquals(keyTexts[i], copies.get(i).getKey(), "key " + i);
                assertEquals(ids.get(i), copies.get(i).getEventId(), "event id " + i);
                assertEquals((long) i, copies.get(i).getSourceOffset(), "source offset " + i);
                assertEquals(times.get(i), copies.get(i).getEventTime(), "event time " + i);
                assertArrayEquals(keys[i], written.get(i).key(), "output key " + i);
                assertArrayEquals(reference.serialize(TopologyFixture.SCORES, copies.get(i)), written.get(i).value(),
                        "score " + i);
                final List<String> headerNames = new ArrayList<>();
                for (Header h : written.get(i).headers()) {
                    headerNames.add(h.key());
                }
                assertEquals(List.of("scorestream.model.name", "scorestream.model.version", "scorestream.model.role"),
                        headerNames, "headers of score " + i);
                assertEquals("1", new String(written.get(i).headers().lastHeader("scorestream.model.version").value(),
                        StandardCharsets.UTF_8), "version header of score " + i);
            }
        }
    }
}
