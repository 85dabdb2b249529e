package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ConstantHeadersTest {

    private static final Header NAME = new RecordHeader("scorestream.model.name", bytes("fraud"));
    private static final Header VERSION = new RecordHeader("scorestream.model.version", bytes("v2"));
    private static final Header ROLE = new RecordHeader("scorestream.model.role", bytes("canary"));
    private static final Header VERSION_AGAIN = new RecordHeader("scorestream.model.version", bytes("v3"));

    @Test
    void readsLikeRecordHeadersWithTheSameHeaders() {
        // given: the same four headers (one key twice) in both kinds of list
        final Header[] all = {NAME, VERSION, ROLE, VERSION_AGAIN};
        final ConstantHeaders constant = new ConstantHeaders(all);
        final RecordHeaders record = new RecordHeaders(all);

        // then: every read answers the same
        assertArrayEquals(record.toArray(), constant.toArray());
        for (String key : List.of("scorestream.model.name", "scorestream.model.version", "scorestream.model.role",
                "absent")) {
            assertEquals(record.lastHeader(key), constant.lastHeader(key), key);
            assertEquals(list(record.headers(key)), list(constant.headers(key)), key);
        }
        assertEquals(VERSION_AGAIN, constant.lastHeader("scorestream.model.version"));
        assertNull(constant.lastHeader("absent"));
        assertEquals(List.of(VERSION, VERSION_AGAIN), list(constant.headers("scorestream.model.version")));
        assertEquals(list(record), list(constant));
        // equal to a header list of the same headers, and to a copy made from it
        assertTrue(constant.equals(record));
        assertEquals(new RecordHeaders(constant), record);
        assertEquals(new ConstantHeaders(all), constant);
        assertEquals(new ConstantHeaders(all).hashCode(), constant.hashCode());
        assertFalse(constant.equals(new RecordHeaders(new Header[] {NAME, VERSION, ROLE})));
    }

    @Test
    void cannotBeChangedAndAnswersTheSameArrayWithoutCopying() {
        final Header[] given = {NAME, VERSION, ROLE};
        final ConstantHeaders headers = new ConstantHeaders(given);

        // a change of the caller's array does not reach it
        given[0] = VERSION_AGAIN;
        assertSame(NAME, headers.toArray()[0]);
        // the same array every time: nothing allocated per score
        assertSame(headers.toArray(), headers.toArray());

        final IllegalStateException add = assertThrows(IllegalStateException.class, () -> headers.add(ROLE));
        assertTrue(add.getMessage().contains("cannot be changed"), add.getMessage());
        assertThrows(IllegalStateException.class, () -> headers.add("k", bytes("v")));
        assertThrows(IllegalStateException.class, () -> headers.remove("scorestream.model.role"));
        assertEquals(3, headers.toArray().length);

        final Iterator<Header> it = new ConstantHeaders().iterator();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertThrows(NullPointerException.class, () -> new ConstantHeaders(NAME, null));
    }

    private static List<Header> list(Iterable<Header> headers) {
        final List<Header> out = new ArrayList<>();
        headers.forEach(out::add);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
