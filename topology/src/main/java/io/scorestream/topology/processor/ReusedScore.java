package io.scorestream.topology.processor;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.serde.ScoreResultFields;
import io.scorestream.schemas.serde.Utf8Text;
import java.time.Instant;
import org.apache.avro.util.Utf8;

/**
 * The one {@link ScoreResult} a scoring processor refills for every score it forwards: the sink's
 * {@code ScoreResultSerializer} encodes it inside {@code forward} (through {@link ScoreResultFields},
 * so its event id, key, times and source coordinates cost no {@code String}, {@code Instant} or box
 * per record), and observers read it during {@code onScore} only.
 *
 * <p>Those six fields live here, not in {@code ScoreResult}'s own fields: every getter, setter,
 * {@link #get(int)} and {@link #put(int, Object)} of them is overridden, so whatever reads the object
 * through its methods (Avro's datum writer, {@code equals}, {@code toString}) sees the same values.
 * Code that copies through the generated builder, {@code ScoreResult.newBuilder(score)}, reads the
 * private fields and would miss them: copy with {@link ScoringObserver#copyOf} instead.
 *
 * <p>Not thread-safe: owned by one processor, on its stream thread. Holds no secret.
 */
final class ReusedScore extends ScoreResult implements ScoreResultFields {

    private static final long serialVersionUID = 1L;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final transient Utf8 eventIdBytes = new Utf8();
    private final transient Utf8 keyBytes = new Utf8();
    private CharSequence eventId;
    private CharSequence key;
    private long eventTimeMs;
    private long scoredAtMs;
    private int partition = -1;
    private long offset = -1;

    /** The reusable text the event id is copied into; {@link #eventIdCopied()} makes it the id. */
    Utf8 eventIdBuffer() {
        return eventIdBytes;
    }

    /** The event id is what was copied into {@link #eventIdBuffer()}. */
    void eventIdCopied() {
        eventId = eventIdBytes;
    }

    /**
     * The key's text from its bytes, as the scores always gave it: null for null; the bytes
     * themselves when they are well-formed UTF-8 (ASCII included); otherwise "0x" and their
     * lower-case hex. Copied into a reused buffer, no {@code String} made.
     */
    void keyFrom(byte[] k) {
        if (k == null) {
            key = null;
            return;
        }
        if (Utf8Text.wellFormed(k, 0, k.length)) {
            keyBytes.setByteLength(k.length);
            System.arraycopy(k, 0, keyBytes.getBytes(), 0, k.length);
        } else {
            keyBytes.setByteLength(2 + 2 * k.length);
            final byte[] b = keyBytes.getBytes();
            b[0] = '0';
            b[1] = 'x';
            for (int i = 0; i < k.length; i++) {
                b[2 + 2 * i] = HEX[(k[i] >> 4) & 0xF];
                b[3 + 2 * i] = HEX[k[i] & 0xF];
            }
        }
        key = keyBytes;
    }

    void eventTimeMillis(long ms) {
        eventTimeMs = ms;
    }

    void scoredAtMillis(long ms) {
        scoredAtMs = ms;
    }

    /** Source partition and offset; a negative one stands for null. */
    void source(int sourcePartition, long sourceOffset) {
        partition = sourcePartition;
        offset = sourceOffset;
    }

    @Override
    public CharSequence eventIdText() {
        return eventId;
    }

    @Override
    public CharSequence keyText() {
        return key;
    }

    @Override
    public long eventTimeMillis() {
        return eventTimeMs;
    }

    @Override
    public long scoredAtMillis() {
        return scoredAtMs;
    }

    @Override
    public int sourcePartitionOrNegative() {
        return partition;
    }

    @Override
    public long sourceOffsetOrNegative() {
        return offset;
    }

    @Override
    public String getEventId() {
        return eventId == null ? null : eventId.toString();
    }

    @Override
    public void setEventId(String value) {
        eventId = value;
    }

    @Override
    public String getKey() {
        return key == null ? null : key.toString();
    }

    @Override
    public void setKey(String value) {
        key = value;
    }

    @Override
    public Instant getEventTime() {
        return Instant.ofEpochMilli(eventTimeMs);
    }

    @Override
    public void setEventTime(Instant value) {
        eventTimeMs = requireInstant(value, "event_time").toEpochMilli();
    }

    @Override
    public Instant getScoredAt() {
        return Instant.ofEpochMilli(scoredAtMs);
    }

    @Override
    public void setScoredAt(Instant value) {
        scoredAtMs = requireInstant(value, "scored_at").toEpochMilli();
    }

    @Override
    public Integer getSourcePartition() {
        return partition < 0 ? null : partition;
    }

    @Override
    public void setSourcePartition(Integer value) {
        partition = value == null ? -1 : requireNonNegative(value, "source_partition");
    }

    @Override
    public Long getSourceOffset() {
        return offset < 0 ? null : offset;
    }

    @Override
    public void setSourceOffset(Long value) {
        offset = value == null ? -1 : requireNonNegative(value, "source_offset");
    }

    @Override
    public Object get(int field) {
        switch (field) {
            case 0: return getEventId();
            case 1: return getKey();
            case 8: return getEventTime();
            case 9: return getScoredAt();
            case 14: return getSourcePartition();
            case 15: return getSourceOffset();
            default: return super.get(field);
        }
    }

    @Override
    public void put(int field, Object value) {
        switch (field) {
            case 0: setEventId(value == null ? null : value.toString()); break;
            case 1: setKey(value == null ? null : value.toString()); break;
            case 8: setEventTime((Instant) value); break;
            case 9: setScoredAt((Instant) value); break;
            case 14: setSourcePartition((Integer) value); break;
            case 15: setSourceOffset((Long) value); break;
            default: super.put(field, value);
        }
    }

    /** A detached {@code ScoreResult} with this score's values now. */
    ScoreResult copy() {
        final ScoreResult c = new ScoreResult();
        for (int i = 0; i < getSchema().getFields().size(); i++) {
            c.put(i, get(i));
        }
        return c;
    }

    private static Instant requireInstant(Instant value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("ScoreResult." + field + " cannot be null: the schema requires a value");
        }
        return value;
    }

    private static <T extends Number> T requireNonNegative(T value, String field) {
        if (value.longValue() < 0) {
            throw new IllegalArgumentException("ScoreResult." + field + " cannot be negative, got " + value);
        }
        return value;
    }
}
