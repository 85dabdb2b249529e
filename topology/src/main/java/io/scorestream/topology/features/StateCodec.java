package io.scorestream.topology.features;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The store layout of group state (big-endian).
 *
 * <p>Key: {@code kind:u8 (0x01) group:utf8 0x00 groupKey}, where group is the group_by field's name
 * (empty for the record key; an Avro name never holds 0x00) and groupKey the record key's bytes or
 * the UTF-8 text of the group field's value.
 *
 * <p>Value: {@code version:u8 (1) state*}, the states of the group's aggregates in ascending (signed)
 * state id, each as {@link AggregateState} encodes it: a length prefix and a header that
 * self-describes it (state id, function, bucket, window, grace, newest event time), so a state can be
 * skipped, kept as it is, or judged expired without its definition. Stateless.
 */
final class StateCodec {

    static final byte GROUP_STATE_KIND = 0x01;
    static final byte VERSION = 1;

    /** Offsets within a state, from its length prefix. */
    static final int ID_AT = 4;
    static final int WINDOW_AT = 4 + 8 + 1 + 8;
    static final int GRACE_AT = WINDOW_AT + 8;
    static final int NEWEST_AT = GRACE_AT + 8;

    private StateCodec() {
    }

    /** The key prefix of a group: kind, the group's name, separator. */
    static byte[] keyPrefix(String groupBy) {
        final byte[] name = groupBy == null ? new byte[0] : groupBy.getBytes(StandardCharsets.UTF_8);
        final byte[] prefix = new byte[name.length + 2];
        prefix[0] = GROUP_STATE_KIND;
        System.arraycopy(name, 0, prefix, 1, name.length);
        prefix[prefix.length - 1] = 0;
        return prefix;
    }

    /** A buffer over a stored value, positioned at its first state. */
    static ByteBuffer open(byte[] value) {
        final ByteBuffer in = ByteBuffer.wrap(value);
        final byte version = in.get();
        if (version != VERSION) {
            throw new IllegalStateException("unknown aggregate state version " + version);
        }
        return in;
    }

    /**
     * Whether every state in {@code value} has its newest event more than twice window + grace, plus
     * three buckets (its own), before stream time {@code nowMs}; true for a value with no state.
     */
    static boolean expired(byte[] value, long nowMs) {
        final ByteBuffer in = open(value);
        while (in.hasRemaining()) {
            final int at = in.position();
            final long retained = in.getLong(at + WINDOW_AT) + in.getLong(at + GRACE_AT);
            final long bucket = in.getLong(at + ID_AT + 8 + 1);
            // Twice the retained span and three buckets: no event that is not late by stream time can
            // see anything of it (nor be late against its key's newest), so deleting it changes no value.
            if (!olderThan(in.getLong(at + NEWEST_AT), nowMs, 2 * retained + 3 * bucket)) {
                return false;
            }
            in.position(at + 4 + in.getInt(at));
        }
        return true;
    }

    /** The newest event time of any state in {@code value}; Long.MIN_VALUE when it has none. */
    static long newestEventTime(byte[] value) {
        final ByteBuffer in = open(value);
        long newest = Long.MIN_VALUE;
        while (in.hasRemaining()) {
            final int at = in.position();
            newest = Math.max(newest, in.getLong(at + NEWEST_AT));
            in.position(at + 4 + in.getInt(at));
        }
        return newest;
    }

    /** {@code now - time > span}, exactly (no overflow for any times and a span of at least 0). */
    static boolean olderThan(long time, long now, long span) {
        return time < now && Long.compareUnsigned(now - time, span) > 0;
    }

    /** {@code now - time >= span}, exactly. */
    static boolean atLeastOlder(long time, long now, long span) {
        return time <= now && Long.compareUnsigned(now - time, span) >= 0;
    }
}
