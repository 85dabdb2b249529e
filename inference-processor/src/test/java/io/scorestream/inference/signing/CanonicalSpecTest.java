package io.scorestream.inference.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.SpecSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class CanonicalSpecTest {

    /** One change of one field; {@code field} is the top-level field it touches. */
    private record Change(String field, String what, UnaryOperator<ModelSpec> apply) {
    }

    private static ModelSpec copy(final ModelSpec s) {
        return ModelSpec.newBuilder(s).build();
    }

    private static ModelInput input(final ModelSpec s) {
        return ModelInput.newBuilder(s.getInputs().get(0)).build();
    }

    private static ModelSpec withInput(final ModelSpec s, final ModelInput in) {
        final ModelSpec c = copy(s);
        c.setInputs(List.of(in));
        return c;
    }

    private static ModelSpec withColumn0(final ModelSpec s, final FeatureColumn col) {
        final ModelInput in = input(s);
        final List<FeatureColumn> cols = new ArrayList<>(in.getColumns());
        cols.set(0, col);
        in.setColumns(cols);
        return withInput(s, in);
    }

    private static ModelSpec withOutput(final ModelSpec s, final UnaryOperator<ModelOutput.Builder> edit) {
        final ModelSpec c = copy(s);
        c.setOutput(edit.apply(ModelOutput.newBuilder(s.getOutput())).build());
        return c;
    }

    private static List<Change> changes() {
        final List<Change> c = new ArrayList<>();
        c.add(new Change("name", "name", s -> { final ModelSpec x = copy(s); x.setName("fraud2"); return x; }));
        c.add(new Change("version", "version", s -> { final ModelSpec x = copy(s); x.setVersion("9"); return x; }));
        c.add(new Change("artifact_uri", "artifact uri", s -> {
            final ModelSpec x = copy(s);
            x.setArtifactUri("https://models.example/fraud.onnx");
            return x;
        }));
        c.add(new Change("artifact_bytes", "one artifact byte", s -> {
            final ModelSpec x = copy(s);
            final byte[] b = new byte[s.getArtifactBytes().remaining()];
            s.getArtifactBytes().duplicate().get(b);
            b[0] ^= 1;
            x.setArtifactBytes(ByteBuffer.wrap(b));
            return x;
        }));
        c.add(new Change("sha256", "sha256", s -> { final ModelSpec x = copy(s); x.setSha256("cd".repeat(32));
            return x; }));
        c.add(new Change("inputs", "input name", s -> {
            final ModelInput in = input(s);
            in.setInputName("x");
            return withInput(s, in);
        }));
        c.add(new Change("inputs", "column field", s -> withColumn0(s,
                FeatureColumn.newBuilder(s.getInputs().get(0).getColumns().get(0)).setField("amount_usd").build())));
        c.add(new Change("inputs", "column default", s -> withColumn0(s,
                FeatureColumn.newBuilder(s.getInputs().get(0).getColumns().get(0)).setDefaultValue(1.0).build())));
        c.add(new Change("inputs", "column default removed", s -> withColumn0(s,
                FeatureColumn.newBuilder(s.getInputs().get(0).getColumns().get(0)).setDefaultValue(null).build())));
        c.add(new Change("inputs", "column width", s -> withColumn0(s,
                FeatureColumn.newBuilder(s.getInputs().get(0).getColumns().get(0)).setWidth(2).build())));
        c.add(new Change("inputs", "column order", s -> {
            final ModelInput in = input(s);
            final List<FeatureColumn> cols = new ArrayList<>(in.getColumns());
            java.util.Collections.reverse(cols);
            in.setColumns(cols);
            return withInput(s, in);
        }));
        c.add(new Change("inputs", "dims", s -> {
            final ModelInput in = input(s);
            in.setDims(List.of(5L));
            return withInput(s, in);
        }));
        c.add(new Change("output", "score output", s -> withOutput(s, b -> b.setScoreOutput("probabilities"))));
        c.add(new Change("output", "score column", s -> withOutput(s, b -> b.setScoreColumn(1))));
        c.add(new Change("output", "score class", s -> withOutput(s, b -> b.setScoreClass("0"))));
        c.add(new Change("output", "label output", s -> withOutput(s, b -> b.setLabelOutput("label"))));
        c.add(new Change("output", "softmax", s -> withOutput(s, b -> b.setSoftmax(true))));
        c.add(new Change("output", "softmax false", s -> withOutput(s, b -> b.setSoftmax(false))));
        c.add(new Change("output", "class labels", s -> withOutput(s, b -> b.setClassLabels(List.of("a", "b")))));
        c.add(new Change("output", "top k", s -> withOutput(s, b -> b.setTopK(2))));
        c.add(new Change("aggregates", "aggregate window", s -> {
            final ModelSpec x = copy(s);
            x.setAggregates(List.of(Aggregate.newBuilder(s.getAggregates().get(0)).setWindowMs(3_600_000L).build()));
            return x;
        }));
        c.add(new Change("aggregates", "aggregate grace (a field with a default)", s -> {
            final ModelSpec x = copy(s);
            x.setAggregates(List.of(Aggregate.newBuilder(s.getAggregates().get(0)).setGraceMs(1).build()));
            return x;
        }));
        c.add(new Change("aggregates", "aggregates removed", s -> { final ModelSpec x = copy(s);
            x.setAggregates(null); return x; }));
        c.add(new Change("threshold", "threshold", s -> { final ModelSpec x = copy(s);
            x.setThreshold(s.getThreshold() + 1e-9); return x; }));
        c.add(new Change("threshold", "threshold to its default", s -> { final ModelSpec x = copy(s);
            x.setThreshold(0.5); return x; }));
        c.add(new Change("created_at", "created at", s -> { final ModelSpec x = copy(s);
            x.setCreatedAt(s.getCreatedAt().plusMillis(1)); return x; }));
        c.add(new Change("metadata", "a metadata value", s -> {
            final ModelSpec x = copy(s);
            final Map<String, String> m = new LinkedHashMap<>(s.getMetadata());
            m.put("owner", "fraud-team");
            x.setMetadata(m);
            return x;
        }));
        c.add(new Change("rollout", "canary percent", s -> {
            final ModelSpec x = copy(s);
            x.setRollout(Rollout.newBuilder(s.getRollout()).setCanaryPercent(50.0).build());
            return x;
        }));
        c.add(new Change("rollout", "role", s -> {
            final ModelSpec x = copy(s);
            x.setRollout(Rollout.newBuilder(s.getRollout()).setRole(RolloutRole.SHADOW).build());
            return x;
        }));
        c.add(new Change("rollout", "candidate threshold", s -> {
            final ModelSpec x = copy(s);
            final ModelSpec cand = copy(s.getRollout().getCandidate());
            cand.setThreshold(0.1);
            x.setRollout(Rollout.newBuilder(s.getRollout()).setCandidate(cand).build());
            return x;
        }));
        c.add(new Change("rollout", "rollout removed", s -> { final ModelSpec x = copy(s); x.setRollout(null);
            return x; }));
        return c;
    }

    @Test
    void everyFieldButTheSignatureChangesTheBytes() {
        // given
        final ModelSpec spec = SigningFixtures.fullSpec();
        final byte[] original = CanonicalSpec.encode(spec);
        final Set<String> covered = new HashSet<>();

        for (Change change : changes()) {
            // when
            final ModelSpec changed = change.apply().apply(spec);
            // then
            assertFalse(Arrays.equals(original, CanonicalSpec.encode(changed)),
                    "changing the " + change.what() + " must change the canonical bytes");
            covered.add(change.field());
        }
        assertArrayEquals(original, CanonicalSpec.encode(spec), "the changes must not modify the spec itself");
        final Set<String> fields = new HashSet<>();
        for (Schema.Field f : ModelSpec.getClassSchema().getFields()) {
            fields.add(f.name());
        }
        fields.remove(CanonicalSpec.SIGNATURE_FIELD);
        assertEquals(fields, covered, "every ModelSpec field (but signature) needs a case here: a field added "
                + "to the schema is covered by the encoding, and this test must prove it");
    }

    @Test
    void theSignatureFieldDoesNotChangeTheBytes() {
        final ModelSpec spec = SigningFixtures.fullSpec();
        final ModelSpec signed = copy(spec);
        signed.setSignature(SpecSignature.newBuilder().setAlgorithm("Ed25519").setKeyId("0011223344556677")
                .setValue(ByteBuffer.wrap(new byte[64])).build());

        assertArrayEquals(CanonicalSpec.encode(spec), CanonicalSpec.encode(signed));
    }

    @Test
    void bytesAreTheSameAfterAnAvroRoundTripAndWhateverTheMapOrder() throws IOException {
        // given: metadata with many keys, so a HashMap read back iterates them in another order
        final Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 40; i > 0; i--) {
            metadata.put("key-" + i, "value-" + i);
        }
        final ModelSpec spec = ModelSpec.newBuilder(SigningFixtures.fullSpec()).setMetadata(metadata).build();

        // when
        final ModelSpec read = roundTrip(spec);

        // then
        assertArrayEquals(CanonicalSpec.encode(spec), CanonicalSpec.encode(read));
        assertArrayEquals(CanonicalSpec.encode(spec), CanonicalSpec.encode(spec), "deterministic");
    }

    @Test
    void startsWithTheVersionedMagicAndLeavesOutFieldsAtTheirDefault() {
        final ModelSpec spec = SigningFixtures.plainSpec("1");
        final byte[] bytes = CanonicalSpec.encode(spec);
        final String magic = new String(bytes, 0, CanonicalSpec.MAGIC.length(), StandardCharsets.US_ASCII);
        assertEquals(CanonicalSpec.MAGIC, magic);

        // A field at its default is not written, so a spec read with a later schema (which fills the
        // default of a field added meanwhile) encodes as the one that was signed.
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("aggregates"), "null aggregates (the default) are left out");
        assertFalse(text.contains("rollout"), "a null rollout (the default) is left out");
        assertFalse(text.contains("signature"), "the signature is never written");
        assertTrue(text.contains("threshold"), "a threshold other than the default 0.5 is written");
        final ModelSpec atDefault = ModelSpec.newBuilder(spec).setThreshold(0.5).build();
        assertFalse(new String(CanonicalSpec.encode(atDefault), StandardCharsets.ISO_8859_1).contains("threshold"));
    }

    private static ModelSpec roundTrip(final ModelSpec spec) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ModelSpec.class).write(spec, enc);
        enc.flush();
        return new SpecificDatumReader<>(ModelSpec.class)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    @Test
    void createdAtIsWrittenAsItsMillis() {
        final ModelSpec a = SigningFixtures.plainSpec("1");
        final ModelSpec b = ModelSpec.newBuilder(a).setCreatedAt(Instant.ofEpochMilli(a.getCreatedAt().toEpochMilli()))
                .build();
        assertArrayEquals(CanonicalSpec.encode(a), CanonicalSpec.encode(b));
    }
}
