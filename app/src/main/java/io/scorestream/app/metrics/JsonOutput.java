package io.scorestream.app.metrics;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonpCharacterEscapes;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.Instantiatable;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.ser.impl.UnknownSerializer;
import com.fasterxml.jackson.databind.ser.impl.UnsupportedTypeSerializer;
import com.fasterxml.jackson.databind.ser.std.BeanSerializerBase;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

/**
 * JSON for the small documents scorestream writes (the body of {@code /readyz}, the replay report),
 * with one Jackson {@link ObjectMapper} configured once.
 *
 * <p>Values: maps (keys as strings, in iteration order), collections, iterables and arrays,
 * strings, numbers, booleans, enums (their {@code toString()}) and null; anything else is written
 * as its {@code toString()}, never as a bean. Strings are escaped as JSON requires (control
 * characters as the short escapes such as {@code \n} and {@code \t}, or else as four lowercase hex
 * digits), and so are U+2028 and U+2029, which JavaScript that evaluates the text would take for
 * line breaks; other characters are written as they are. A NaN or infinite {@code double} or
 * {@code float} is written as {@link NonFinite chosen}. Containers nested more than
 * {@value #MAX_DEPTH} deep are refused (a self-referencing structure included) with an
 * {@link IllegalArgumentException}.
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonOutput {

    /** The deepest nesting of maps and lists written; one level deeper is refused. */
    public static final int MAX_DEPTH = 16;

    /** How a NaN or infinite {@code double} or {@code float} is written. */
    public enum NonFinite {
        /** As a string: {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}. */
        STRING,
        /** As {@code null}. */
        NULL
    }

    private static final Map<NonFinite, ObjectWriter> COMPACT = new EnumMap<>(NonFinite.class);
    private static final Map<NonFinite, ObjectWriter> INDENTED = new EnumMap<>(NonFinite.class);

    static {
        final ObjectMapper mapper = mapper();
        for (final NonFinite nonFinite : NonFinite.values()) {
            final ObjectWriter writer = mapper.writer().withAttribute(NonFinite.class, nonFinite);
            COMPACT.put(nonFinite, writer);
            INDENTED.put(nonFinite, writer.with(new LinePrinter()));
        }
    }

    private JsonOutput() {
    }

    /**
     * {@code value} on one line, without spaces.
     *
     * @throws IllegalArgumentException if {@code value} nests deeper than {@value #MAX_DEPTH}
     */
    public static String write(final Object value, final NonFinite nonFinite) {
        return write(COMPACT.get(nonFinite), value);
    }

    /**
     * {@code value} for people to read: two spaces of indentation per level, an entry or item per
     * line, except that a list of numbers only (a histogram, say) stays on one line as
     * {@code [1, 2, 3]}; empty maps and lists as {@code {}} and {@code []}; lines end with
     * {@code \n} on every platform, and the last one has no line break.
     *
     * @throws IllegalArgumentException if {@code value} nests deeper than {@value #MAX_DEPTH}
     */
    public static String writeIndented(final Object value, final NonFinite nonFinite) {
        return write(INDENTED.get(nonFinite), value);
    }

    private static String write(final ObjectWriter writer, final Object value) {
        try {
            return writer.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            // Writing to a string does no I/O: what fails is the value (too deep, a failing toString()).
            throw new IllegalArgumentException("cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectMapper mapper() {
        final JsonFactory factory = new JsonFactoryBuilder()
                .characterEscapes(JsonpCharacterEscapes.instance())
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                .build();
        final SimpleModule module = new SimpleModule("scorestream-json-output");
        module.addSerializer(Double.class, new NonFiniteNumber());
        module.addSerializer(Float.class, new NonFiniteNumber());
        module.addSerializer(double[].class, new NonFiniteDoubles());
        module.setSerializerModifier(new ToStringOtherwise());
        return JsonMapper.builder(factory)
                .addModule(module)
                .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
                .build();
    }

    /** Writes {@code d} as a number, or as the writer's {@link NonFinite} policy says when not finite. */
    private static void writeDouble(final double d, final boolean isFloat, final JsonGenerator gen,
                                    final SerializerProvider provider) throws IOException {
        if (!Double.isFinite(d) && provider.getAttribute(NonFinite.class) == NonFinite.NULL) {
            gen.writeNull();
        } else if (isFloat) {
            gen.writeNumber((float) d);
        } else {
            // A non-finite value becomes "NaN", "Infinity" or "-Infinity" (WRITE_NAN_AS_STRINGS).
            gen.writeNumber(d);
        }
    }

    /** A {@link Double} or {@link Float} under the writer's {@link NonFinite} policy. */
    private static final class NonFiniteNumber extends StdScalarSerializer<Number> {
        private static final long serialVersionUID = 1L;

        NonFiniteNumber() {
            super(Number.class);
        }

        @Override
        public void serialize(final Number value, final JsonGenerator gen, final SerializerProvider provider)
                throws IOException {
            writeDouble(value.doubleValue(), value instanceof Float, gen, provider);
        }
    }

    /** A {@code double[]} under the writer's {@link NonFinite} policy. */
    private static final class NonFiniteDoubles extends StdSerializer<double[]> {
        private static final long serialVersionUID = 1L;

        NonFiniteDoubles() {
            super(double[].class);
        }

        @Override
        public void serialize(final double[] values, final JsonGenerator gen, final SerializerProvider provider)
                throws IOException {
            // The array goes along so that LinePrinter can see it is numbers only.
            gen.writeStartArray(values, values.length);
            for (final double d : values) {
                writeDouble(d, false, gen, provider);
            }
            gen.writeEndArray();
        }
    }

    /** Replaces the serializers Jackson would make for beans and unknown types by {@code toString()}. */
    private static final class ToStringOtherwise extends BeanSerializerModifier {
        private static final long serialVersionUID = 1L;

        @Override
        public JsonSerializer<?> modifySerializer(final SerializationConfig config, final BeanDescription description,
                                                  final JsonSerializer<?> serializer) {
            if (serializer instanceof BeanSerializerBase || serializer instanceof UnknownSerializer
                    || serializer instanceof UnsupportedTypeSerializer) {
                return ToStringSerializer.instance;
            }
            return serializer;
        }
    }

    /**
     * The layout of {@link #writeIndented}. It decides how to lay out an array when it opens, from
     * the value being written (which the serializers pass to the generator): numbers only go on one
     * line. Holds the state of one document, so each generator gets its own {@link #createInstance()}.
     */
    private static final class LinePrinter implements PrettyPrinter, Instantiatable<LinePrinter> {
        private static final String INDENT = "  ";

        private final Deque<Boolean> oneLine = new ArrayDeque<>();
        private int depth;

        @Override
        public LinePrinter createInstance() {
            return new LinePrinter();
        }

        @Override
        public void writeRootValueSeparator(final JsonGenerator gen) throws IOException {
            gen.writeRaw('\n');
        }

        @Override
        public void writeStartObject(final JsonGenerator gen) throws IOException {
            gen.writeRaw('{');
            depth++;
        }

        @Override
        public void beforeObjectEntries(final JsonGenerator gen) throws IOException {
            newLine(gen);
        }

        @Override
        public void writeObjectFieldValueSeparator(final JsonGenerator gen) throws IOException {
            gen.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(final JsonGenerator gen) throws IOException {
            gen.writeRaw(',');
            newLine(gen);
        }

        @Override
        public void writeEndObject(final JsonGenerator gen, final int entries) throws IOException {
            depth--;
            if (entries > 0) {
                newLine(gen);
            }
            gen.writeRaw('}');
        }

        @Override
        public void writeStartArray(final JsonGenerator gen) throws IOException {
            oneLine.push(numbersOnly(gen.currentValue()));
            gen.writeRaw('[');
            depth++;
        }

        @Override
        public void beforeArrayValues(final JsonGenerator gen) throws IOException {
            if (!oneLine.peek()) {
                newLine(gen);
            }
        }

        @Override
        public void writeArrayValueSeparator(final JsonGenerator gen) throws IOException {
            if (oneLine.peek()) {
                gen.writeRaw(", ");
            } else {
                gen.writeRaw(',');
                newLine(gen);
            }
        }

        @Override
        public void writeEndArray(final JsonGenerator gen, final int values) throws IOException {
            depth--;
            if (!oneLine.pop() && values > 0) {
                newLine(gen);
            }
            gen.writeRaw(']');
        }

        private void newLine(final JsonGenerator gen) throws IOException {
            gen.writeRaw('\n');
            for (int i = 0; i < depth; i++) {
                gen.writeRaw(INDENT);
            }
        }

        /** Whether {@code array} (the value an array is written for) holds numbers only. */
        private static boolean numbersOnly(final Object array) {
            if (array instanceof long[] || array instanceof int[] || array instanceof double[]
                    || array instanceof float[] || array instanceof short[]) {
                return true;
            }
            final Iterable<?> items;
            if (array instanceof Object[] objects) {
                items = Arrays.asList(objects);
            } else if (array instanceof Iterable<?> iterable) {
                items = iterable;
            } else {
                return false;
            }
            for (final Object item : items) {
                if (!(item instanceof Number)) {
                    return false;
                }
            }
            return true;
        }
    }
}
