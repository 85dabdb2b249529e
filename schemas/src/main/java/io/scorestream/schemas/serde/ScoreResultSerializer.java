package io.scorestream.schemas.serde;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.SchemaRegistry;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes {@link ScoreResult}s in Confluent's wire format with a hand-written encoder: the same bytes
 * as {@link ConfluentAvroSerializer#specific ConfluentAvroSerializer.specific(registry,
 * ScoreResult.class, isKey)} (a test pins them), without Avro's datum writer walking the schema per
 * record and without a {@code byte[]} per string field. Each thread encodes into its own reused
 * buffer; model name, version, role and source topic are encoded once and copied while the same
 * {@code String} instances recur (every score of a batch); the only per-record allocation here is
 * the returned array, which the producer keeps until the record is sent.
 *
 * <p>The schema id is {@link ScoreResult#getClassSchema()}'s under the topic's subject
 * ({@link io.scorestream.schemas.registry.TopicNameStrategy}), registered when auto-registration is
 * on (the default), looked up once per topic and cached.
 *
 * <p><b>Null:</b> {@code serialize(topic, null)} returns {@code null} (a tombstone). <b>Errors</b>
 * are {@link SerializationException}s naming the topic: the registry refused or could not be reached,
 * or a field the schema requires is null (the message names it).
 *
 * <p><b>Threading:</b> thread-safe; one instance may serve every stream thread (a sink's serializer
 * does). <b>Lifecycle:</b> {@link #configure} and {@link #close()} do nothing; the registry belongs to
 * whoever created it.
 */
public final class ScoreResultSerializer implements Serializer<ScoreResult> {

    private static final ThreadLocal<ScoreResultWriter> WRITERS = ThreadLocal.withInitial(ScoreResultWriter::new);

    private final ConfluentAvroSerializer<ScoreResult> ids;
    private final boolean isKey;

    private ScoreResultSerializer(final ConfluentAvroSerializer<ScoreResult> ids, final boolean isKey) {
        this.ids = ids;
        this.isKey = isKey;
    }

    /**
     * A serializer of scores for the keys ({@code isKey}) or values of topics, that auto-registers
     * {@link ScoreResult}'s schema.
     *
     * @throws IllegalStateException if the generated {@link ScoreResult} has fields this encoder does
     *                               not write (the schema changed and the encoder was not updated)
     */
    public static ScoreResultSerializer create(final SchemaRegistry registry, final boolean isKey) {
        ScoreResultWriter.checkSchema(ScoreResult.getClassSchema());
        return new ScoreResultSerializer(ConfluentAvroSerializer.specific(registry, ScoreResult.class, isKey), isKey);
    }

    /**
     * Returns a serializer like this one that registers the schema ({@code true}) or only looks up
     * its id ({@code false}). Caches are not shared with this one.
     */
    public ScoreResultSerializer withAutoRegister(final boolean autoRegister) {
        return new ScoreResultSerializer(ids.withAutoRegister(autoRegister), isKey);
    }

    /** Ignored: settings are fixed at construction. */
    @Override
    public void configure(final Map<String, ?> configs, final boolean isKey) {
        // Built programmatically; nothing to read from the client's configuration.
    }

    @Override
    public byte[] serialize(final String topic, final ScoreResult data) {
        if (data == null) {
            return null;
        }
        if (topic == null) {
            throw new SerializationException("Cannot serialize " + what() + " without a topic: the subject is named after it");
        }
        final int id = ids.schemaId(topic, ScoreResult.getClassSchema());
        try {
            return WRITERS.get().write(id, data);
        } catch (RuntimeException e) {
            throw new SerializationException(String.format(Locale.ROOT,
                    "Cannot serialize %s for topic '%s' with schema id %d (%s): %s",
                    what(), topic, id, ScoreResult.getClassSchema().getFullName(), e.getMessage()), e);
        }
    }

    /** Does nothing; the registry is not closed. */
    @Override
    public void close() {
        // Nothing owned; the registry belongs to the caller.
    }

    private String what() {
        return isKey ? "key" : "value";
    }
}
