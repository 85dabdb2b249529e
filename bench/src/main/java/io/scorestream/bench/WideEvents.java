package io.scorestream.bench;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The wide events of the {@code wide} model: {@code WideEvent} records ({@code avro/WideEvent.avsc}
 * on the class path) whose {@code values} array holds {@code width} floats in [0, 1), seeded.
 * Registered under the topic's value subject by the serializer, like the transactions. Not
 * thread-safe: one generator per producing thread.
 */
final class WideEvents {

    /** The schema of {@code WideEvent}. */
    static final Schema SCHEMA = load();
    /** The event id field, for {@code topics.event.id.field}. */
    static final String EVENT_ID_FIELD = "event_id";
    /** The array field the model's one input reads. */
    static final String VALUES_FIELD = "values";

    private static final int ACCOUNTS = 10_000;

    private final int width;
    private final SplittableRandom random;

    /**
     * @param width floats per event, >= 1
     * @param seed seed of the values and accounts
     */
    WideEvents(int width, long seed) {
        if (width < 1) {
            throw new IllegalArgumentException("wide event width must be >= 1, got " + width);
        }
        this.width = width;
        this.random = new SplittableRandom(seed);
    }

    /** The next event, id {@code prefix + n}, at {@code timestampMs}. */
    GenericRecord next(String id, long timestampMs) {
        final List<Float> values = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            values.add((float) random.nextDouble());
        }
        final GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("event_id", id);
        r.put("account_id", "acct-" + random.nextInt(ACCOUNTS));
        r.put("event_time", timestampMs);
        r.put(VALUES_FIELD, values);
        return r;
    }

    /** {@code n} serialized wide events and their keys (as {@link Preloader#pool} does for transactions). */
    static Preloader.Pool pool(SchemaRegistry schemas, String topic, int n, int width, long seed) {
        final WideEvents generator = new WideEvents(width, seed);
        final ConfluentAvroSerializer<GenericRecord> values = ConfluentAvroSerializer.generic(schemas, false);
        final StringSerializer keys = new StringSerializer();
        final byte[][] k = new byte[n][];
        final byte[][] v = new byte[n][];
        final long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            final GenericRecord e = generator.next("pool-" + i, now);
            k[i] = keys.serialize(topic, e.get("account_id").toString());
            v[i] = values.serialize(topic, e);
        }
        return new Preloader.Pool(k, v);
    }

    private static Schema load() {
        try (InputStream in = WideEvents.class.getResourceAsStream("/avro/WideEvent.avsc")) {
            if (in == null) {
                throw new IllegalStateException("avro/WideEvent.avsc is missing from the class path");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read avro/WideEvent.avsc", e);
        }
    }
}
