package io.scorestream.topology.features;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The store layout of group state.
 *
 * <p>Key: {@code kind:u8 (0x01) group:utf8 0x00 groupKey}, where group is the group_by field's name
 * (empty for the record key; an Avro name never holds 0x00) and groupKey the record key's bytes or
 * the UTF-8 text of the group field's value.
 *
 * <p>Value (version 2): {@code version:u8 (2) state*}, the states of the group's aggregates in
 * ascending (signed) state id, each as {@link AggregateState} encodes it:
 * {@code length:uvar stateId:i64 function:u8 bucketMs:uvar retainedMs:uvar newest:svar ...}, where
 * length counts the bytes after itself and retainedMs is window + grace. The header is all a state
 * needs to be skipped, kept as it is, or judged expired without its definition; window and grace are
 * not stored apart, since the state id (a hash of the whole definition) already tells definitions
 * apart, and nothing but their sum is needed without the definition.
 *
 * <p>{@code i64}, {@code f64}: 8 bytes, big-endian. {@code uvar}: an unsigned LEB128 varint (7 bits a
 * byte, least significant group first, the high bit set on every byte but the last; 1 byte below 128,
 * 2 below 16,384, at most 10). {@code svar}: a signed value zigzag-mapped ({@code (v << 1) ^ (v >> 63)})
 * then written as a uvar. The encoder always writes the shortest form, so equal states have equal
 * bytes. Version 1 (fixed-width headers) is not read. Stateless.
 */
final class StateCodec {

    static final byte GROUP_STATE_KIND = 0x01;
    static final byte VERSION = 2;

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
            throw new IllegalStateException("unknown aggregate state version " + version + " (this code reads version "
                    + VERSION + (version == 1 ? "; version 1, the fixed-width layout, is not read" : "") + ")");
        }
        return in;
    }

    /**
     * Whether every state in {@code value} has its newest event more than twice window + grace, plus
     * three buckets (its own), before stream time {@code nowMs}; true for a value with no state.
     */
    static boolean expired(byte[] value, long nowMs) {
        final ByteBuffer in = open(value);
        final Header h = new Header();
        while (in.hasRemaining()) {
            h.read(in);
            // Twice the retained span and three buckets: no event that is not late by stream time can
            // see anything of it (nor be late against its key's newest), so deleting it changes no value.
            if (!olderThan(h.newest, nowMs, 2 * h.retainedMs + 3 * h.bucketMs)) {
                return false;
            }
            in.position(h.end);
        }
        return true;
    }

    /** The newest event time of any state in {@code value}; Long.MIN_VALUE when it has none. */
    static long newestEventTime(byte[] value) {
        final ByteBuffer in = open(value);
        final Header h = new Header();
        long newest = Long.MIN_VALUE;
        while (in.hasRemaining()) {
            h.read(in);
            newest = Math.max(newest, h.newest);
            in.position(h.end);
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

    /** Bytes {@link #putVarLong} writes for {@code v} (taken as unsigned): 1 to 10. */
    static int varLongSize(long v) {
        // 7 bits a byte; 0 still takes one byte
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 6) / 7;
    }

    /** Writes {@code v}, taken as unsigned, as a LEB128 varint, in the fewest bytes. */
    static void putVarLong(ByteBuffer out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    /** Reads a LEB128 varint as an unsigned 64-bit value. */
    static long getVarLong(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            final byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 63 && b > 1) {
                    throw new IllegalStateException("a varint in aggregate state overflows 64 bits");
                }
                return v;
            }
        }
        throw new IllegalStateException("a varint in aggregate state is longer than 10 bytes");
    }

    /** Reads a varint that must be between 0 and {@code max}; {@code what} names it in the error. */
    static int getVarInt(ByteBuffer in, int max, String what) {
        final long v = getVarLong(in);
        if (v < 0 || v > max) {
            throw new IllegalStateException("aggregate state: " + what + " " + Long.toUnsignedString(v)
                    + " is more than the " + max + " possible here");
        }
        return (int) v;
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long z) {
        return (z >>> 1) ^ -(z & 1);
    }

    /**
     * The header of one stored state, read from its length prefix to its newest time; reused from
     * state to state.
     */
    static final class Header {
        /** Where the state starts (its length prefix) and ends (just after its last byte). */
        int at;
        int end;
        long stateId;
        byte function;
        long bucketMs;
        long retainedMs;
        long newest;

        /** Reads the header at {@code in}'s position and leaves {@code in} just after it. */
        void read(ByteBuffer in) {
            at = in.position();
            final long length = getVarLong(in);
            if (length < 0 || length > in.remaining()) {
                throw new IllegalStateException("aggregate state at byte " + at + " says it is "
                        + Long.toUnsignedString(length) + " bytes long; " + in.remaining() + " are left");
            }
            end = in.position() + (int) length;
            stateId = in.getLong();
            function = in.get();
            bucketMs = getVarLong(in);
            retainedMs = getVarLong(in);
            newest = unzigzag(getVarLong(in));
            if (in.position() > end) {
                throw new IllegalStateException("aggregate state " + Long.toHexString(stateId)
                        + " is shorter than its header");
            }
        }
    }
}
