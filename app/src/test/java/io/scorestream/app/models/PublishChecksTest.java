package io.scorestream.app.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.demo.DemoModels;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.TopicNameStrategy;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** The checks {@code models publish} runs before writing a version (no broker needed). */
class PublishChecksTest {

    private static final Mlp MLP = Mlp.random(3, 30, 8, 1);
    private static final String TOPIC = "transactions";

    @Test
    void aVersionThatLoadsAndFitsTheRegisteredSchemaPasses() {
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        schemas.register(TopicNameStrategy.subject(TOPIC, false), Transaction.getClassSchema());

        final PublishChecks.Outcome outcome = PublishChecks.run(spec(MLP.toOnnx()), MLP.toOnnx(), schemas,
                List.of(TOPIC));

        assertTrue(outcome.passed(), outcome.refusal());
        assertEquals(2, outcome.checked().size(), outcome.checked().toString());
        assertTrue(outcome.checked().get(1).contains("'transactions'") && outcome.checked().get(1).contains("fill"),
                outcome.checked().get(1));
    }

    @Test
    void aMappingOfTheWrongWidthIsRefusedWithTheMessageTheApplicationsLog() {
        // given: the mapping fills 29 columns of a 30-wide input
        final ModelInput input = DemoModels.transactionInputs(Mlp.INPUT).get(0);
        final ModelInput narrow = ModelInput.newBuilder(input).setColumns(input.getColumns().subList(0, 29)).build();
        final ModelSpec spec = ModelSpec.newBuilder(spec(MLP.toOnnx())).setInputs(List.of(narrow)).build();

        final PublishChecks.Outcome outcome = PublishChecks.run(spec, MLP.toOnnx(), new InMemorySchemaRegistry(),
                List.of());

        assertTrue(!outcome.passed(), "a mapping of 29 columns for a 30-wide input passed");
        assertTrue(outcome.refusal().startsWith("Model 'fraud' version '9' refused (input_mapping)"),
                outcome.refusal());
        assertTrue(outcome.refusal().contains("29") && outcome.refusal().contains("30"), outcome.refusal());
    }

    @Test
    void aRegisteredSchemaThatCannotFillTheMappingIsRefusedNamingTheField() {
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        schemas.register(TopicNameStrategy.subject(TOPIC, false), withoutField("amount"));

        final PublishChecks.Outcome outcome = PublishChecks.run(spec(MLP.toOnnx()), MLP.toOnnx(), schemas,
                List.of(TOPIC));

        assertTrue(!outcome.passed(), "a schema without 'amount' passed");
        assertTrue(outcome.refusal().contains("(input_mapping)") && outcome.refusal().contains("amount"),
                outcome.refusal());
    }

    @Test
    void aTopicWithNoRegisteredSchemaIsReportedAsNotChecked() {
        final PublishChecks.Outcome outcome = PublishChecks.run(spec(MLP.toOnnx()), MLP.toOnnx(),
                new InMemorySchemaRegistry(), List.of("not-yet-produced"));

        assertNull(outcome.refusal());
        assertTrue(outcome.checked().get(1).contains("not checked"), outcome.checked().toString());
    }

    @Test
    void anArtifactThatIsNotOnnxIsRefused() {
        final byte[] junk = "not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        final PublishChecks.Outcome outcome = PublishChecks.run(spec(junk), junk, new InMemorySchemaRegistry(),
                List.of());

        assertTrue(!outcome.passed(), "junk bytes passed");
        assertTrue(outcome.refusal().startsWith("Model 'fraud' version '9' refused"), outcome.refusal());
    }

    private static ModelSpec spec(byte[] onnx) {
        return DemoModels.inlineSpec("fraud", "9", onnx, 0.5, Map.of());
    }

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
