package io.scorestream.app.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesNestedValues() {
        final Map<String, Object> value = new LinkedHashMap<>();
        value.put("state", "RUNNING");
        value.put("models", List.of(Map.of("fraud", "v2")));
        value.put("ready", true);
        value.put("count", 3);
        value.put("ratio", 0.5);
        value.put("nothing", null);
        value.put("array", new Object[] {1L, "x"});

        assertEquals("{\"state\":\"RUNNING\",\"models\":[{\"fraud\":\"v2\"}],\"ready\":true,\"count\":3,"
                + "\"ratio\":0.5,\"nothing\":null,\"array\":[1,\"x\"]}", Json.write(value));
    }

    @Test
    void escapesStrings() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001\\u2028\"", Json.write("a\"b\\c\nd\te\u0001\u2028"));
        assertEquals("\"é✓\"", Json.write("é✓"));
    }

    @Test
    void writesNonFiniteNumbersAsStrings() {
        assertEquals("[\"NaN\",\"Infinity\"]", Json.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY)));
    }

    @Test
    void cutsOffSelfReferences() {
        final List<Object> loop = new ArrayList<>();
        loop.add(loop);
        final String json = Json.write(loop);
        assertEquals("[".repeat(Json.MAX_DEPTH) + "\"...\"" + "]".repeat(Json.MAX_DEPTH), json);
    }
}
