package io.scorestream.inference.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal protocol-buffers wire-format writer: just the encodings an ONNX {@code ModelProto}
 * needs (varint, length-delimited, fixed32, packed repeated scalars).
 *
 * <p>Nested messages are written by encoding the child into its own {@code ProtoWriter} and then
 * appending it with {@link #message(int, ProtoWriter)}, which prefixes the length. Not thread-safe;
 * one instance per message under construction.
 */
final class ProtoWriter {

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_LENGTH_DELIMITED = 2;
    private static final int WIRE_FIXED32 = 5;

    private byte[] buf = new byte[64];
    private int size;

    /** Writes an {@code int64}/{@code int32}/enum field as a varint (negative values take ten bytes). */
    ProtoWriter int64(final int field, final long value) {
        tag(field, WIRE_VARINT);
        rawVarint(value);
        return this;
    }

    /** Writes a {@code float} field as fixed32, little-endian IEEE 754. */
    ProtoWriter float32(final int field, final float value) {
        tag(field, WIRE_FIXED32);
        rawFixed32(Float.floatToRawIntBits(value));
        return this;
    }

    /** Writes a {@code string} field, UTF-8 encoded. */
    ProtoWriter string(final int field, final String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a {@code bytes} field. */
    ProtoWriter bytes(final int field, final byte[] value) {
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(value.length);
        rawBytes(value, 0, value.length);
        return this;
    }

    /** Writes an embedded message field: the child's bytes prefixed by their length. */
    ProtoWriter message(final int field, final ProtoWriter child) {
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(child.size);
        rawBytes(child.buf, 0, child.size);
        return this;
    }

    /** Writes a packed repeated {@code float} field; nothing at all when {@code values} is empty. */
    ProtoWriter packedFloats(final int field, final float[] values) {
        if (values.length == 0) {
            return this;
        }
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(4L * values.length);
        ensure(4 * values.length);
        for (final float v : values) {
            rawFixed32(Float.floatToRawIntBits(v));
        }
        return this;
    }

    /** Writes a packed repeated {@code double} field; nothing at all when {@code values} is empty. */
    ProtoWriter packedDoubles(final int field, final double[] values) {
        if (values.length == 0) {
            return this;
        }
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(8L * values.length);
        ensure(8 * values.length);
        for (final double v : values) {
            final long bits = Double.doubleToRawLongBits(v);
            rawFixed32((int) bits);
            rawFixed32((int) (bits >>> 32));
        }
        return this;
    }

    /** Writes a packed repeated {@code int64} field; nothing at all when {@code values} is empty. */
    ProtoWriter packedInt64s(final int field, final long[] values) {
        if (values.length == 0) {
            return this;
        }
        int length = 0;
        for (final long v : values) {
            length += varintSize(v);
        }
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(length);
        for (final long v : values) {
            rawVarint(v);
        }
        return this;
    }

    /** The number of bytes written so far. */
    int size() {
        return size;
    }

    /** A copy of the bytes written so far. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void tag(final int field, final int wireType) {
        if (field <= 0) {
            throw new IllegalArgumentException("protobuf field numbers start at 1, got " + field);
        }
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(final long value) {
        ensure(10);
        long v = value;
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    private void rawFixed32(final int bits) {
        ensure(4);
        buf[size++] = (byte) bits;
        buf[size++] = (byte) (bits >>> 8);
        buf[size++] = (byte) (bits >>> 16);
        buf[size++] = (byte) (bits >>> 24);
    }

    private void rawBytes(final byte[] src, final int offset, final int length) {
        ensure(length);
        System.arraycopy(src, offset, buf, size, length);
        size += length;
    }

    private void ensure(final int extra) {
        final long needed = (long) size + extra;
        if (needed > buf.length) {
            if (needed > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("protobuf message larger than 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 8L, 2L * buf.length)));
        }
    }

    static int varintSize(final long value) {
        long v = value;
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }
}
