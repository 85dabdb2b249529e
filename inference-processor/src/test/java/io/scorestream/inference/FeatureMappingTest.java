package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OnnxGraphBuilder;
import io.scorestream.inference.onnx.OnnxModels;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** The mapping is checked at load time, never at the first record. */
class FeatureMappingTest {

    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());

    private static ModelLoadException refused(ModelSpec spec, byte[] onnx) {
        return assertThrows(ModelLoadException.class, () -> ScoringModel.create(spec, onnx, LOADER, true).close());
    }

    @Test
    void refusesAColumnCountThatDiffersFromTheModelsInputWidth() {
        final byte[] onnx = Mlp.random(1, 31, 4, 1).toOnnx();

        final ModelLoadException e = refused(TestSpecs.transactionSpec(onnx), onnx);

        assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
        assertTrue(e.getMessage().contains("input 'features' has shape [N,31] = 31 values per row; "
                + "the mapping gives 30 (fields elapsed_seconds, v1..v28, amount)"), e.getMessage());
    }

    @Test
    void refusesAModelInputTheMappingCannotFill() {
        final byte[] onnx = OnnxModels.twoInputMlp(Mlp.random(1, 38, 4, 1), 30);
        final ModelSpec spec = TestSpecs.spec("1", onnx,
                List.of(TestSpecs.input(OnnxModels.DENSE, TestSpecs.columns(TestSpecs.FEATURES))),
                TestSpecs.output("score")).build();

        final ModelLoadException e = refused(spec, onnx);

        assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
        assertTrue(e.getMessage().contains("model input 'embedding'"), e.getMessage());
        assertTrue(e.getMessage().contains("is not filled by the mapping"), e.getMessage());
    }

    @Test
    void refusesAMappedInputTheModelDoesNotHave() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final ModelSpec spec = TestSpecs.spec("1", onnx,
                List.of(TestSpecs.input("feats", TestSpecs.columns(TestSpecs.FEATURES))),
                TestSpecs.output("score")).build();

        final ModelLoadException e = refused(spec, onnx);

        assertTrue(e.getMessage().contains("maps input 'feats' but the model has no such input"), e.getMessage());
        assertTrue(e.getMessage().contains("[features]"), e.getMessage());
    }

    @Test
    void refusesAMissingScoreOutputListingTheRealOnes() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final ModelSpec spec = TestSpecs.spec("1", onnx,
                List.of(TestSpecs.input("features", TestSpecs.columns(TestSpecs.FEATURES))),
                TestSpecs.output("probability")).build();

        final ModelLoadException e = refused(spec, onnx);

        assertEquals(ModelLoadException.Reason.OUTPUT_MAPPING, e.reason());
        assertTrue(e.getMessage().contains("score output 'probability' is not an output of the model"),
                e.getMessage());
        assertTrue(e.getMessage().contains("score"), e.getMessage());
    }

    @Test
    void refusesAScoreColumnOutOfRange() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final ModelSpec spec = TestSpecs.spec("1", onnx,
                List.of(TestSpecs.input("features", TestSpecs.columns(TestSpecs.FEATURES))),
                io.scorestream.schemas.ModelOutput.newBuilder().setScoreOutput("score").setScoreColumn(3).build())
                .build();

        final ModelLoadException e = refused(spec, onnx);

        assertTrue(e.getMessage().contains("picks column 3"), e.getMessage());
        assertTrue(e.getMessage().contains("1 column(s)"), e.getMessage());
    }

    @Test
    void refusesASpecWithoutSha256WhenVerificationIsRequired() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final ModelSpec spec = ModelSpec.newBuilder(TestSpecs.transactionSpec(onnx)).setSha256(null).build();

        final ModelLoadException e = refused(spec, onnx);

        assertEquals(ModelLoadException.Reason.SHA256_MISSING, e.reason());
        ScoringModel.create(spec, onnx, LOADER, false).close();
    }

    @Test
    void refusesAFieldMissingFromTheFeatureSchemaNamingIt() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final List<String> fields = new ArrayList<>(TestSpecs.FEATURES);
        fields.set(5, "merchant_risk");
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(TestSpecs.input("features",
                TestSpecs.columns(fields))), TestSpecs.output("score")).build();

        try (ScoringModel model = ScoringModel.create(spec, onnx, LOADER, true)) {
            final ModelLoadException e = assertThrows(ModelLoadException.class,
                    () -> model.validateFeatureSchema(Transaction.SCHEMA$));
            assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
            assertTrue(e.getMessage().contains("mapped field 'merchant_risk' is not in record schema "
                    + "io.scorestream.schemas.Transaction"), e.getMessage());
        }
    }

    @Test
    void refusesANonNumericFieldNamingIt() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final List<String> fields = new ArrayList<>(TestSpecs.FEATURES);
        fields.set(0, "account_id");
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(TestSpecs.input("features",
                TestSpecs.columns(fields))), TestSpecs.output("score")).build();

        try (ScoringModel model = ScoringModel.create(spec, onnx, LOADER, true)) {
            final ModelLoadException e = assertThrows(ModelLoadException.class,
                    () -> model.validateFeatureSchema(Transaction.SCHEMA$));
            assertTrue(e.getMessage().contains("mapped field 'account_id' has type"), e.getMessage());
            assertTrue(e.getMessage().contains("only numbers, booleans and arrays of numbers"), e.getMessage());
        }
    }

    @Test
    void refusesAnArrayFieldWithoutAWidth() {
        final byte[] onnx = OnnxModels.twoInputMlp(Mlp.random(1, 38, 4, 1), 30);
        final FeatureColumn embedding = FeatureColumn.newBuilder().setField("embedding").setWidth(null).build();
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(
                TestSpecs.input(OnnxModels.DENSE, TestSpecs.columns(TestSpecs.FEATURES)),
                TestSpecs.input(OnnxModels.EMBEDDING, List.of(embedding))), TestSpecs.output("score")).build();

        // One unwidthed array column counts as one value against the model's 8.
        final ModelLoadException e = refused(spec, onnx);
        assertTrue(e.getMessage().contains("input 'embedding' has shape [N,8] = 8 values per row; "
                + "the mapping gives 1 (field embedding)"), e.getMessage());
    }

    @Test
    void refusesARank3InputOfAnotherWidthSayingWhatItFeeds() {
        final byte[] onnx = new OnnxGraphBuilder("rank3")
                .input("x", ElementType.FLOAT, -1, 2, 3)
                .output("y", ElementType.FLOAT, -1, 2, 3)
                .node("Identity", List.of("x"), List.of("y"))
                .build();
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(TestSpecs.input("x",
                TestSpecs.columns(List.of("v1", "v2")))), TestSpecs.output("y")).build();

        final ModelLoadException e = refused(spec, onnx);

        assertTrue(e.getMessage().contains("input 'x' has shape [N,2,3] = 6 values per row; "
                + "the mapping gives 2 (fields v1, v2)"), e.getMessage());
    }

    @Test
    void acceptsAFieldAbsentFromAnOlderSchemaWhenTheMappingHasADefault() {
        final Schema v1 = SchemaBuilder.record("Transaction").namespace("io.scorestream.schemas").fields()
                .requiredDouble("amount").endRecord();
        final byte[] onnx = Mlp.random(1, 2, 4, 1).toOnnx();
        final FeatureColumn amount = FeatureColumn.newBuilder().setField("amount").build();
        final FeatureColumn risk = FeatureColumn.newBuilder().setField("merchant_risk").setDefaultValue(0.25).build();
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(TestSpecs.input("features", List.of(amount, risk))),
                TestSpecs.output("score")).build();

        try (ScoringModel model = ScoringModel.create(spec, onnx, LOADER, true)) {
            model.validateFeatureSchema(v1);
        }
    }
}
