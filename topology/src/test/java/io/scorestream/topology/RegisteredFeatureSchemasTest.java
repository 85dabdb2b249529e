package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.Refusal;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.TopicNameStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * A new model version is checked against the value schema registered for its input topic before
 * any record of that topic is seen: whether a bad mapping is refused must not depend on timing.
 */
class RegisteredFeatureSchemasTest {

    private static final Mlp MLP = Mlp.random(7, 30, 8, 1);

    @Test
    void aVersionWhoseMappingTheRegisteredSchemaCannotFillIsRefusedBeforeAnyRecord() {
        // given: the feature topic's registered schema lacks v4, a field the mapping needs
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        schemas.register(TopicNameStrategy.subject(TopologyFixture.TRANSACTIONS, false), withoutField("v4"));
        try (TopologyFixture f = TopologyFixture.builder(16).schemas(schemas).build()) {
            // when: a version is published, and no transaction has been sent
            f.publish(ModelFixtures.spec(TopologyFixture.MODEL, "1", MLP));

            // then: the registry refuses it for its input mapping, naming the field
            f.await(TopologyFixture.VERSION_TIMEOUT, () -> f.registry().lastRefusal(TopologyFixture.MODEL).isPresent(),
                    () -> "version 1 was not refused; live: " + f.registry().live(TopologyFixture.MODEL));
            final Refusal refusal = f.registry().lastRefusal(TopologyFixture.MODEL).orElseThrow();
            assertEquals(ModelLoadException.Reason.INPUT_MAPPING, refusal.reason(), refusal.message());
            assertTrue(refusal.message().contains("v4"), refusal.message());
            assertEquals(Optional.empty(), f.registry().live(TopologyFixture.MODEL).map(i -> i.version()));
        }
    }

    @Test
    void aVersionThatFitsTheRegisteredSchemaGoesLive() {
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        schemas.register(TopicNameStrategy.subject(TopologyFixture.TRANSACTIONS, false), Transaction.getClassSchema());
        try (TopologyFixture f = TopologyFixture.builder(16).schemas(schemas).build()) {
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", MLP));
            assertEquals(Optional.empty(), f.registry().lastRefusal(TopologyFixture.MODEL));
        }
    }

    @Test
    void withNoSchemaRegisteredYetTheVersionGoesLiveAsBefore() {
        try (TopologyFixture f = TopologyFixture.builder(16).build()) {
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", MLP));
        }
    }

    @Test
    void aNewVersionThatCannotReadWhatTheLiveOneReadsIsRefusedAndTheLiveOneKeepsServing() {
        // given: the full schema registered, version 1 live
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        schemas.register(TopicNameStrategy.subject(TopologyFixture.TRANSACTIONS, false), Transaction.getClassSchema());
        try (TopologyFixture f = TopologyFixture.builder(16).schemas(schemas).build()) {
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", MLP));

            // when: version 2 maps a field no registered schema has, and no record has been sent
            final ModelSpec v2 = ModelFixtures.spec(TopologyFixture.MODEL, "2", MLP);
            final ModelInput input = v2.getInputs().get(0);
            final List<FeatureColumn> columns = new ArrayList<>(input.getColumns());
            columns.set(3, FeatureColumn.newBuilder().setField("no_such_field").build());
            f.publish(ModelSpec.newBuilder(v2)
                    .setInputs(List.of(ModelInput.newBuilder(input).setColumns(columns).build())).build());

            // then: refused naming the field; version 1 serves
            f.await(TopologyFixture.VERSION_TIMEOUT, () -> f.registry().lastRefusal(TopologyFixture.MODEL)
                    .map(r -> r.version().equals("2")).orElse(false), () -> "version 2 was not refused");
            final Refusal refusal = f.registry().lastRefusal(TopologyFixture.MODEL).orElseThrow();
            assertTrue(refusal.message().contains("no_such_field"), refusal.message());
            assertEquals(Optional.of("1"), f.registry().live(TopologyFixture.MODEL).map(i -> i.version()));
        }
    }

    @Test
    void aLatestSchemaTheLiveVersionCannotReadEitherDoesNotBlockTheNextVersion() {
        // given: version 1 live while nothing was registered
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        try (TopologyFixture f = TopologyFixture.builder(16).schemas(schemas).build()) {
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", MLP));

            // when: an older producer registers a schema without v4 (which neither version can
            // read), then version 2 arrives
            schemas.register(TopicNameStrategy.subject(TopologyFixture.TRANSACTIONS, false), withoutField("v4"));
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "2", MLP));

            // then: version 2 went live (publishAndAwaitVersion fails at once on a refusal)
            assertEquals(Optional.of("2"), f.registry().live(TopologyFixture.MODEL).map(i -> i.version()));
        }
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
}
