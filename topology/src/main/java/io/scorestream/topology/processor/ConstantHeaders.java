package io.scorestream.topology.processor;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A header list that never changes: the model name, version and role headers of one scoring lane,
 * forwarded with every score of an input record that has no headers of its own, so that such a
 * score costs no header list and no array of its own.
 *
 * <p>It behaves as a {@code RecordHeaders} the producer has marked read-only: {@link #add} and
 * {@link #remove} throw {@link IllegalStateException}. {@link #toArray()} answers the same array
 * every time (Kafka's producer and record writer read it and never write to it); callers must not
 * change it either. Kafka's producer marks only {@code RecordHeaders} read-only, so one instance can
 * be sent any number of times, and whoever keeps it after a send (a send callback, an error
 * handler) sees the same headers for as long as it keeps it.
 *
 * <p>Immutable and thread-safe.
 */
final class ConstantHeaders implements Headers {

    private final Header[] headers;

    /** @param headers the headers, in order; copied */
    ConstantHeaders(Header... headers) {
        this.headers = headers.clone();
        for (Header h : this.headers) {
            Objects.requireNonNull(h, "header");
        }
    }

    @Override
    public Headers add(Header header) {
        throw readOnly();
    }

    @Override
    public Headers add(String key, byte[] value) {
        throw readOnly();
    }

    @Override
    public Headers remove(String key) {
        throw readOnly();
    }

    @Override
    public Header lastHeader(String key) {
        for (int i = headers.length - 1; i >= 0; i--) {
            if (headers[i].key().equals(key)) {
                return headers[i];
            }
        }
        return null;
    }

    @Override
    public Iterable<Header> headers(String key) {
        Objects.requireNonNull(key, "key");
        return () -> new ArrayIterator(headers, key);
    }

    @Override
    public Header[] toArray() {
        return headers;
    }

    @Override
    public Iterator<Header> iterator() {
        return new ArrayIterator(headers, null);
    }

    @Override
    public boolean equals(Object o) {
        // As RecordHeaders: equal to any header list with the same headers in the same order.
        if (this == o) {
            return true;
        }
        if (!(o instanceof Headers other)) {
            return false;
        }
        return Arrays.equals(headers, other.toArray());
    }

    @Override
    public int hashCode() {
        return List.of(headers).hashCode();
    }

    @Override
    public String toString() {
        return "ConstantHeaders(headers = " + Arrays.toString(headers) + ")";
    }

    private static IllegalStateException readOnly() {
        return new IllegalStateException("the model headers of a score are shared by every score of its lane "
                + "and cannot be changed; copy them into a new RecordHeaders to change them");
    }

    /** The headers of an array, all or those of one key, without copying it. */
    private static final class ArrayIterator implements Iterator<Header> {
        private final Header[] headers;
        private final String key;
        private int next;

        ArrayIterator(Header[] headers, String keyOrNull) {
            this.headers = headers;
            this.key = keyOrNull;
            this.next = advance(0);
        }

        private int advance(int from) {
            int i = from;
            while (i < headers.length && key != null && !headers[i].key().equals(key)) {
                i++;
            }
            return i;
        }

        @Override
        public boolean hasNext() {
            return next < headers.length;
        }

        @Override
        public Header next() {
            if (next >= headers.length) {
                throw new NoSuchElementException();
            }
            final Header h = headers[next];
            next = advance(next + 1);
            return h;
        }
    }
}
