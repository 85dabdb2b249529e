package io.scorestream.topology.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Binary form of a buffered record in the changelogged buffer store (big-endian):
 * {@code version:byte epoch:long seq:long timestamp:long partition:int offset:long topic:str
 * key:bytes? value:bytes headers:int (key:str value:bytes?)* features:int (id:long tag:byte bits:long)*},
 * where a string or byte array is an int length then the bytes (-1 for null), and a feature value
 * is tagged 0 (null), 1 (a long) or 2 (a double, as its IEEE bits). Version 1 entries (written
 * before aggregates existed) have no features part and are still read. Stateless.
 */
final class BufferCodec {

    private static final byte VERSION = 2;
    private static final byte VERSION_WITHOUT_FEATURES = 1;

    /** A decoded slot: the epoch it was written in, and the record (value bytes only, not yet decoded). */
    record Entry(long epoch, long seq, byte[] key, byte[] value, long timestamp, Headers headers, String topic,
                 int partition, long offset, FeatureValues features) {
    }

    private BufferCodec() {
    }

    static byte[] encode(long epoch, BufferedRecord r) {
        final byte[] topic = r.topic() == null ? null : r.topic().getBytes(StandardCharsets.UTF_8);
        int size = 1 + 8 + 8 + 8 + 4 + 8 + len(topic) + len(r.key()) + len(r.raw()) + 4;
        final Header[] headers = r.headers() == null ? new Header[0] : r.headers().toArray();
        final byte[][] headerKeys = new byte[headers.length][];
        for (int i = 0; i < headers.length; i++) {
            headerKeys[i] = headers[i].key().getBytes(StandardCharsets.UTF_8);
            size += len(headerKeys[i]) + len(headers[i].value());
        }
        final FeatureValues features = r.features();
        size += 4 + features.size() * 17;
        final ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).putLong(epoch).putLong(r.seq()).putLong(r.timestamp()).putInt(r.partition())
                .putLong(r.offset());
        put(b, topic);
        put(b, r.key());
        put(b, r.raw());
        b.putInt(headers.length);
        for (int i = 0; i < headers.length; i++) {
            put(b, headerKeys[i]);
            put(b, headers[i].value());
        }
        b.putInt(features.size());
        for (int i = 0; i < features.size(); i++) {
            final Object v = features.value(i);
            b.putLong(features.id(i));
            if (v == null) {
                b.put((byte) 0).putLong(0L);
            } else if (v instanceof Long l) {
                b.put((byte) 1).putLong(l);
            } else {
                b.put((byte) 2).putLong(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            }
        }
        return b.array();
    }

    static Entry decode(byte[] bytes) {
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        final byte version = b.get();
        if (version != VERSION && version != VERSION_WITHOUT_FEATURES) {
            throw new IllegalStateException("unknown scoring-buffer entry version " + version);
        }
        final long epoch = b.getLong();
        final long seq = b.getLong();
        final long timestamp = b.getLong();
        final int partition = b.getInt();
        final long offset = b.getLong();
        final byte[] topic = get(b);
        final byte[] key = get(b);
        final byte[] value = get(b);
        final int n = b.getInt();
        final RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < n; i++) {
            final byte[] k = get(b);
            headers.add(new String(k, StandardCharsets.UTF_8), get(b));
        }
        final int f = version == VERSION_WITHOUT_FEATURES ? 0 : b.getInt();
        final FeatureValues features = new FeatureValues(f);
        for (int i = 0; i < f; i++) {
            final long id = b.getLong();
            final byte tag = b.get();
            final long bits = b.getLong();
            features.put(id, tag == 0 ? null : tag == 1 ? (Object) bits : (Object) Double.longBitsToDouble(bits));
        }
        return new Entry(epoch, seq, key, value, timestamp, headers,
                topic == null ? null : new String(topic, StandardCharsets.UTF_8), partition, offset, features);
    }

    static byte[] encodeEpoch(long epoch) {
        return ByteBuffer.allocate(9).put(VERSION).putLong(epoch).array();
    }

    static long decodeEpoch(byte[] bytes) {
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        b.get();
        return b.getLong();
    }

    private static int len(byte[] a) {
        return 4 + (a == null ? 0 : a.length);
    }

    private static void put(ByteBuffer b, byte[] a) {
        if (a == null) {
            b.putInt(-1);
        } else {
            b.putInt(a.length).put(a);
        }
    }

    private static byte[] get(ByteBuffer b) {
        final int n = b.getInt();
        if (n < 0) {
            return null;
        }
        final byte[] a = new byte[n];
        b.get(a);
        return a;
    }
}
