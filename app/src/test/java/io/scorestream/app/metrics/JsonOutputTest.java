package io.scorestream.app.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.scorestream.app.metrics.JsonOutput.NonFinite;

import org.junit.jupiter.api.Test;

class JsonOutputTest {

    @Test
    void writesNestedValuesOnOneLine() {
        final Map<String, Object> value = new LinkedHashMap<>();
        value.put("state", "RUNNING");
        value.put("models", List.of(Map.of("fraud", "v2")));
        value.put("ready", true);
        value.put("count", 3);
        value.put("ratio", 0.5);
        value.put("nothing", null);
        value.put("array", new Object[] {1L, "x"});
        value.put("empty", Map.of());

        assertEquals("{\"state\":\"RUNNING\",\"models\":[{\"fraud\":\"v2\"}],\"ready\":true,\"count\":3,"
                + "\"ratio\":0.5,\"nothing\":null,\"array\":[1,\"x\"],\"empty\":{}}",
                JsonOutput.write(value, NonFinite.STRING));
    }

    @Test
    void escapesQuotesControlCharactersAndLineSeparators() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001\\u2028\"",
                JsonOutput.write("a\"b\\c\nd\te\u0001\u2028", NonFinite.STRING));
        assertEquals("\"\\b\\f\\r\\u001f\\u2029\"", JsonOutput.write("\b\f\r\u001f\u2029", NonFinite.STRING));
    }

    @Test
    void keepsOtherCharactersAsTheyAre() {
        assertEquals("\"é✓\uD83D\uDE00/\"", JsonOutput.write("é✓\uD83D\uDE00/", NonFinite.STRING));
    }

    @Test
    void writesNonFiniteNumbersAsStringsOrNullAsAsked() {
        final List<Object> values = Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.5,
                new double[] {Double.NaN, 0.25});

        assertEquals("[\"NaN\",\"Infinity\",\"-Infinity\",1.5,[\"NaN\",0.25]]",
                JsonOutput.write(values, NonFinite.STRING));
        assertEquals("[null,null,null,1.5,[null,0.25]]", JsonOutput.write(values, NonFinite.NULL));
    }

    @Test
    void writesOtherObjectsAsTheirToString() {
        final Map<String, Object> value = new LinkedHashMap<>();
        value.put("record", new Point(1, 2));
        value.put("enum", Shape.ROUND);
        value.put("other", new Object() {
            @Override
            public String toString() {
                return "custom";
            }
        });

        assertEquals("{\"record\":\"Point[x=1, y=2]\",\"enum\":\"round\",\"other\":\"custom\"}",
                JsonOutput.write(value, NonFinite.STRING));
    }

    @Test
    void indentsEntriesAndItemsButKeepsListsOfNumbersOnOneLine() {
        final Map<String, Object> histogram = new LinkedHashMap<>();
        histogram.put("lower", 0.0);
        histogram.put("counts", new long[] {1, 0, 3});
        final Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "x");
        value.put("histogram", histogram);
        value.put("scores", List.of(0.5, Double.NaN));
        value.put("items", Arrays.asList("a", 1, Map.of(), null));
        value.put("none", List.of());

        assertEquals("""
                {
                  "name": "x",
                  "histogram": {
                    "lower": 0.0,
                    "counts": [1, 0, 3]
                  },
                  "scores": [0.5, null],
                  "items": [
                    "a",
                    1,
                    {},
                    null
                  ],
                  "none": []
                }""", JsonOutput.writeIndented(value, NonFinite.NULL));
    }

    @Test
    void refusesNestingDeeperThanTheLimit() {
        Object deepest = List.of(1);
        for (int depth = 1; depth < JsonOutput.MAX_DEPTH; depth++) {
            deepest = List.of(deepest);
        }
        final String atTheLimit = JsonOutput.write(deepest, NonFinite.STRING);
        assertEquals("[".repeat(JsonOutput.MAX_DEPTH) + "1" + "]".repeat(JsonOutput.MAX_DEPTH), atTheLimit);

        final Object tooDeep = List.of(deepest);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonOutput.writeIndented(tooDeep, NonFinite.NULL));
        assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
    }

    @Test
    void refusesASelfReferenceInsteadOfOverflowingTheStack() {
        final List<Object> loop = new ArrayList<>();
        loop.add(loop);
        final Map<String, Object> mapLoop = new LinkedHashMap<>();
        mapLoop.put("me", mapLoop);

        assertThrows(IllegalArgumentException.class, () -> JsonOutput.write(loop, NonFinite.STRING));
        assertThrows(IllegalArgumentException.class, () -> JsonOutput.writeIndented(mapLoop, NonFinite.NULL));
    }

    private record Point(int x, int y) {
    }

    private enum Shape {
        ROUND;

        @Override
        public String toString() {
            return "round";
        }
    }
}
