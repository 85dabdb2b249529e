package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OnnxModels;
import io.scorestream.inference.onnx.ShapedModels;
import io.scorestream.inference.onnx.SoftmaxRegression;
import io.scorestream.inference.onnx.TreeEnsemble;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class BatchScorerTest {

    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());
    private static final Mlp MLP = Mlp.random(42, 30, 64, 1);
    private static ScoringModel model;

    @BeforeAll
    static void loadModel() {
        final byte[] onnx = MLP.toOnnx();
        model = ScoringModel.create(TestSpecs.transactionSpec(onnx), onnx, LOADER, true);
        model.validateFeatureSchema(Transaction.SCHEMA$);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    /**
     * 1e-5 relative, with numpy.allclose's style of absolute floor (1e-7) for scores near 0, where
     * float32 arithmetic inside ONNX Runtime cannot be relatively that exact.
     */
    private static void assertClose(double expected, double actual, String what) {
        final double tolerance = 1e-5 * Math.abs(expected) + 1e-7;
        assertEquals(expected, actual, tolerance, what);
    }

    @ParameterizedTest(name = "batch of {0}")
    @ValueSource(ints = {1, 7, 256, 4096})
    void scoresEqualTheDoublePrecisionReferenceWithin1e5Relative(int batchSize) {
        final SplittableRandom random = new SplittableRandom(batchSize);
        final List<Transaction> records = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            records.add(TestSpecs.transaction(random, i));
        }
        try (BatchScorer scorer = model.newScorer(batchSize)) {
            for (Transaction t : records) {
                scorer.add(t);
            }
            final ScoredBatch batch = scorer.score();

            assertEquals(batchSize, batch.size());
            int midRange = 0;
            for (int i = 0; i < batchSize; i++) {
                midRange += batch.score(i) > 0.01 && batch.score(i) < 0.99 ? 1 : 0;
                final double expected = MLP.predict(TestSpecs.row(records.get(i)))[0];
                assertClose(expected, batch.score(i), "row " + i);
                assertEquals(expected >= 0.5, batch.decision(i), "decision of row " + i);
            }
            assertTrue(midRange * 2 >= batchSize, "most scores should be off the sigmoid's tails: " + midRange);
            assertEquals("fraud", batch.modelName());
            assertEquals("1", batch.modelVersion());
            assertTrue(batch.inferenceNanos() > 0);
        }
    }

    @Test
    void scoresSuccessiveBatchesOfDifferentSizesWithTheSameBuffers() {
        final SplittableRandom random = new SplittableRandom(5);
        try (BatchScorer scorer = model.newScorer(64)) {
            for (int size : new int[] {64, 3, 64, 64, 1}) {
                final List<Transaction> records = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    records.add(TestSpecs.transaction(random, i));
                    scorer.add(records.get(i));
                }
                final ScoredBatch batch = scorer.score();
                for (int i = 0; i < size; i++) {
                    assertClose(MLP.predict(TestSpecs.row(records.get(i)))[0], batch.score(i), "row " + i);
                }
                scorer.clear();
            }
        }
    }

    @Test
    void aRecordThatCannotBeMappedIsRejectedAloneAndItsNeighboursStillScore() {
        final GenericRecord good1 = generic(TestSpecs.transaction(new SplittableRandom(1), 1));
        final GenericRecord nan = generic(TestSpecs.transaction(new SplittableRandom(2), 2));
        nan.put("v7", Double.NaN);
        final GenericRecord inf = generic(TestSpecs.transaction(new SplittableRandom(3), 3));
        inf.put("amount", Double.NEGATIVE_INFINITY);
        final GenericRecord good2 = generic(TestSpecs.transaction(new SplittableRandom(4), 4));

        try (BatchScorer scorer = model.newScorer(8)) {
            assertEquals(0, scorer.add(good1));
            final FeatureException e1 = assertThrows(FeatureException.class, () -> scorer.add(nan));
            assertEquals(FeatureException.Reason.NON_FINITE, e1.reason());
            assertEquals("v7", e1.field());
            assertTrue(e1.getMessage().contains("field 'v7' is NaN"), e1.getMessage());
            final FeatureException e2 = assertThrows(FeatureException.class, () -> scorer.add(inf));
            assertTrue(e2.getMessage().contains("field 'amount' is -Infinity"), e2.getMessage());
            assertEquals(1, scorer.add(good2));

            final ScoredBatch batch = scorer.score();
            assertEquals(2, batch.size());
            assertClose(MLP.predict(row(good1))[0], batch.score(0), "first good row");
            assertClose(MLP.predict(row(good2))[0], batch.score(1), "second good row");
        }
    }

    @Test
    void aNullWithoutDefaultNamesTheFieldAndADefaultFillsIt() {
        final Schema nullableAmount = SchemaBuilder.record("Tx").fields()
                .optionalDouble("amount").requiredBoolean("card_present").endRecord();
        final Mlp small = Mlp.random(9, 2, 4, 1);
        final byte[] onnx = small.toOnnx();
        final FeatureColumn amountNoDefault = FeatureColumn.newBuilder().setField("amount").build();
        final FeatureColumn amountDefault = FeatureColumn.newBuilder().setField("amount").setDefaultValue(12.5).build();
        final FeatureColumn present = FeatureColumn.newBuilder().setField("card_present").build();
        final GenericRecord r = new GenericData.Record(nullableAmount);
        r.put("amount", null);
        r.put("card_present", true);

        try (ScoringModel strict = ScoringModel.create(specOf(onnx, List.of(amountNoDefault, present)), onnx,
                LOADER, true);
             BatchScorer scorer = strict.newScorer(4)) {
            final FeatureException e = assertThrows(FeatureException.class, () -> scorer.add(r));
            assertEquals(FeatureException.Reason.MISSING_VALUE, e.reason());
            assertTrue(e.getMessage().contains("field 'amount' is null and the mapping gives it no default"));
            assertEquals(0, scorer.size());
        }
        try (ScoringModel lenient = ScoringModel.create(specOf(onnx, List.of(amountDefault, present)), onnx,
                LOADER, true);
             BatchScorer scorer = lenient.newScorer(4)) {
            scorer.add(r);
            assertClose(small.predict(new double[] {12.5, 1.0})[0], scorer.score().score(0), "default and boolean");
        }
    }

    @Test
    void anArrayFieldExpandsToColumnsOfASecondNamedInput() {
        final Mlp mlp = Mlp.random(11, 34, 16, 1);
        final byte[] onnx = OnnxModels.twoInputMlp(mlp, 30);
        final FeatureColumn embedding = FeatureColumn.newBuilder().setField("embedding").setWidth(4)
                .setDefaultValue(0.0).build();
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(
                TestSpecs.input(OnnxModels.DENSE, TestSpecs.columns(TestSpecs.FEATURES)),
                TestSpecs.input(OnnxModels.EMBEDDING, List.of(embedding))), TestSpecs.output("score")).build();
        final Transaction full = TestSpecs.transaction(new SplittableRandom(1), 1);
        full.setEmbedding(List.of(0.5f, -1f, 2f, 0.25f));
        final Transaction shortOne = TestSpecs.transaction(new SplittableRandom(2), 2);
        shortOne.setEmbedding(List.of(1f, 1f));
        final Transaction absent = TestSpecs.transaction(new SplittableRandom(3), 3);
        final Transaction tooLong = TestSpecs.transaction(new SplittableRandom(4), 4);
        tooLong.setEmbedding(List.of(1f, 2f, 3f, 4f, 5f));

        try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true); BatchScorer scorer = m.newScorer(8)) {
            m.validateFeatureSchema(Transaction.SCHEMA$);
            scorer.add(full);
            scorer.add(shortOne);
            scorer.add(absent);
            final FeatureException e = assertThrows(FeatureException.class, () -> scorer.add(tooLong));
            assertEquals(FeatureException.Reason.ARRAY_LENGTH, e.reason());
            assertTrue(e.getMessage().contains("field 'embedding' has 5 element(s); the mapping expects 4"));

            final ScoredBatch batch = scorer.score();
            assertClose(mlp.predict(concat(TestSpecs.row(full), 0.5, -1, 2, 0.25))[0], batch.score(0), "full");
            assertClose(mlp.predict(concat(TestSpecs.row(shortOne), 1, 1, 0, 0))[0], batch.score(1), "padded");
            assertClose(mlp.predict(concat(TestSpecs.row(absent), 0, 0, 0, 0))[0], batch.score(2), "null array");
        }
    }

    @Test
    void aModelWithAFixedBatchDimensionIsScoredInPaddedChunks() {
        final byte[] onnx = OnnxModels.fixedBatch(MLP, 3);
        final SplittableRandom random = new SplittableRandom(8);
        try (ScoringModel m = ScoringModel.create(TestSpecs.transactionSpec(onnx), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(10)) {
            assertEquals(3, m.mapping().fixedBatch());
            assertEquals(12, scorer.capacity(), "capacity rounds up to whole chunks");
            final List<Transaction> records = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                records.add(TestSpecs.transaction(random, i));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();
            assertEquals(10, batch.size());
            for (int i = 0; i < 10; i++) {
                assertClose(MLP.predict(TestSpecs.row(records.get(i)))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void readsAOneDimensionalScoreOutput() {
        final byte[] onnx = OnnxModels.squeezedScore(MLP);
        final Transaction t = TestSpecs.transaction(new SplittableRandom(21), 0);
        try (ScoringModel m = ScoringModel.create(TestSpecs.transactionSpec(onnx), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(2)) {
            assertEquals(1, m.signature().output("score").orElseThrow().rank());
            scorer.add(t);
            assertClose(MLP.predict(TestSpecs.row(t))[0], scorer.score().score(0), "[N] output");
        }
    }

    @Test
    void picksTheConfiguredColumnOfAMultiColumnOutput() {
        final SoftmaxRegression softmax = SoftmaxRegression.random(4, 30, 3);
        final byte[] onnx = softmax.toOnnx();
        final SplittableRandom random = new SplittableRandom(2);
        for (Integer column : new Integer[] {null, 0, 1}) {
            final ModelSpec spec = TestSpecs.spec("1", onnx,
                    List.of(TestSpecs.input("features", TestSpecs.columns(TestSpecs.FEATURES))),
                    ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT).setScoreColumn(column).build())
                    .build();
            try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true); BatchScorer scorer = m.newScorer(5)) {
                final List<Transaction> records = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    records.add(TestSpecs.transaction(random, i));
                    scorer.add(records.get(i));
                }
                final ScoredBatch batch = scorer.score();
                final int expectedColumn = column == null ? 2 : column;
                for (int i = 0; i < 5; i++) {
                    assertClose(softmax.predict(TestSpecs.row(records.get(i)))[expectedColumn], batch.score(i),
                            "column " + expectedColumn + " of row " + i);
                }
            }
        }
    }

    @Test
    void readsTheZipMapShapeOfSklearnConvertersWithLabels() {
        final TreeEnsemble trees = TreeEnsemble.random(17, 30, 5, 3);
        final byte[] onnx = trees.toOnnx(true);
        final ModelSpec spec = TestSpecs.spec("1", onnx,
                List.of(TestSpecs.input("features", TestSpecs.columns(TestSpecs.FEATURES))),
                ModelOutput.newBuilder().setScoreOutput(TreeEnsemble.ZIPMAP_OUTPUT).setLabelOutput(TreeEnsemble.LABEL)
                        .build()).build();
        final SplittableRandom random = new SplittableRandom(6);
        try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true); BatchScorer scorer = m.newScorer(50)) {
            assertEquals(ValueSpec.Kind.SEQUENCE_OF_MAPS,
                    m.signature().output(TreeEnsemble.ZIPMAP_OUTPUT).orElseThrow().kind());
            final List<Transaction> records = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                records.add(TestSpecs.transaction(random, i));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();
            int positives = 0;
            for (int i = 0; i < 50; i++) {
                final double[] row = TestSpecs.row(records.get(i));
                final double p1 = trees.predictProbability(row);
                assertClose(p1, batch.score(i), "P(class 1) of row " + i);
                assertEquals(Long.toString(trees.predictLabel(row)), batch.label(i), "label of row " + i);
                final Map<String, Double> probabilities = batch.classProbabilities(i);
                assertEquals(2, probabilities.size());
                assertClose(1 - p1, probabilities.get("0"), "P(class 0) of row " + i);
                positives += batch.decision(i) ? 1 : 0;
            }
            assertTrue(positives > 0 && positives < 50, "the random ensemble should not be constant: " + positives);
        }
    }

    @Test
    void refusesAZipMapScoreClassThatIsNotAnIntegerLabel() {
        final byte[] onnx = TreeEnsemble.random(17, 30, 2, 2).toOnnx(true);
        final ModelSpec spec = TestSpecs.spec("1", onnx,
                List.of(TestSpecs.input("features", TestSpecs.columns(TestSpecs.FEATURES))),
                ModelOutput.newBuilder().setScoreOutput(TreeEnsemble.ZIPMAP_OUTPUT).setScoreClass("fraud").build())
                .build();

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ScoringModel.create(spec, onnx, LOADER, true));

        assertTrue(e.getMessage().contains("score class 'fraud' is not an integer"), e.getMessage());
    }

    @Test
    void recordsOfAnOlderWriterSchemaAreMappedWithTheirOwnFieldPositions() {
        // An older producer wrote amount first and has no v28: the mapping gives v28 a default.
        final Mlp small = Mlp.random(2, 3, 4, 1);
        final byte[] onnx = small.toOnnx();
        final List<FeatureColumn> cols = List.of(
                FeatureColumn.newBuilder().setField("v1").build(),
                FeatureColumn.newBuilder().setField("v28").setDefaultValue(-1.0).build(),
                FeatureColumn.newBuilder().setField("amount").build());
        final Schema old = SchemaBuilder.record("Transaction").namespace("io.scorestream.schemas").fields()
                .requiredDouble("amount").requiredDouble("v1").endRecord();
        final GenericRecord oldRecord = new GenericData.Record(old);
        oldRecord.put("amount", 99.0);
        oldRecord.put("v1", 0.5);
        final Transaction current = TestSpecs.transaction(new SplittableRandom(3), 3);

        try (ScoringModel m = ScoringModel.create(specOf(onnx, cols), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(4)) {
            scorer.add(oldRecord);
            scorer.add(current);
            final ScoredBatch batch = scorer.score();
            assertClose(small.predict(new double[] {0.5, -1.0, 99.0})[0], batch.score(0), "old schema");
            assertClose(small.predict(new double[] {(float) current.getV1(), (float) current.getV28(),
                    (float) current.getAmount()})[0],
                    batch.score(1), "current schema");
        }
    }

    @Test
    void aRecordSchemaMissingAMappedFieldIsRejectedPerRecordNamingTheField() {
        final GenericRecord r = new GenericData.Record(SchemaBuilder.record("Other").fields()
                .requiredDouble("amount").endRecord());
        r.put("amount", 1.0);
        try (BatchScorer scorer = model.newScorer(4)) {
            for (int attempt = 0; attempt < 2; attempt++) {
                final FeatureException e = assertThrows(FeatureException.class, () -> scorer.add(r));
                assertEquals(FeatureException.Reason.SCHEMA_MISMATCH, e.reason());
                assertEquals("elapsed_seconds", e.field());
            }
            assertEquals(0, scorer.size());
        }
    }

    @Test
    void extremeButFiniteValuesSaturateInsteadOfBecomingInfinite() {
        final GenericRecord r = generic(TestSpecs.transaction(new SplittableRandom(1), 1));
        r.put("amount", 1e300);
        try (BatchScorer scorer = model.newScorer(2)) {
            scorer.add(r);
            final double score = scorer.score().score(0);
            assertTrue(Double.isFinite(score), "score " + score);
        }
    }

    @Test
    void warmUpRunsAndAClosedModelRefusesToScore() {
        final byte[] onnx = Mlp.random(1, 30, 4, 1).toOnnx();
        final ScoringModel m = ScoringModel.create(TestSpecs.transactionSpec(onnx), onnx, LOADER, true);
        m.warmUp(16);
        final BatchScorer scorer = m.newScorer(2);
        scorer.add(TestSpecs.transaction(new SplittableRandom(1), 1));
        m.close();

        final ScoringException e = assertThrows(ScoringException.class, scorer::score);

        assertTrue(e.getMessage().contains("'fraud' version '1' failed to score a batch of 1"), e.getMessage());
        scorer.close();
    }

    @Test
    void addingToAFullBatchIsAnError() {
        try (BatchScorer scorer = model.newScorer(1)) {
            scorer.add(TestSpecs.transaction(new SplittableRandom(1), 1));
            assertTrue(scorer.isFull());
            assertThrows(IllegalStateException.class,
                    () -> scorer.add(TestSpecs.transaction(new SplittableRandom(2), 2)));
        }
    }

    @Test
    void theFeatureRowPathAllocatesNothingPerRecord() {
        final int n = 4096;
        final List<GenericRecord> records = new ArrayList<>(n);
        final SplittableRandom random = new SplittableRandom(77);
        for (int i = 0; i < n; i++) {
            records.add(generic(TestSpecs.transaction(random, i)));
        }
        try (BatchScorer scorer = model.newScorer(n)) {
            final long allocated = allocatedAdding(scorer, records);

            assertTrue(allocated / n < 8, "feature extraction allocated " + allocated + " bytes for " + n
                    + " records");
        }
    }

    @ParameterizedTest(name = "{0} input [N,3,4]")
    @EnumSource(value = ElementType.class, names = {"DOUBLE", "INT32", "INT64", "BOOL"})
    void theFeatureRowPathOfOtherElementTypesAllocatesNothingPerRecord(ElementType type) {
        // given: records as Avro decodes them, an array of 11 values and a scalar, into [N, 3, 4]
        final Schema.Type avroType = switch (type) {
            case DOUBLE -> Schema.Type.DOUBLE;
            case INT32 -> Schema.Type.INT;
            case INT64 -> Schema.Type.LONG;
            default -> Schema.Type.BOOLEAN;
        };
        final byte[] onnx = ShapedModels.flattened(Mlp.random(8, 12, 4, 1), type, -1, 3, 4);
        final int n = 4096;
        final Schema schema = TypedRecords.schema(avroType);
        final SplittableRandom random = new SplittableRandom(78);
        final List<GenericRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(TypedRecords.random(schema, 11, random));
        }
        try (ScoringModel m = ScoringModel.create(TestSpecs.spec("1", onnx, List.of(TestSpecs.input(
                ShapedModels.INPUT, TypedRecords.columns(11))), TestSpecs.output(ShapedModels.OUTPUT)).build(), onnx,
                LOADER, true); BatchScorer scorer = m.newScorer(n)) {
            // when
            final long allocated = allocatedAdding(scorer, records);

            // then
            assertTrue(allocated / n < 8, type + " feature extraction allocated " + allocated + " bytes for " + n
                    + " records");
        }
    }

    /** Bytes this thread allocates adding {@code records} once, after 20 warm-up rounds. */
    private static long allocatedAdding(BatchScorer scorer, List<GenericRecord> records) {
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Warm up: compile the extractor, let the JIT see the loop.
        for (int round = 0; round < 20; round++) {
            for (GenericRecord r : records) {
                scorer.add(r);
            }
            scorer.clear();
        }
        final long tid = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < records.size(); i++) {
            scorer.add(records.get(i));
        }
        return threads.getThreadAllocatedBytes(tid) - before;
    }

    private static ModelSpec specOf(byte[] onnx, List<FeatureColumn> columns) {
        return TestSpecs.spec("1", onnx, List.of(TestSpecs.input("features", columns)), TestSpecs.output("score"))
                .build();
    }

    private static GenericRecord generic(Transaction t) {
        final GenericData.Record r = new GenericData.Record(Transaction.SCHEMA$);
        for (Schema.Field f : Transaction.SCHEMA$.getFields()) {
            r.put(f.pos(), t.get(f.pos()));
        }
        return r;
    }

    private static double[] row(GenericRecord r) {
        final double[] row = new double[TestSpecs.FEATURES.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) ((Double) r.get(TestSpecs.FEATURES.get(i))).doubleValue();
        }
        return row;
    }

    private static double[] concat(double[] a, double... b) {
        final double[] out = new double[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        for (int i = 0; i < b.length; i++) {
            out[a.length + i] = (float) b[i];
        }
        return out;
    }
}
