package io.scorestream.inference.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProtoWriterTest {

    private static byte[] bytes(final int... values) {
        final byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void encodesVarintsAsInTheProtobufSpecification() {
        // field 1, varint 150 -> 08 96 01 (the protobuf encoding guide's example)
        assertArrayEquals(bytes(0x08, 0x96, 0x01), new ProtoWriter().int64(1, 150).toByteArray());
        assertArrayEquals(bytes(0x10, 0xAC, 0x02), new ProtoWriter().int64(2, 300).toByteArray());
        // negative int64 is ten bytes, two's complement
        assertArrayEquals(bytes(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
                new ProtoWriter().int64(1, -1).toByteArray());
    }

    @Test
    void encodesStringsFloatsAndEmbeddedMessages() {
        assertArrayEquals(bytes(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'),
                new ProtoWriter().string(2, "testing").toByteArray());
        // field 2, fixed32 1.0f little-endian
        assertArrayEquals(bytes(0x15, 0x00, 0x00, 0x80, 0x3F), new ProtoWriter().float32(2, 1.0f).toByteArray());
        final ProtoWriter child = new ProtoWriter().int64(1, 150);
        assertArrayEquals(bytes(0x1A, 0x03, 0x08, 0x96, 0x01), new ProtoWriter().message(3, child).toByteArray());
    }

    @Test
    void encodesPackedRepeatedFields() {
        assertArrayEquals(bytes(0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05),
                new ProtoWriter().packedInt64s(4, new long[] {3, 270, 86942}).toByteArray());
        assertArrayEquals(bytes(0x22, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0),
                new ProtoWriter().packedFloats(4, new float[] {1.0f, -2.0f}).toByteArray());
        assertArrayEquals(new byte[0], new ProtoWriter().packedFloats(4, new float[0]).toByteArray());
    }

    @Test
    void growsBeyondItsInitialBuffer() {
        final float[] many = new float[10_000];
        final byte[] encoded = new ProtoWriter().packedFloats(1, many).toByteArray();
        // tag + 3-byte length + payload
        assertArrayEquals(bytes(0x0A, 0xC0, 0xB8, 0x02), Arrays.copyOf(encoded, 4));
        assertEquals(1 + 3 + 40_000, encoded.length);
    }
}
