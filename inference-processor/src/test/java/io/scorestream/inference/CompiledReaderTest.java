package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.ShapedModels;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.serde.AvroCursor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast reader against the generic path: for every field type a mapping takes, rows read
 * straight from the Avro bytes are bit-identical to rows extracted from the decoded record, and
 * whatever the generic path refuses the fast reader does not write as if it were fine.
 */
class CompiledReaderTest {

    private static final String INPUT = "x";
    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());

    /** Every numeric kind, nullable unions, arrays and unmapped fields of every type in between. */
    private static final Schema WIDE = SchemaBuilder.record("Wide").namespace("t").fields()
            .requiredString("id")
            .requiredInt("i")
            .name("skipped_map").type().map().values().longType().noDefault()
            .requiredLong("l")
            .name("skipped_record").type().record("Inner").fields().requiredDouble("d").optionalString("s")
                .endRecord().noDefault()
            .requiredFloat("f")
            .name("skipped_enum").type().enumeration("Color").symbols("RED", "GREEN").noDefault()
            .requiredDouble("d")
            .requiredBoolean("b")
            .name("skipped_fixed").type().fixed("Four").size(4).noDefault()
            .optionalInt("ni")
            .optionalDouble("nd")
            .name("mixed").type().unionOf().nullType().and().intType().and().floatType().and().booleanType()
                .endUnion().nullDefault()
            .requiredBytes("skipped_bytes")
            .name("fa").type().array().items().floatType().noDefault()
            .name("da").type().nullable().array().items().doubleType().noDefault()
            .name("skipped_records").type().array().items().record("Item").fields().requiredLong("n").endRecord()
                .noDefault()
            .name("ia").type().array().items().intType().noDefault()
            .name("ba").type().array().items().booleanType().noDefault()
            .endRecord();

    private static final List<FeatureColumn> WIDE_COLUMNS = List.of(
            col("i", null, null), col("l", null, null), col("f", null, null), col("d", null, null),
            col("b", null, null), col("ni", -1.0, null), col("nd", 2.5, null), col("mixed", 0.5, null),
            col("fa", 0.0, 5), col("da", -2.0, 3), col("ia", 9.0, 2), col("ba", null, 3),
            col("absent", 42.0, null));
    private static final int WIDE_WIDTH = 5 + 3 + 5 + 3 + 2 + 3 + 1;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"FLOAT", "DOUBLE"})
    void rowsReadFromTheBytesAreBitIdenticalToRowsFromTheDecodedRecord(String type) {
        final FeatureMapping mapping = mapping(type, WIDE_COLUMNS, WIDE_WIDTH);
        final SplittableRandom random = new SplittableRandom(7);
        final List<GenericRecord> records = new ArrayList<>();
        for (int n = 0; n < 200; n++) {
            records.add(wide(random));
        }

        final RowBuffers[] rows = readBothWays(mapping, WIDE, records);

        assertSameRows(rows[0], rows[1], records.size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"INT32", "INT64", "BOOL"})
    void integerAndBoolInputsAreBitIdenticalToo(String type) {
        final Schema schema = SchemaBuilder.record("Ints").fields()
                .requiredString("skipped").requiredInt("i").optionalLong("nl").requiredBoolean("b")
                .name("la").type().array().items().longType().noDefault()
                .name("ba").type().nullable().array().items().booleanType().noDefault()
                .endRecord();
        final List<FeatureColumn> columns = List.of(col("i", null, null), col("nl", 1.0, null), col("b", null, null),
                col("la", 0.0, 3), col("ba", 1.0, 2));
        final FeatureMapping mapping = mapping(type, columns, 8);
        final SplittableRandom random = new SplittableRandom(11);
        final List<GenericRecord> records = new ArrayList<>();
        for (int n = 0; n < 100; n++) {
            final boolean bool = type.equals("BOOL");
            final GenericRecord r = new GenericData.Record(schema);
            r.put("skipped", "s" + n);
            r.put("i", bool ? random.nextInt(2) : random.nextInt(-1000, 1000));
            r.put("nl", random.nextBoolean() ? null : (long) (bool ? random.nextInt(2) : random.nextInt(-99, 99)));
            r.put("b", random.nextBoolean());
            final List<Long> la = new ArrayList<>();
            for (int k = random.nextInt(4); k > 0; k--) {
                la.add((long) (bool ? random.nextInt(2) : random.nextInt(-5000, 5000)));
            }
            r.put("la", la);
            r.put("ba", random.nextBoolean() ? null : List.of(random.nextBoolean(), random.nextBoolean()));
            records.add(r);
        }

        final RowBuffers[] rows = readBothWays(mapping, schema, records);

        assertSameRows(rows[0], rows[1], records.size());
    }

    @Test
    void stringInputsReadStringsEnumsAndArraysOfThemAsTheDecodedRecordGivesThem() {
        final Schema schema = SchemaBuilder.record("Texts").fields()
                .requiredDouble("skipped")
                .requiredString("s")
                .name("e").type().enumeration("Kind").symbols("A", "B", "C").noDefault()
                .name("ns").type().nullable().stringType().noDefault()
                .name("sa").type().array().items().stringType().noDefault()
                .endRecord();
        final List<FeatureColumn> columns = List.of(col("s", null, null), col("e", null, null),
                col("ns", null, null), col("sa", null, 2));
        final FeatureMapping mapping = mapping("STRING", columns, 5);
        final List<GenericRecord> records = new ArrayList<>();
        final String[] words = {"", "ascii", "naïve café", "日本語", "emoji \uD83D\uDE00"};
        for (int n = 0; n < 20; n++) {
            final GenericRecord r = new GenericData.Record(schema);
            r.put("skipped", n * 0.5);
            r.put("s", words[n % words.length]);
            r.put("e", new GenericData.EnumSymbol(schema.getField("e").schema(), "ABC".substring(n % 3, n % 3 + 1)));
            r.put("ns", words[(n + 2) % words.length]);
            r.put("sa", List.of(words[(n + 1) % words.length], "x" + n));
            records.add(r);
        }

        final RowBuffers[] rows = readBothWays(mapping, schema, records);

        assertArrayEquals(rows[0].strings(0), rows[1].strings(0));
        assertEquals("naïve café", rows[1].strings(0)[2 * 5]);
    }

    @Test
    void whatTheGenericPathRefusesTheFastReaderDoesNotAccept() {
        final Schema schema = SchemaBuilder.record("Refusals").fields()
                .optionalDouble("nd")
                .name("fa").type().array().items().floatType().noDefault()
                .endRecord();
        final FeatureMapping mapping = mapping("FLOAT", List.of(col("nd", null, null), col("fa", null, 2)), 3);
        final FeatureExtractor extractor = mapping.compile(schema);
        final CompiledReader reader = (CompiledReader) CompiledReader.compile(extractor);
        final Object[][] cases = {
            {null, List.of(1f, 2f)},                 // null, no default
            {1.0, List.of(1f, Float.NaN)},           // NaN element
            {1.0, List.of(1f, 2f, 3f)},              // array too long
            {1.0, List.of(1f)},                      // array too short, no default
            {Double.POSITIVE_INFINITY, List.of(1f, 2f)},
        };
        for (Object[] c : cases) {
            final GenericRecord r = new GenericData.Record(schema);
            r.put("nd", c[0]);
            r.put("fa", c[1]);
            final byte[] bytes = encode(r);
            assertThrows(FeatureException.class, () -> extractor.extract(decode(bytes, schema),
                    RowBuffers.allocate(mapping, 1), 0), Arrays.toString(c));
            assertThrows(RuntimeException.class, () -> reader.read(new AvroCursor().reset(bytes, 0, bytes.length),
                    RowBuffers.allocate(mapping, 1), 0), Arrays.toString(c));
        }
        // and bytes that are not a whole datum
        final GenericRecord ok = new GenericData.Record(schema);
        ok.put("nd", 1.0);
        ok.put("fa", List.of(1f, 2f));
        final byte[] bytes = encode(ok);
        assertThrows(RuntimeException.class, () -> reader.read(new AvroCursor().reset(bytes, 0, bytes.length - 1),
                RowBuffers.allocate(mapping, 1), 0));
        final byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(RuntimeException.class, () -> reader.read(new AvroCursor().reset(longer, 0, longer.length),
                RowBuffers.allocate(mapping, 1), 0));
    }

    @Test
    void aFieldFeedingTwoColumnsHasNoFastReaderAndSaysWhy() {
        final Schema schema = SchemaBuilder.record("Twice").fields().requiredDouble("a").endRecord();
        final FeatureMapping mapping = mapping("FLOAT", List.of(col("a", null, null), col("a", null, null)), 2);

        final Object compiled = CompiledReader.compile(mapping.compile(schema));

        assertEquals(DecodeFallbackListener.REASON_FIELD_MAPPED_TWICE, compiled);
    }

    /**
     * The check: records written with an older and a newer writer schema (a field added
     * with a default, a field removed, int promoted to long and to float) score identically through
     * the fast reader and the generic path, in a real ONNX model.
     */
    @Test
    void olderAndNewerWriterSchemasGiveIdenticalTensorsAndScoresThroughARealModel() {
        // given: v1 writes amount as int, count as int, a note the model does not map, and no 'risk';
        // v2 promotes amount to long and count to float, drops the note, and adds 'risk' (default 0.25)
        final Schema v1 = SchemaBuilder.record("Payment").namespace("evo").fields()
                .requiredInt("amount").requiredString("note").requiredInt("count")
                .name("history").type().array().items().floatType().noDefault()
                .endRecord();
        final Schema v2 = SchemaBuilder.record("Payment").namespace("evo").fields()
                .requiredLong("amount").requiredFloat("count")
                .name("history").type().array().items().floatType().noDefault()
                .name("risk").type().doubleType().doubleDefault(0.25)
                .endRecord();
        final List<FeatureColumn> columns = List.of(col("amount", null, null), col("count", null, null),
                col("history", 0.0, 4), col("risk", 0.25, null));
        final Mlp mlp = Mlp.random(5, 7, 8, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, -1, 7);
        final SplittableRandom random = new SplittableRandom(5);
        final List<GenericRecord> records = new ArrayList<>();
        for (int n = 0; n < 64; n++) {
            final boolean old = n % 2 == 0;
            final GenericRecord r = new GenericData.Record(old ? v1 : v2);
            r.put("amount", old ? (Object) random.nextInt(-100_000, 100_000) : (Object) random.nextLong(1L << 40));
            if (old) {
                r.put("note", "n" + n);
            }
            r.put("count", old ? (Object) random.nextInt(100) : (Object) (float) random.nextDouble(0, 100));
            final List<Float> history = new ArrayList<>();
            for (int k = random.nextInt(5); k > 0; k--) {
                history.add((float) random.nextDouble(-3, 3));
            }
            r.put("history", history);
            if (!old) {
                r.put("risk", random.nextDouble());
            }
            records.add(r);
        }
        final List<String> fallbacks = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, columns), onnx, LOADER, true);
             BatchScorer generic = m.newScorer(records.size()); BatchScorer fast = m.newScorer(records.size())) {
            fast.setDecodeFallbackListener(fallbacks::add);
            // when: the same records, decoded then extracted / read straight from their bytes
            for (GenericRecord r : records) {
                final byte[] bytes = encode(r);
                generic.add(decode(bytes, r.getSchema()));
                fast.add(decode(bytes, r.getSchema()), bytes, 0, bytes.length);
            }
            final ScoredBatch g = generic.score();
            final double[] gScores = new double[g.size()];
            for (int i = 0; i < gScores.length; i++) {
                gScores[i] = g.score(i);
            }
            final ScoredBatch f = fast.score();

            // then: the same scores, bit for bit, and no record fell back
            for (int i = 0; i < gScores.length; i++) {
                assertEquals(Double.doubleToRawLongBits(gScores[i]), Double.doubleToRawLongBits(f.score(i)),
                        "row " + i + " (" + records.get(i).getSchema().getFields().size() + " fields)");
            }
            assertEquals(List.of(), fallbacks);
        }
        // and the tensors themselves are identical for each writer schema
        final FeatureMapping mapping = mapping("FLOAT", columns, 7);
        for (Schema writer : List.of(v1, v2)) {
            final List<GenericRecord> mine = records.stream().filter(r -> r.getSchema() == writer).toList();
            final RowBuffers[] rows = readBothWays(mapping, writer, mine);
            assertSameRows(rows[0], rows[1], mine.size());
        }
    }

    @Test
    void aRecordTheFastReaderRefusesIsAddedTheGenericWayAndTheFallbackIsReported() {
        final Schema schema = SchemaBuilder.record("Event").fields().optionalDouble("a")
                .requiredDouble("b").endRecord();
        final List<FeatureColumn> columns = List.of(col("a", 3.0, null), col("b", null, null));
        final Mlp mlp = Mlp.random(6, 2, 4, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, -1, 2);
        final List<String> fallbacks = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, columns), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(4)) {
            scorer.setDecodeFallbackListener(fallbacks::add);
            final GenericRecord good = new GenericData.Record(schema);
            good.put("a", null);
            good.put("b", 1.0);
            final GenericRecord nan = new GenericData.Record(schema);
            nan.put("a", 1.0);
            nan.put("b", Double.NaN);
            final byte[] goodBytes = encode(good);
            final byte[] nanBytes = encode(nan);

            scorer.add(decode(goodBytes, schema), goodBytes, 0, goodBytes.length);
            final FeatureException refused = assertThrows(FeatureException.class,
                    () -> scorer.add(decode(nanBytes, schema), nanBytes, 0, nanBytes.length));

            // then: the generic path's own refusal, reported once as a fallback; the batch kept its one row
            assertEquals(FeatureException.Reason.NON_FINITE, refused.reason());
            assertEquals("b", refused.field());
            assertEquals(List.of(DecodeFallbackListener.REASON_VALUE), fallbacks);
            assertEquals(1, scorer.size());
            assertEquals(mlp.predict(new double[] {3.0, 1.0})[0], scorer.score().score(0), 1e-5);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static FeatureColumn col(String field, Double dflt, Integer width) {
        return FeatureColumn.newBuilder().setField(field).setDefaultValue(dflt).setWidth(width).build();
    }

    private static FeatureMapping mapping(String type, List<FeatureColumn> columns, int width) {
        return FeatureMapping.of("m", "1",
                List.of(ModelInput.newBuilder().setInputName(INPUT).setColumns(columns).build()),
                new ModelSignature(List.of(new ValueSpec(INPUT, ValueSpec.Kind.TENSOR, type, null,
                        new long[] {-1, width})), List.of()));
    }

    /** {generic rows, fast rows} of {@code records}, each written with {@code writer}. */
    private static RowBuffers[] readBothWays(FeatureMapping mapping, Schema writer, List<GenericRecord> records) {
        final FeatureExtractor extractor = mapping.compile(writer);
        final Object compiled = CompiledReader.compile(extractor);
        final CompiledReader reader = assertInstanceOf(CompiledReader.class, compiled, String.valueOf(compiled));
        final RowBuffers generic = RowBuffers.allocate(mapping, records.size());
        final RowBuffers fast = RowBuffers.allocate(mapping, records.size());
        final AvroCursor cursor = new AvroCursor();
        for (int row = 0; row < records.size(); row++) {
            final byte[] bytes = encode(records.get(row));
            extractor.extract(decode(bytes, writer), generic, row);
            try {
                reader.read(cursor.reset(bytes, 0, bytes.length), fast, row);
            } catch (RuntimeException e) {
                fail("row " + row + " " + records.get(row) + ": the fast reader refused it: " + e);
            }
        }
        return new RowBuffers[] {generic, fast};
    }

    private static void assertSameRows(RowBuffers expected, RowBuffers actual, int rows) {
        final Buffer e = expected.buffer(0);
        final Buffer a = actual.buffer(0);
        final int n = rows * (e.capacity() / expected.rows());
        boolean nonZero = false;
        for (int k = 0; k < n; k++) {
            final long ev;
            final long av;
            if (e instanceof FloatBuffer fe) {
                ev = Float.floatToRawIntBits(fe.get(k));
                av = Float.floatToRawIntBits(((FloatBuffer) a).get(k));
            } else if (e instanceof DoubleBuffer de) {
                ev = Double.doubleToRawLongBits(de.get(k));
                av = Double.doubleToRawLongBits(((DoubleBuffer) a).get(k));
            } else if (e instanceof IntBuffer ie) {
                ev = ie.get(k);
                av = ((IntBuffer) a).get(k);
            } else if (e instanceof LongBuffer le) {
                ev = le.get(k);
                av = ((LongBuffer) a).get(k);
            } else {
                ev = ((ByteBuffer) e).get(k);
                av = ((ByteBuffer) a).get(k);
            }
            nonZero |= ev != 0;
            assertEquals(ev, av, "value " + k + " (row " + k / (e.capacity() / expected.rows()) + ")");
        }
        assertTrue(nonZero, "the rows hold something");
    }

    private static GenericRecord wide(SplittableRandom random) {
        final GenericRecord r = new GenericData.Record(WIDE);
        r.put("id", "ev-" + random.nextInt(1000));
        r.put("i", random.nextInt());
        r.put("skipped_map", Map.of("k" + random.nextInt(9), random.nextLong()));
        r.put("l", random.nextLong());
        final GenericRecord inner = new GenericData.Record(WIDE.getField("skipped_record").schema());
        inner.put("d", random.nextDouble());
        inner.put("s", random.nextBoolean() ? null : "x");
        r.put("skipped_record", inner);
        r.put("f", (float) random.nextDouble(-1e6, 1e6));
        r.put("skipped_enum", new GenericData.EnumSymbol(WIDE.getField("skipped_enum").schema(), "GREEN"));
        // beyond float's range on purpose: saturates, the same way on both paths
        r.put("d", random.nextInt(10) == 0 ? 1e300 : random.nextDouble(-1e9, 1e9));
        r.put("b", random.nextBoolean());
        r.put("skipped_fixed", new GenericData.Fixed(WIDE.getField("skipped_fixed").schema(), new byte[] {1, 2, 3, 4}));
        r.put("ni", random.nextBoolean() ? null : random.nextInt(-50, 50));
        r.put("nd", random.nextBoolean() ? null : random.nextDouble());
        final int mixed = random.nextInt(4);
        r.put("mixed", mixed == 0 ? null : mixed == 1 ? (Object) random.nextInt(100)
                : mixed == 2 ? (Object) (float) random.nextDouble() : (Object) random.nextBoolean());
        r.put("skipped_bytes", ByteBuffer.wrap(new byte[random.nextInt(5)]));
        final List<Float> fa = new ArrayList<>();
        for (int k = random.nextInt(6); k > 0; k--) {
            fa.add((float) random.nextGaussian());
        }
        r.put("fa", fa);
        r.put("da", random.nextBoolean() ? null : List.of(random.nextDouble(), random.nextDouble(), 1e-300));
        final List<GenericRecord> items = new ArrayList<>();
        for (int k = random.nextInt(3); k > 0; k--) {
            final GenericRecord item = new GenericData.Record(
                    WIDE.getField("skipped_records").schema().getElementType());
            item.put("n", random.nextLong());
            items.add(item);
        }
        r.put("skipped_records", items);
        r.put("ia", random.nextBoolean() ? List.of(random.nextInt()) : List.of(random.nextInt(), 1 << 30));
        r.put("ba", List.of(random.nextBoolean(), random.nextBoolean(), random.nextBoolean()));
        return r;
    }

    static byte[] encode(GenericRecord record) {
        try {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As the generic path reads a record: with its writer schema. */
    static GenericRecord decode(byte[] bytes, Schema writer) {
        try {
            return new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
