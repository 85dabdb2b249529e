package io.scorestream.schemas.serde;

import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/** Records and schemas the serde tests share. */
final class TestRecords {

    /** The tiny schema of the wire-format example: {@code R{a: int, s: string}}. */
    static final Schema R = parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"}]}");

    private TestRecords() {
    }

    static Schema parse(final String json) {
        return new Schema.Parser().parse(json);
    }

    /** A schema from the test resources, e.g. {@code avro/Transaction-v1.avsc}. */
    static Schema resource(final String path) {
        try (InputStream in = TestRecords.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("No test resource " + path);
            }
            return new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A transaction with every field set: each double field holds its position times 1.25. */
    static Transaction transaction(final String id) {
        final Transaction t = new Transaction();
        t.setTransactionId(id);
        t.setAccountId("acct-7");
        t.setEventTime(Instant.ofEpochMilli(1_700_000_000_123L));
        for (Schema.Field field : Transaction.getClassSchema().getFields()) {
            if (field.schema().getType() == Schema.Type.DOUBLE) {
                t.put(field.pos(), field.pos() * 1.25);
            }
        }
        t.setEmbedding(List.of(0.5f, -1.0f, 2.25f));
        t.setIsFraud(Boolean.TRUE);
        return t;
    }

    static ScoreResult scoreResult() {
        return ScoreResult.newBuilder()
                .setEventId("tx-1")
                .setKey("acct-7")
                .setModelName("fraud")
                .setModelVersion("3")
                .setScore(0.93)
                .setDecision(true)
                .setLabel("1")
                .setClassProbabilities(Map.of("0", 0.07, "1", 0.93))
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setScoredAt(Instant.ofEpochMilli(1_700_000_000_042L))
                .setBatchSize(64)
                .setInferenceMicros(1_234L)
                .setLatencyMs(42L)
                .setSourceTopic("transactions")
                .setSourcePartition(3)
                .setSourceOffset(123_456_789_012L)
                .build();
    }

    static ModelSpec modelSpec() {
        return ModelSpec.newBuilder()
                .setName("fraud")
                .setVersion("2026-11-01")
                .setArtifactBytes(ByteBuffer.wrap(new byte[] {0x08, 0x07, 0x12, (byte) 0xff, 0x00}))
                .setSha256("ab".repeat(32))
                .setInputs(List.of(
                        ModelInput.newBuilder()
                                .setInputName("float_input")
                                .setColumns(List.of(
                                        FeatureColumn.newBuilder().setField("amount").build(),
                                        FeatureColumn.newBuilder().setField("v1").setDefaultValue(0.0).build(),
                                        FeatureColumn.newBuilder().setField("embedding").setDefaultValue(-1.0)
                                                .setWidth(3).build()))
                                .build(),
                        ModelInput.newBuilder().setInputName("empty").setColumns(List.of()).build()))
                .setOutput(ModelOutput.newBuilder().setScoreOutput("probabilities").setScoreClass("1")
                        .setLabelOutput("label").build())
                .setThreshold(0.7)
                .setCreatedAt(Instant.ofEpochMilli(1_790_000_000_000L))
                .setMetadata(Map.of("owner", "risk-team", "auc", "0.97"))
                .build();
    }
}
