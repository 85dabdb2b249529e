package io.scorestream.tests.models;

import io.scorestream.tests.models.ModelsCli.Result;

import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.models.ModelTopicHistory;
import io.scorestream.app.models.ModelsCommand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.SoftmaxRegression;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.TopicNameStrategy;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scorestream models} against a real broker and a Confluent-compatible registry server:
 * every command is run through {@link ScorestreamApp#execute}, and what it wrote is checked on the
 * records read back from the model topic, not only on the printed text. Each test uses its own
 * model names on the shared model topic (three partitions, compacted).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ModelsCommandIT {

    private static final String TOPIC = "model-specs";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private static EmbeddedKafka kafka;
    private static SchemaRegistryServer registryServer;
    private static SchemaRegistry schemas;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBrokerAndRegistry() {
        kafka = EmbeddedKafka.startDefault();
        kafka.createCompactedTopic(TOPIC, 3);
        registryServer = SchemaRegistryServer.start(new InMemorySchemaRegistry());
        schemas = HttpSchemaRegistry.builder(registryServer.url()).build();
    }

    @AfterAll
    static void stop() {
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    void grayReleaseFromCanaryToPromotionRollbackAndRetirement() throws Exception {
        // given: three versions of a logistic regression over the 30 demo features
        final byte[] v1 = onnx(1);
        final byte[] v2 = onnx(2);
        final byte[] v3 = onnx(3);
        final String name = "fraud";

        // when: version 1 is published
        final Instant start = Instant.now().minusSeconds(1);
        final Result p1 = models("publish", "--name", name, "--version", "1", "--onnx", file(v1), "--meta", "owner=risk");
        // then: it is the stable spec, inline, without rollout
        p1.assertOk();
        assertTrue(p1.out().contains("published fraud: version 1 as the stable version"), p1.out());
        final ModelSpec r1 = last(name);
        assertEquals("1", r1.getVersion());
        assertNull(r1.getRollout());
        assertEquals(Sha256.hex(v1), r1.getSha256());
        assertArrayEquals(v1, bytes(r1.getArtifactBytes()));
        assertEquals("risk", r1.getMetadata().get("owner"));
        assertFalse(r1.getCreatedAt().isBefore(start));

        // when: version 2 is published as a 10% canary
        final Result p2 = models("publish", "--name", name, "--version", "2", "--onnx", file(v2),
                "--candidate", "canary", "--percent", "10");
        // then: the record is stable 1 with candidate 2 in CANARY role at 10%
        p2.assertOk();
        assertTrue(p2.out().contains("candidate version 2 (canary, 10% of keys) beside stable version 1"), p2.out());
        assertTrue(p2.out().contains("to model-specs-"), p2.out());
        final ModelSpec r2 = last(name);
        assertEquals("1", r2.getVersion());
        assertEquals(Sha256.hex(v1), r2.getSha256());
        final Rollout canary = r2.getRollout();
        assertNotNull(canary);
        assertEquals(RolloutRole.CANARY, canary.getRole());
        assertEquals(10.0, canary.getCanaryPercent());
        assertEquals("2", canary.getCandidate().getVersion());
        assertEquals(name, canary.getCandidate().getName());
        assertEquals(Sha256.hex(v2), canary.getCandidate().getSha256());
        assertNull(canary.getCandidate().getRollout());

        // when: the models are listed
        final Result list = models("list");
        // then: one row shows both versions with role and percent
        list.assertOk();
        final String[] row = row(list.out(), name);
        assertEquals(List.of(name, "1", Sha256.hex(v1).substring(0, 12)), List.of(row).subList(0, 3), list.out());
        assertEquals(List.of("2", "canary", "10"), List.of(row).subList(4, 7), list.out());
        final Result full = models("list", "--full");
        assertEquals(Sha256.hex(v1), row(full.out(), name)[2], full.out());

        // when: the candidate is promoted
        final Result promote = models("promote", "--name", name);
        // then: version 2 is stable, without rollout, and says where it came from
        promote.assertOk();
        assertTrue(promote.out().contains("candidate version 2 (canary, 10% of keys) promoted to the stable version, "
                + "replacing version 1"), promote.out());
        final ModelSpec r3 = last(name);
        assertEquals("2", r3.getVersion());
        assertNull(r3.getRollout());
        assertEquals(Sha256.hex(v2), r3.getSha256());
        assertArrayEquals(v2, bytes(r3.getArtifactBytes()));
        assertEquals("1", r3.getMetadata().get(ModelsCommand.PROMOTED_FROM));
        assertFalse(r3.getCreatedAt().isBefore(canary.getCandidate().getCreatedAt()));

        // when: version 3 runs as a shadow candidate, then is rolled back
        models("publish", "--name", name, "--version", "3", "--onnx", file(v3), "--candidate", "shadow").assertOk();
        final ModelSpec r4 = last(name);
        assertEquals("2", r4.getVersion());
        assertEquals(RolloutRole.SHADOW, r4.getRollout().getRole());
        assertEquals("3", r4.getRollout().getCandidate().getVersion());
        final Result drop = models("rollback", "--name", name);
        // then: stable 2 goes on alone
        drop.assertOk();
        assertTrue(drop.out().contains("stable version 2 without its candidate, candidate version 3 (shadow) dropped"),
                drop.out());
        final ModelSpec r5 = last(name);
        assertEquals("2", r5.getVersion());
        assertNull(r5.getRollout());
        assertEquals(Sha256.hex(v2), r5.getSha256());

        // when: rolled back to version 1
        final Result back = models("rollback", "--name", name, "--to", "1");
        // then: version 1's own spec is republished
        back.assertOk();
        assertTrue(back.out().contains("version 1 republished as the stable version, no rollout, replacing stable "
                + "version 2"), back.out());
        final ModelSpec r6 = last(name);
        assertEquals("1", r6.getVersion());
        assertNull(r6.getRollout());
        assertEquals(Sha256.hex(v1), r6.getSha256());
        assertArrayEquals(v1, bytes(r6.getArtifactBytes()));
        assertEquals("2", r6.getMetadata().get(ModelsCommand.ROLLED_BACK_FROM));
        assertEquals("risk", r6.getMetadata().get("owner"));

        // and: version 3, which only ever ran as a candidate, can be found
        final ModelTopicHistory beforeRetire = history();
        final Optional<ModelSpec> three = beforeRetire.findVersion(name, "3");
        assertTrue(three.isPresent());
        assertEquals(Sha256.hex(v3), three.get().getSha256());
        assertNull(three.get().getRollout());
        assertEquals(List.of("1", "2", "3"), List.copyOf(beforeRetire.versions(name)));

        // when: retired
        final Result retire = models("retire", "--name", name);
        // then: a tombstone is the last record, and the name is no longer listed
        retire.assertOk();
        assertTrue(retire.out().contains("published fraud: tombstone (model retired; was stable version 1)"),
                retire.out());
        final List<Entry> timeline = history().timeline(name);
        assertTrue(timeline.get(timeline.size() - 1).isTombstone());
        assertFalse(history().latest().containsKey(name));
        final Result after = models("list");
        after.assertOk();
        assertNull(rowOrNull(after.out(), name), after.out());

        // and: the history shows every step, in order
        assertEquals(7, timeline.size());
        assertEquals(Arrays.asList("1", "1", "2", "2", "2", "1", null),
                timeline.stream().map(Entry::stableVersion).toList());
        final Result hist = models("list", "--history", name);
        hist.assertOk();
        final List<String> changes = new ArrayList<>();
        final List<String> lines = hist.out().lines().toList();
        assertTrue(lines.get(0).startsWith("history of model 'fraud' on 'model-specs' (7 records)"), hist.out());
        for (String line : lines.subList(2, lines.size())) {
            final String[] cells = line.split(" {2,}");
            changes.add(cells[cells.length - 1]);
        }
        assertEquals(List.of("published", "candidate added", "candidate promoted", "candidate added",
                "candidate dropped", "rolled back to an earlier version", "retired"), changes, hist.out());
        assertTrue(hist.out().contains("(tombstone)"), hist.out());
    }

    @Test
    void rampChangesOnlyTheCanaryShare() throws Exception {
        // given: ramp version 1 with a 5% canary of version 2
        final byte[] v1 = onnx(31);
        final byte[] v2 = onnx(32);
        models("publish", "--name", "ramp", "--version", "1", "--onnx", file(v1)).assertOk();
        final Result stableOnly = models("ramp", "--name", "ramp", "--percent", "20");
        assertEquals(2, stableOnly.code(), stableOnly.err());
        assertTrue(stableOnly.err().contains("model 'ramp' has no canary to ramp"), stableOnly.err());
        models("publish", "--name", "ramp", "--version", "2", "--onnx", file(v2), "--candidate", "canary",
                "--percent", "5").assertOk();
        final ModelSpec before = last("ramp");

        // when: the canary is ramped to 50%
        final Result ramp = models("ramp", "--name", "ramp", "--percent", "50");

        // then: the same stable and candidate specs, only the share changed
        ramp.assertOk();
        assertTrue(ramp.out().contains("canary version 2 ramped from 5% to 50% of keys beside stable version 1"),
                ramp.out());
        final ModelSpec after = last("ramp");
        assertEquals(50.0, after.getRollout().getCanaryPercent());
        assertEquals(before.getRollout().getCandidate(), after.getRollout().getCandidate());
        final ModelSpec beforeStable = ModelSpec.newBuilder(before).build();
        beforeStable.setRollout(null);
        final ModelSpec afterStable = ModelSpec.newBuilder(after).build();
        afterStable.setRollout(null);
        assertEquals(beforeStable, afterStable);

        // and: a share outside [0, 100] is refused, nothing written
        final int records = history().timeline("ramp").size();
        final Result bad = models("ramp", "--name", "ramp", "--percent", "150");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--percent must be within [0, 100], got 150"), bad.err());
        assertEquals(records, history().timeline("ramp").size());
    }

    @Test
    void changesThatDoNotFitWhatIsLiveAreRefusedNamingTheModelAndWriteNothing() throws Exception {
        // given: churn version 1 live alone
        final byte[] v1 = onnx(11);
        models("publish", "--name", "churn", "--version", "1", "--onnx", file(v1)).assertOk();
        final int records = history().timeline("churn").size();

        // when / then: promote without a candidate
        final Result promote = models("promote", "--name", "churn");
        assertEquals(2, promote.code(), promote.err());
        assertTrue(promote.err().contains("model 'churn' has no candidate to promote"), promote.err());

        // when / then: rollback to a version the topic never held
        final Result unknown = models("rollback", "--name", "churn", "--to", "9");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("model 'churn' has no version '9'"), unknown.err());
        assertTrue(unknown.err().contains("versions on the topic: 1"), unknown.err());

        // when / then: rollback with nothing to drop and no --to
        final Result nothing = models("rollback", "--name", "churn");
        assertEquals(2, nothing.code(), nothing.err());
        assertTrue(nothing.err().contains("model 'churn' has no candidate to drop"), nothing.err());

        // when / then: a candidate with the stable version's label
        final Result same = models("publish", "--name", "churn", "--version", "1", "--onnx", file(v1),
                "--candidate", "shadow");
        assertEquals(2, same.code(), same.err());
        assertTrue(same.err().contains("version 1 is the live stable version of model 'churn'"), same.err());

        // when / then: a candidate for a model that was never published, retiring it
        final Result ghost = models("publish", "--name", "ghost", "--version", "1", "--onnx", file(v1),
                "--candidate", "canary", "--percent", "5");
        assertEquals(2, ghost.code(), ghost.err());
        assertTrue(ghost.err().contains("model 'ghost' has no live version"), ghost.err());
        final Result retireGhost = models("retire", "--name", "ghost");
        assertEquals(2, retireGhost.code(), retireGhost.err());
        assertTrue(retireGhost.err().contains("model 'ghost' is not live"), retireGhost.err());

        // then: none of them wrote anything
        assertEquals(records, history().timeline("churn").size());
        assertTrue(history().timeline("ghost").isEmpty());

        // when: --force retires what is not live
        models("retire", "--name", "ghost", "--force").assertOk();
        // then: a tombstone is written
        final List<Entry> ghostTimeline = history().timeline("ghost");
        assertEquals(1, ghostTimeline.size());
        assertTrue(ghostTimeline.get(0).isTombstone());
    }

    @Test
    void publishRefusesAMappingTheFeatureTopicsRegisteredSchemaCannotFillUnlessForced() throws Exception {
        // given: the schema registered for topic checked-transactions lacks 'amount', a mapped field;
        // the one of good-transactions is the full Transaction schema
        schemas.register(TopicNameStrategy.subject("checked-transactions", false), withoutField("amount"));
        schemas.register(TopicNameStrategy.subject("good-transactions", false), Transaction.getClassSchema());
        final String model = file(onnx(41));

        // when: publishing against the topic whose records cannot fill the mapping
        final Result refused = models("publish", "--name", "checked", "--version", "1", "--onnx", model,
                "--feature-topic", "checked-transactions");

        // then: exit 2 with the refusal the applications would log, and nothing written
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().contains("Model 'checked' version '1' refused (input_mapping)"), refused.err());
        assertTrue(refused.err().contains("amount"), refused.err());
        assertTrue(refused.err().contains("Nothing was published"), refused.err());
        assertTrue(history().timeline("checked").isEmpty(), "a refused version was written");

        // when: the same with --force
        final Result forced = models("publish", "--name", "checked", "--version", "1", "--onnx", model,
                "--feature-topic", "checked-transactions", "--force");

        // then: published, saying which check failed
        forced.assertOk();
        assertTrue(forced.err().contains("publishing despite a failed check (--force)"), forced.err());
        assertEquals("1", last("checked").getVersion());

        // and: against a topic whose schema fits, the checks pass and say what they checked
        final Result good = models("publish", "--name", "checked", "--version", "2", "--onnx", model,
                "--feature-topic", "good-transactions");
        good.assertOk();
        assertTrue(good.out().contains("checked: feature topic 'good-transactions'"), good.out());
        assertEquals("2", last("checked").getVersion());
    }

    @Test
    void publishCarriesTheClassOutputsOfAMultiClassModel() throws Exception {
        // given: a 3-class model whose output is logits
        final String model = file(SoftmaxRegression.random(5, 30, 3).toOnnxLogits());

        // when: published with its classes, softmax, the score by class name and the top 2
        final Result r = models("publish", "--name", "tiers", "--version", "1", "--onnx", model,
                "--output", SoftmaxRegression.LOGITS, "--softmax", "--class-labels", "low,medium,high",
                "--score-class", "high", "--top-k", "2");

        // then: the checks passed and the spec on the topic says so
        r.assertOk();
        final ModelOutput out = last("tiers").getOutput();
        assertEquals(List.of("low", "medium", "high"), out.getClassLabels());
        assertEquals(Boolean.TRUE, out.getSoftmax());
        assertEquals("high", out.getScoreClass());
        assertEquals(2, out.getTopK());

        // and: class labels that do not match the output's width are refused before publishing
        final Result bad = models("publish", "--name", "tiers", "--version", "2", "--onnx", model,
                "--output", SoftmaxRegression.LOGITS, "--class-labels", "low,high");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("(output_mapping)") && bad.err().contains("class_labels name 2 class(es)"), bad.err());
        assertEquals("1", last("tiers").getVersion());
    }

    @Test
    void publishDeclaresAggregatesTheMappingReadsAndTheHistoryListsThem() throws Exception {
        // given: a model over the amount and a 10-minute count, and the feature topic's schema
        schemas.register(TopicNameStrategy.subject("agg-transactions", false), Transaction.getClassSchema());
        final String model = file(new LogisticRegression(new float[] {0.01f, 0.1f}, 0f).toOnnx());

        // when
        final Result r = models("publish", "--name", "aggs", "--version", "1", "--onnx", model,
                "--input", "features=amount,n_10m", "--aggregate", "n_10m=count() by account_id over 10m",
                "--feature-topic", "agg-transactions");

        // then: checked against the topic's schema with the aggregate as a field, and on the topic
        r.assertOk();
        final List<io.scorestream.schemas.Aggregate> declared = last("aggs").getAggregates();
        assertEquals(1, declared.size());
        assertEquals("count", declared.get(0).getFunction());
        assertEquals(600_000L, declared.get(0).getWindowMs());
        final Result hist = models("list", "--history", "aggs");
        hist.assertOk();
        assertTrue(hist.out().contains("n_10m=count() by account_id over 10m"), hist.out());

        // and: a misspelt function is refused naming it, nothing written
        final Result typo = models("publish", "--name", "aggs", "--version", "2", "--onnx", model,
                "--input", "features=amount,n_10m", "--aggregate", "n_10m=cnt() by account_id over 10m");
        assertEquals(2, typo.code(), typo.err());
        assertTrue(typo.err().contains("--aggregate") && typo.err().contains("cnt"), typo.err());
        // and: an aggregate of a field the topic's records lack is refused as the applications would
        final Result missing = models("publish", "--name", "aggs", "--version", "2", "--onnx", model,
                "--input", "features=amount,m", "--aggregate", "m=max(merchant_risk) by account_id over 1h",
                "--feature-topic", "agg-transactions");
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("(input_mapping)") && missing.err().contains("merchant_risk"),
                missing.err());
        assertEquals("1", last("aggs").getVersion());
    }

    /** The demo's Transaction schema without one field (an older producer's schema, say). */
    private static Schema withoutField(String name) {
        final SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Transaction")
                .namespace(Transaction.getClassSchema().getNamespace()).fields();
        for (Schema.Field field : Transaction.getClassSchema().getFields()) {
            if (!field.name().equals(name)) {
                fields.name(field.name()).type(field.schema()).noDefault();
            }
        }
        return fields.endRecord();
    }

    @Test
    void publishModelAliasPublishesAStableSpecThatEndsAnyRollout() throws Exception {
        // given: scoring version 1 with a canary of version 2
        models("publish", "--name", "alias", "--version", "1", "--onnx", file(onnx(21))).assertOk();
        models("publish", "--name", "alias", "--version", "2", "--onnx", file(onnx(22)), "--candidate", "canary",
                "--percent", "12.5").assertOk();
        assertEquals(12.5, last("alias").getRollout().getCanaryPercent());

        // when: version 3 is published with the old command, by reference
        final byte[] v3 = onnx(23);
        final Result r = run("publish-model", "--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                registryServer.url(), "--name", "alias", "--version", "3", "--onnx", file(v3),
                "--uri", "https://models.example/alias/3.onnx", "--threshold", "0.7");

        // then: it replaced stable and candidate alike
        r.assertOk();
        final ModelSpec spec = last("alias");
        assertEquals("3", spec.getVersion());
        assertNull(spec.getRollout());
        assertNull(spec.getArtifactBytes());
        assertEquals("https://models.example/alias/3.onnx", spec.getArtifactUri());
        assertEquals(Sha256.hex(v3), spec.getSha256());
        assertEquals(0.7, spec.getThreshold());
    }

    @Test
    void historySkipsAndCountsValuesThatAreNotModelSpecs() throws Exception {
        // given: a topic with a JSON value, a spec, and a value with an unknown schema id
        final String topic = "model-specs-dirty";
        kafka.createCompactedTopic(topic, 2);
        final Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(topic, 0, key("json"), "{\"name\":\"json\"}".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            raw.send(new ProducerRecord<>(topic, 1, key("bad-id"), new byte[] {0, 0, 0, 127, 1, 2}))
                    .get(30, TimeUnit.SECONDS);
        }
        models("publish", "--topic", topic, "--name", "good", "--version", "1", "--onnx", file(onnx(31)))
                .assertOk();

        // when
        final ModelTopicHistory h = ModelTopicHistory.read(clientProps(), schemas, topic, READ_TIMEOUT);

        // then
        assertEquals(2, h.undecodable());
        assertEquals(List.of("good"), h.entries().stream().map(Entry::name).toList());
        final Result list = models("list", "--topic", topic);
        list.assertOk();
        assertTrue(list.out().contains("(2 undecodable record(s) skipped"), list.out());
        assertNotNull(rowOrNull(list.out(), "good"), list.out());
    }

    @Test
    void readingATopicThatDoesNotExistFailsNamingTopicAndBootstrap() {
        final UnknownTopicOrPartitionException e = assertThrows(UnknownTopicOrPartitionException.class,
                () -> ModelTopicHistory.read(clientProps(), schemas, "no-such-models", READ_TIMEOUT));
        assertTrue(e.getMessage().contains("'no-such-models'"), e.getMessage());
        assertTrue(e.getMessage().contains(kafka.bootstrapServers()), e.getMessage());
    }

    // ------------------------------------------------------------------------------ helpers

    private static Map<String, Object> clientProps() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    }

    private static ModelTopicHistory history() {
        return ModelTopicHistory.read(clientProps(), schemas, TOPIC, READ_TIMEOUT);
    }

    /** The value of the newest record of {@code name} on the model topic, read back from the broker. */
    private static ModelSpec last(String name) {
        final List<Entry> timeline = history().timeline(name);
        assertFalse(timeline.isEmpty(), "no records of " + name);
        return timeline.get(timeline.size() - 1).specOrNull();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        final ByteBuffer b = buffer.duplicate();
        final byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] key(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    private static String[] row(String table, String name) {
        final String[] row = rowOrNull(table, name);
        assertNotNull(row, "no row for " + name + " in:\n" + table);
        return row;
    }

    private static String[] rowOrNull(String table, String name) {
        return table.lines().map(l -> l.split(" {2,}")).filter(cells -> cells[0].equals(name)).findFirst()
                .orElse(null);
    }

    /** {@code models <args>} on the test's broker and registry, echoed. */
    private static Result models(String... args) {
        return ModelsCli.run(true, ModelsCli.models(kafka.bootstrapServers(), registryServer.url(), null, args));
    }

    private static Result run(String... args) {
        return ModelsCli.run(true, args);
    }

    private String file(byte[] onnx) throws Exception {
        return ModelsCli.write(dir, onnx);
    }

    private static byte[] onnx(long seed) {
        return ModelsCli.logisticRegression(seed);
    }
}
