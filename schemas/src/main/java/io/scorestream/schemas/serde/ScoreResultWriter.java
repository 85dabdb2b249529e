package io.scorestream.schemas.serde;

import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ScoreResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;

/**
 * Writes one {@link ScoreResult} in Confluent's wire format into a buffer it keeps and reuses, field
 * by field in the schema's order, with no datum writer, no union resolution by reflection and no
 * per-string {@code byte[]}: the bytes are exactly those of {@code ConfluentAvroSerializer.specific}
 * for the same record (a test pins them).
 *
 * <p><b>Constant parts</b> (model name, version, role, source topic) are the same {@code String}
 * instances for every score of a batch; their encoded form (length and UTF-8) is kept in a small
 * cache matched by identity, so each is encoded once per batch, not once per record.
 *
 * <p><b>Reused scores:</b> a {@code ScoreResult} that also implements {@link ScoreResultFields} is
 * read through that interface for its event id, key, times and source coordinates, so a score
 * object refilled per record costs no {@code Instant}, box or {@code String} here.
 *
 * <p><b>Threading:</b> not thread-safe: one instance per thread ({@link ScoreResultSerializer}
 * keeps one per thread). <b>Ownership:</b> {@link #write} returns a fresh array the caller owns
 * (a Kafka producer keeps the array until the record is sent, so that one copy per record is
 * unavoidable); the working buffer never leaves this class. <b>Failure:</b> a required field that is
 * null, or a null probability in {@code class_probabilities} or {@code top_classes}, throws an
 * {@link IllegalArgumentException} naming the field; the next {@link #write} starts afresh.
 */
final class ScoreResultWriter {

    /** The fields this writer writes, in order; checked against the generated class's schema. */
    static final List<String> FIELDS = List.of("event_id", "key", "model_name", "model_version", "score",
            "decision", "label", "class_probabilities", "event_time", "scored_at", "batch_size",
            "inference_micros", "latency_ms", "source_topic", "source_partition", "source_offset", "role",
            "top_classes", "features");

    /** A writer keeps its buffer between records unless a record made it grow beyond this. */
    private static final int MAX_RETAINED_BUFFER = 1 << 20;
    private static final int INITIAL_BUFFER = 256;
    private static final int CONSTANTS = 8;

    private byte[] buf = new byte[INITIAL_BUFFER];
    private int pos;

    /** Identity-matched cache of encoded constant strings; replaced round-robin. */
    private final String[] constantKeys = new String[CONSTANTS];
    private final byte[][] constantBytes = new byte[CONSTANTS][];
    private final int[] constantLengths = new int[CONSTANTS];
    private int nextConstant;

    ScoreResultWriter() {
        checkSchema(ScoreResult.getClassSchema());
    }

