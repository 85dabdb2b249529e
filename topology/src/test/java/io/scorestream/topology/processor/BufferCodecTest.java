package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class BufferCodecTest {

    private static BufferedRecord record(FeatureValues features) {
        final RecordHeaders headers = new RecordHeaders();
        headers.add("h", "v".getBytes(StandardCharsets.UTF_8));
        return new BufferedRecord(7, "k".getBytes(StandardCharsets.UTF_8), null, new byte[] {0, 1, 2}, 1234L,
                headers, "transactions", 2, 99L, features);
    }

    @Test
    void aBufferedRecordKeepsTheAggregateValuesComputedForItBitForBit() {
        // given: a long, a double whose last bit matters, and a null
        final FeatureValues f = new FeatureValues();
        f.put(11L, 3L);
        f.put(-5L, 0.1 + 0.2);
        f.put(42L, null);

        // when
        final BufferCodec.Entry e = BufferCodec.decode(BufferCodec.encode(3, record(f)));

        // then
        assertEquals(3, e.epoch());
        assertEquals(7, e.seq());
        assertEquals(99L, e.offset());
        assertEquals("transactions", e.topic());
        assertArrayEquals(new byte[] {0, 1, 2}, e.value());
        assertEquals(3, e.features().size());
        assertEquals(3L, e.features().value(e.features().find(11L)));
        assertEquals(0.1 + 0.2, (Double) e.features().value(e.features().find(-5L)));
        assertNull(e.features().value(e.features().find(42L)));
        assertEquals(-1, e.features().find(12L));
    }

    @Test
    void anEntryWrittenBeforeAggregatesExistedIsStillRead() {
        // given: version 1's layout (no features part), as an older release wrote it
        final byte[] topic = "t".getBytes(StandardCharsets.UTF_8);
        final ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 8 + 4 + 8 + 4 + topic.length + 4 + 4 + 1 + 4);
        b.put((byte) 1).putLong(5).putLong(6).putLong(77).putInt(0).putLong(8);
        b.putInt(topic.length).put(topic);
        b.putInt(-1);
        b.putInt(1).put((byte) 9);
        b.putInt(0);

        // when
        final BufferCodec.Entry e = BufferCodec.decode(b.array());

        // then
        assertEquals(5, e.epoch());
        assertEquals(77, e.timestamp());
        assertNull(e.key());
        assertArrayEquals(new byte[] {9}, e.value());
        assertEquals(0, e.features().size());
    }
}
