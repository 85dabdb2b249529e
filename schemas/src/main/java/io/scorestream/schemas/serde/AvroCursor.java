package io.scorestream.schemas.serde;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Reads Avro binary values in place from a byte array, without materialising what it skips: the
 * primitives (zig-zag varints, little-endian floats and doubles, length-prefixed strings), and a
 * {@linkplain #skip(Schema) skip} of any value by its schema that allocates nothing.
 *
 * <p><b>Strictness:</b> this reader accepts a subset of what Avro's own decoder accepts, never more:
 * a varint longer than its type allows, a boolean byte other than 0 or 1, a negative or oversized
 * length, a union or enum index out of range, or an array or map block claiming more items than
 * bytes are left, all throw {@link Malformed}. A caller that gets {@link Malformed} hands the bytes
 * to the generic decoder, which decides what they are; so this cursor can refuse more than Avro
 * does, but must never accept what Avro refuses.
 *
 * <p>Not thread-safe: one cursor per thread, {@linkplain #reset reset} per value. Owns nothing; the
 * array belongs to the caller and must not change while it is read.
 */
public final class AvroCursor {

    /** Avro floats are little-endian IEEE 754: their bits, four bytes at a time. */
    private static final VarHandle FLOAT_BITS = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** Exponent bits of a float: all set for NaN and the infinities. */
    private static final int EXPONENT = 0x7f800000;

    private byte[] buf = new byte[0];
    private int pos;
    private int limit;

    /** Reads {@code length} bytes of {@code data} from {@code offset}. */
    public AvroCursor reset(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length
                    + " are outside an array of " + data.length + " bytes");
        }
        this.buf = data;
        this.pos = offset;
        this.limit = offset + length;
        return this;
    }

    /** Whether every byte has been read. */
    public boolean isEnd() {
        return pos == limit;
    }

    /** Bytes not read yet. */
    public int remaining() {
        return limit - pos;
    }

    public boolean readBoolean() {
        need(1);
        final int b = buf[pos++];
        if (b != 0 && b != 1) {
            throw new Malformed("boolean byte " + b);
        }
        return b == 1;
    }

    public int readInt() {
        int value = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            need(1);
            final int b = buf[pos++] & 0xff;
            if (shift == 28 && b > 0x0f) {
                throw new Malformed("int varint longer than 32 bits");
            }
            value |= (b & 0x7f) << shift;
            if (b < 0x80) {
                return (value >>> 1) ^ -(value & 1);
            }
        }
        throw new Malformed("int varint longer than 5 bytes");
    }

    public long readLong() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            final int b = buf[pos++] & 0xff;
            if (shift == 63 && b > 0x01) {
                throw new Malformed("long varint longer than 64 bits");
            }
            value |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return (value >>> 1) ^ -(value & 1);
            }
        }
        throw new Malformed("long varint longer than 10 bytes");
    }

    public float readFloat() {
        need(4);
        final int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16
                | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    public double readDouble() {
        need(8);
        final long lo = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16
                | (long) (buf[pos + 3] & 0xff) << 24;
        final long hi = (buf[pos + 4] & 0xff) | (buf[pos + 5] & 0xff) << 8 | (buf[pos + 6] & 0xff) << 16
                | (long) (buf[pos + 7] & 0xff) << 24;
        pos += 8;
        return Double.longBitsToDouble(hi << 32 | lo);
    }

    /**
     * Reads {@code n} floats into {@code out} from byte index {@code byteIndex} ({@code out}'s own
     * order: native, as ONNX Runtime's buffers are) and says whether they were all finite; if not,
     * nothing is written, but the cursor has moved past them. The values are checked first, then
     * copied in one bulk copy where {@code out} is little-endian (as Avro's floats are), else one by one.
     */
    public boolean readFiniteFloats(ByteBuffer out, int byteIndex, int n) {
        if (n < 0) {
            throw new Malformed("float count " + n);
        }
        final int bytes = 4 * n;
        if (4L * n > limit - pos) {
            throw new Malformed("needs " + 4L * n + " bytes for " + n + " floats, " + (limit - pos) + " left");
        }
        int nonFinite = 0;
        for (int p = pos, end = pos + bytes; p < end; p += 4) {
            // NaN and the infinities have every exponent bit set.
            nonFinite |= ((int) FLOAT_BITS.get(buf, p) & EXPONENT) == EXPONENT ? 1 : 0;
        }
        if (nonFinite != 0) {
            pos += bytes;
            return false;
        }
        if (out.order() == ByteOrder.LITTLE_ENDIAN) {
            out.put(byteIndex, buf, pos, bytes);
        } else {
            for (int k = 0; k < n; k++) {
                out.putFloat(byteIndex + 4 * k, Float.intBitsToFloat((int) FLOAT_BITS.get(buf, pos + 4 * k)));
            }
        }
        pos += bytes;
        return true;
    }

    /** A string's or bytes' length prefix, checked against the bytes left. */
    public int readLength() {
        final long n = readLong();
        if (n < 0 || n > limit - pos) {
            throw new Malformed("length " + n + " with " + (limit - pos) + " bytes left");
        }
        return (int) n;
    }

    /** A string, decoded as UTF-8 (as Avro's {@code Utf8.toString()} does). */
    public String readString() {
        final int n = readLength();
        final String s = n == 0 ? "" : new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /**
     * A string's bytes, copied as they are into {@code into} (grown if needed), with no
     * {@code String} made. Returns whether they are well-formed UTF-8 ({@link Utf8Text}): then they
     * are exactly the UTF-8 encoding of what {@link #readString()} would return; otherwise
     * {@code into.toString()} is (malformed bytes decode to U+FFFD there too).
     */
    public boolean readStringInto(org.apache.avro.util.Utf8 into) {
        final int n = readLength();
        into.setByteLength(n);
        System.arraycopy(buf, pos, into.getBytes(), 0, n);
        final boolean wellFormed = Utf8Text.wellFormed(buf, pos, n);
        pos += n;
        return wellFormed;
    }

    /** The branch of a union: its index, checked against the union's size. */
    public int readIndex(int branches) {
        final int i = readInt();
        if (i < 0 || i >= branches) {
            throw new Malformed("index " + i + " of " + branches);
        }
        return i;
    }

    /**
     * The item count of an array or map block; 0 ends the array. A negative count is followed by
     * the block's size in bytes, which is read and ignored (as Avro's reader does).
     */
    public long readBlockCount() {
        long n = readLong();
        if (n < 0) {
            if (n == Long.MIN_VALUE) {
                throw new Malformed("block count " + n);
            }
            n = -n;
            readLong();
        }
        if (n > limit - pos) {
            // Every item this reader accepts in a block of n takes a byte at least.
            throw new Malformed("block of " + n + " items with " + (limit - pos) + " bytes left");
        }
        return n;
    }

    /** Skips {@code bytes} bytes. */
    public void skipBytes(int bytes) {
        need(bytes);
        pos += bytes;
    }

    /** Skips one value of {@code schema}, allocating nothing. */
    public void skip(Schema schema) {
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> readBoolean();
            case INT -> readInt();
            case LONG -> readLong();
            case FLOAT -> skipBytes(4);
            case DOUBLE -> skipBytes(8);
            case STRING, BYTES -> skipBytes(readLength());
            case FIXED -> skipBytes(schema.getFixedSize());
            case ENUM -> readIndex(schema.getEnumSymbols().size());
            case UNION -> {
                final List<Schema> types = schema.getTypes();
                skip(types.get(readIndex(types.size())));
            }
            case RECORD -> {
                final List<Schema.Field> fields = schema.getFields();
                for (int f = 0; f < fields.size(); f++) {
                    skip(fields.get(f).schema());
                }
            }
            case ARRAY -> {
                final Schema element = schema.getElementType();
                requireSized(element);
                final int size = fixedSize(element);
                for (long n = readBlockCount(); n != 0; n = readBlockCount()) {
                    if (size > 0) {
                        // Items of one size: the block is skipped in one step.
                        if (n * size > limit - pos) {
                            throw new Malformed("block of " + n + " items of " + size + " bytes with "
                                    + (limit - pos) + " bytes left");
                        }
                        pos += (int) (n * size);
                        continue;
                    }
                    for (long k = 0; k < n; k++) {
                        skip(element);
                    }
                }
            }
            case MAP -> {
                final Schema value = schema.getValueType();
                for (long n = readBlockCount(); n != 0; n = readBlockCount()) {
                    for (long k = 0; k < n; k++) {
                        skipBytes(readLength());
                        skip(value);
                    }
                }
            }
            default -> throw new Malformed("type " + schema.getType());
        }
    }

    /** The encoded size of every value of {@code schema} if it has one (float, double, fixed), else 0. */
    private static int fixedSize(Schema schema) {
        return switch (schema.getType()) {
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> schema.getFixedSize();
            default -> 0;
        };
    }

    /**
     * Refuses arrays of items that can take no byte (null, an empty record, a zero-size fixed): the
     * block check in {@link #readBlockCount()} assumes a byte per item, so such arrays go to Avro.
     */
    private static void requireSized(Schema element) {
        switch (element.getType()) {
            case NULL -> throw new Malformed("array of null");
            case RECORD -> {
                if (element.getFields().isEmpty()) {
                    throw new Malformed("array of empty records");
                }
            }
            case FIXED -> {
                if (element.getFixedSize() == 0) {
                    throw new Malformed("array of empty fixed");
                }
            }
            default -> { }
        }
    }

    private void need(int bytes) {
        if (bytes > limit - pos) {
            throw new Malformed("needs " + bytes + " byte(s), " + (limit - pos) + " left");
        }
    }

    /**
     * Bytes this cursor will not read. Carries no stack trace: it is expected on bad input, and the
     * caller's answer is to let Avro's own decoder read the bytes and give its error.
     */
    public static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