    /**
     * Fails unless {@code schema} has exactly the fields this writer writes, in order: a field added
     * to {@code ScoreResult.avsc} must be added here too, or the bytes would be wrong.
     */
    static void checkSchema(final Schema schema) {
        final List<String> names = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            names.add(f.name());
        }
        if (!names.equals(FIELDS)) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "The ScoreResult schema has fields %s but ScoreResultWriter writes %s: update the writer "
                            + "with the schema", names, FIELDS));
        }
    }

    /**
     * Returns {@code r} in Confluent's wire format with schema id {@code schemaId}: magic byte, the id
     * big-endian, then the Avro binary body.
     */
    byte[] write(final int schemaId, final ScoreResult r) {
        pos = 0;
        try {
            ensure(5);
            buf[pos++] = WireFormat.MAGIC_BYTE;
            buf[pos++] = (byte) (schemaId >>> 24);
            buf[pos++] = (byte) (schemaId >>> 16);
            buf[pos++] = (byte) (schemaId >>> 8);
            buf[pos++] = (byte) schemaId;
            writeBody(r);
            return Arrays.copyOf(buf, pos);
        } finally {
            if (buf.length > MAX_RETAINED_BUFFER) {
                buf = new byte[INITIAL_BUFFER];
            }
        }
    }

    private void writeBody(final ScoreResult r) {
        // A reused score gives its per-record fields without Instants, boxes or Strings: same bytes.
        final ScoreResultFields f = r instanceof ScoreResultFields fields ? fields : null;
        writeString(required(f == null ? r.getEventId() : f.eventIdText(), "event_id"));
        writeOptionalString(f == null ? r.getKey() : f.keyText());
        writeConstant(required(r.getModelName(), "model_name"));
        writeConstant(required(r.getModelVersion(), "model_version"));
        writeDouble(r.getScore());
        ensure(1);
        buf[pos++] = (byte) (r.getDecision() ? 1 : 0);
        writeOptionalString(r.getLabel());
        writeProbabilities(r.getClassProbabilities());
        if (f == null) {
            writeLong(required(r.getEventTime(), "event_time"));
            writeLong(required(r.getScoredAt(), "scored_at"));
        } else {
            writeLong(f.eventTimeMillis());
            writeLong(f.scoredAtMillis());
        }
        writeLong(r.getBatchSize());
        writeLong(r.getInferenceMicros());
        writeLong(r.getLatencyMs());
        if (r.getSourceTopic() == null) {
            writeLong(0);
        } else {
            writeLong(1);
            writeConstant(r.getSourceTopic());
        }
        if (f == null) {
            final Integer partition = r.getSourcePartition();
            writeOptionalLong(partition != null, partition == null ? 0 : partition);
            final Long offset = r.getSourceOffset();
            writeOptionalLong(offset != null, offset == null ? 0 : offset);
        } else {
            final int partition = f.sourcePartitionOrNegative();
            writeOptionalLong(partition >= 0, partition);
            final long offset = f.sourceOffsetOrNegative();
            writeOptionalLong(offset >= 0, offset);
        }
        if (r.getRole() == null) {
            writeLong(0);
        } else {
            writeLong(1);
            writeConstant(r.getRole());
        }
        writeTopClasses(r.getTopClasses());
        writeFeatures(r.getFeatures());
    }

    private static <T> T required(final T value, final String field) {
        if (value == null) {
            throw new IllegalArgumentException("ScoreResult." + field + " is null, but the schema requires a value");
        }
        return value;
    }

    private void writeLong(final Instant instant) {
        // timestamp-millis: the conversion Avro applies is Instant.toEpochMilli().
        writeLong(instant.toEpochMilli());
    }

    private void writeProbabilities(final Map<String, Double> map) {
        if (map == null) {
            writeLong(0);
            return;
        }
        writeLong(1);
        // As Avro writes a map: one block of size() items (none for an empty map), then a 0 block.
        final int size = map.size();
        if (size > 0) {
            writeLong(size);
        }
        // Entries as Objects: filled through unchecked casts, a map may hold Utf8 keys, as Avro accepts.
        for (Map.Entry<?, ?> e : map.entrySet()) {
            final Object p = e.getValue();
            if (p == null) {
                throw new IllegalArgumentException("ScoreResult.class_probabilities['" + e.getKey()
                        + "'] is null, but the schema requires a double");
            }
            writeString((CharSequence) required(e.getKey(), "class_probabilities key"));
            writeDouble(((Number) p).doubleValue());
        }
        writeLong(0);
    }

    private void writeTopClasses(final List<ClassProbability> top) {
        if (top == null) {
            writeLong(0);
            return;
        }
        writeLong(1);
        final int size = top.size();
        if (size > 0) {
            writeLong(size);
        }
        for (int i = 0; i < size; i++) {
            final ClassProbability c = required(top.get(i), "top_classes[" + i + "]");
            writeString(required(c.getClassLabel(), "top_classes[" + i + "].class_label"));
            writeDouble(c.getProbability());
        }
        writeLong(0);
    }

    private void writeFeatures(final Map<String, Double> features) {
        if (features == null) {
            writeLong(0);
            return;
        }
        writeLong(1);
        final int size = features.size();
        if (size > 0) {
            writeLong(size);
        }
        for (Map.Entry<?, ?> e : features.entrySet()) {
            writeString((CharSequence) required(e.getKey(), "features key"));
            final Object v = e.getValue();
            if (v == null) {
                writeLong(0);
            } else {
                writeLong(1);
                writeDouble(((Number) v).doubleValue());
            }
        }
        writeLong(0);
    }

    /** A union of null and an int or long: branch 0, or branch 1 and {@code value}. */
    private void writeOptionalLong(final boolean present, final long value) {
        if (present) {
            writeLong(1);
            writeLong(value);
        } else {
            writeLong(0);
        }
    }

    private void writeOptionalString(final CharSequence s) {
        if (s == null) {
            writeLong(0);
        } else {
            writeLong(1);
            writeString(s);
        }
    }

    /** Writes {@code s} from the constant cache, encoding it (and caching it) on a miss. */
    private void writeConstant(final String s) {
        for (int i = 0; i < CONSTANTS; i++) {
            if (constantKeys[i] == s) {
                final int n = constantLengths[i];
                ensure(n);
                System.arraycopy(constantBytes[i], 0, buf, pos, n);
                pos += n;
                return;
            }
        }
        final int start = pos;
        writeString(s);
        final int n = pos - start;
        final int slot = nextConstant;
        nextConstant = (nextConstant + 1) % CONSTANTS;
        if (constantBytes[slot] == null || constantBytes[slot].length < n) {
            constantBytes[slot] = new byte[Math.max(n, 32)];
        }
        System.arraycopy(buf, start, constantBytes[slot], 0, n);
        constantLengths[slot] = n;
        constantKeys[slot] = s;
    }

    /** An Avro string: its UTF-8 length as a long, then the bytes, as {@code String.getBytes(UTF_8)} makes them. */
    private void writeString(final CharSequence cs) {
        if (cs instanceof Utf8) {
            final Utf8 u = (Utf8) cs;
            final int n = u.getByteLength();
            writeLong(n);
            ensure(n);
            System.arraycopy(u.getBytes(), 0, buf, pos, n);
            pos += n;
            return;
        }
        final String s = cs.toString();
        final int chars = s.length();
        final int n = utf8Length(s);
        writeLong(n);
        ensure(n);
        final byte[] b = buf;
        int p = pos;
        for (int i = 0; i < chars; i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(s.charAt(i + 1))) {
                    final int cp = Character.toCodePoint(c, s.charAt(++i));
                    b[p++] = (byte) (0xF0 | (cp >> 18));
                    b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    // What String.getBytes(UTF_8) writes for an unpaired surrogate.
                    b[p++] = '?';
                }
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        pos = p;
    }

    private static int utf8Length(final String s) {
        final int chars = s.length();
        int n = 0;
        for (int i = 0; i < chars; i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(s.charAt(i + 1))) {
                    n += 4;
                    i++;
                } else {
                    n++;
                }
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** An Avro double: the raw IEEE 754 bits, little-endian (NaN payloads kept, as Avro keeps them). */
    private void writeDouble(final double d) {
        ensure(8);
        final long bits = Double.doubleToRawLongBits(d);
        final byte[] b = buf;
        int p = pos;
        for (int i = 0; i < 8; i++) {
            b[p++] = (byte) (bits >>> (8 * i));
        }
        pos = p;
    }

    /** An Avro int or long: zig-zag, then a varint, low 7 bits first (an int zig-zags to the same bytes). */
    private void writeLong(final long value) {
        ensure(10);
        long n = (value << 1) ^ (value >> 63);
        final byte[] b = buf;
        int p = pos;
        while ((n & ~0x7FL) != 0) {
            b[p++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        b[p++] = (byte) n;
        pos = p;
    }

    private void ensure(final int more) {
        if (pos + more > buf.length) {
            final long wanted = Math.max((long) buf.length * 2, (long) pos + more);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("ScoreResult is too large to encode: over 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }
}
