package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** The cursor reads what Avro's encoder writes, and refuses what Avro's decoder refuses. */
class AvroCursorTest {

    private interface Writes {
        void to(BinaryEncoder e) throws IOException;
    }

    private static byte[] encoded(Writes w) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
        w.to(e);
        e.flush();
        return out.toByteArray();
    }

    private static AvroCursor over(byte[] b) {
        return new AvroCursor().reset(b, 0, b.length);
    }

    @Test
    void readsTheExtremesOfEveryPrimitiveAsAvroWritesThem() throws IOException {
        final int[] ints = {0, -1, 1, 63, -64, 64, Integer.MAX_VALUE, Integer.MIN_VALUE};
        final long[] longs = {0L, -1L, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
        for (int v : ints) {
            final AvroCursor c = over(encoded(e -> e.writeInt(v)));
            assertEquals(v, c.readInt());
            assertTrue(c.isEnd());
        }
        for (long v : longs) {
            final AvroCursor c = over(encoded(e -> e.writeLong(v)));
            assertEquals(v, c.readLong());
            assertTrue(c.isEnd());
        }
        final AvroCursor c = over(encoded(e -> {
            e.writeFloat(-1.5e-38f);
            e.writeDouble(Math.PI);
            e.writeBoolean(true);
            e.writeString("naïve");
        }));
        assertEquals(-1.5e-38f, c.readFloat());
        assertEquals(Math.PI, c.readDouble());
        assertTrue(c.readBoolean());
        assertEquals("naïve", c.readString());
        assertTrue(c.isEnd());
    }

    @Test
    void refusesOverlongVarintsBadBooleansAndLengthsPastTheEnd() {
        final byte[][] bad = {
            {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}, // int of 6 bytes
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},              // int beyond 32 bits
            {(byte) 0x80},                                                          // truncated
        };
        for (byte[] b : bad) {
            assertThrows(AvroCursor.Malformed.class, () -> over(b).readInt());
        }
        assertThrows(AvroCursor.Malformed.class, () -> over(new byte[] {2}).readBoolean());
        assertThrows(AvroCursor.Malformed.class, () -> over(new byte[] {20, 'a'}).readString()); // length 10, 1 byte
        assertThrows(AvroCursor.Malformed.class, () -> over(new byte[] {1}).readString());       // length -1
        assertThrows(AvroCursor.Malformed.class, () -> over(new byte[] {4}).readIndex(2));       // index 2 of 2
    }

    @Test
    void skipsAWholeRecordOfEveryTypeAndReadsTheFieldAfterIt() throws IOException {
        final Schema schema = SchemaBuilder.record("R").fields()
                .name("m").type().map().values().stringType().noDefault()
                .name("a").type().array().items().doubleType().noDefault()
                .name("u").type().unionOf().nullType().and().longType().endUnion().noDefault()
                .name("e").type().enumeration("E").symbols("X", "Y").noDefault()
                .name("f").type().fixed("F").size(3).noDefault()
                .requiredBytes("b")
                .endRecord();
        final byte[] b = encoded(e -> {
            e.writeMapStart();
            e.setItemCount(1);
            e.startItem();
            e.writeString("k");
            e.writeString("v");
            e.writeMapEnd();
            e.writeArrayStart();
            e.setItemCount(2);
            e.startItem();
            e.writeDouble(1);
            e.startItem();
            e.writeDouble(2);
            e.writeArrayEnd();
            e.writeIndex(1);
            e.writeLong(7);
            e.writeEnum(1);
            e.writeFixed(new byte[] {1, 2, 3});
            e.writeBytes(new byte[] {9});
            e.writeInt(42);
        });
        final AvroCursor c = over(b);

        c.skip(schema);

        assertEquals(42, c.readInt());
        assertTrue(c.isEnd());
        final AvroCursor truncated = new AvroCursor().reset(b, 0, b.length - 3);
        assertThrows(AvroCursor.Malformed.class, () -> truncated.skip(schema));
    }

    @Test
    void readsFloatsInBulkAndSaysWhetherTheyWereFinite() throws IOException {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            final ByteBuffer out = ByteBuffer.allocateDirect(16).order(order);
            final AvroCursor c = over(encoded(e -> {
                e.writeFloat(1.25f);
                e.writeFloat(-3f);
                e.writeFloat(7f);
                e.writeFloat(Float.NaN);
                e.writeFloat(Float.NEGATIVE_INFINITY);
            }));

            assertTrue(c.readFiniteFloats(out, 4, 2), order.toString());
            assertEquals(1.25f, out.getFloat(4), order.toString());
            assertEquals(-3f, out.getFloat(8), order.toString());
            // a non-finite value anywhere: nothing written, the cursor past them all
            assertFalse(c.readFiniteFloats(out, 0, 2), order.toString());
            assertEquals(0f, out.getFloat(0), order.toString());
            assertFalse(c.readFiniteFloats(out, 12, 1), order.toString());
            assertTrue(c.isEnd(), order.toString());
            assertThrows(AvroCursor.Malformed.class, () -> c.readFiniteFloats(out, 0, 1));
        }
    }

    @Test
    void skipsArraysOfSizedItemsBlockByBlockAndRefusesABlockPastTheEnd() throws IOException {
        final Schema floats = SchemaBuilder.array().items().floatType();
        final Schema doubles = SchemaBuilder.array().items().doubleType();
        final byte[] b = encoded(e -> {
            e.writeArrayStart();
            e.setItemCount(3);
            for (int k = 0; k < 3; k++) {
                e.startItem();
                e.writeFloat(k);
            }
            e.writeArrayEnd();
            e.writeArrayStart();
            e.setItemCount(2);
            e.startItem();
            e.writeDouble(1);
            e.startItem();
            e.writeDouble(2);
            e.writeArrayEnd();
            e.writeLong(42);
        });
        final AvroCursor c = over(b);

        c.skip(floats);
        c.skip(doubles);

        assertEquals(42, c.readLong());
        assertTrue(c.isEnd());
        // the same floats cut one byte short: the block does not fit
        final byte[] cut = java.util.Arrays.copyOf(b, 1 + 12 - 1);
        assertThrows(AvroCursor.Malformed.class, () -> over(cut).skip(floats));
    }
}
