package io.scorestream.inference;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.schemas.serde.AvroCursor;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Reads one record's mapped fields straight from its Avro binary encoding into a row of the batch's
 * buffers, skipping the other fields without materialising them. Compiled once per (writer schema,
 * {@link FeatureExtractor}); it walks the writer's fields in order and, for a mapped one, writes
 * what {@link FeatureExtractor#extract} would write for the decoded record, through the same
 * conversion methods, so the row is bit-identical: ints and longs through {@code putLong}, floats
 * and doubles through {@code putDouble}, nulls and fields the writer lacks as the mapping's
 * default, strings and enum symbols as {@link String}s.
 *
 * <p>It never decides a record's fate: anything it does not accept (a value the extractor would
 * refuse, bytes it cannot read, trailing bytes) throws, and the caller extracts the decoded record
 * instead, which writes the row or throws the extractor's own {@link FeatureException}. Immutable
 * and thread-safe; the cursor and buffers belong to the caller.
 */
final class CompiledReader {

    /** Thrown for anything the generic path must decide; no stack trace (it is an expected outcome). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final FeatureExtractor x;
    /** Per writer field: its schema, and the input and column it feeds (-1: skipped). */
    private final Schema[] fieldSchemas;
    private final int[] input;
    private final int[] column;
    /** Per writer field fed to an input: the offset of its first value in the input's row. */
    private final int[] offset;
    /** Columns the writer lacks: always the mapping's default. */
    private final int[] constInput;
    private final int[] constColumn;
    private final int[] constOffset;

    private CompiledReader(FeatureExtractor x, Schema[] fieldSchemas, int[] input, int[] column, int[] offset,
                           int[] constInput, int[] constColumn, int[] constOffset) {
        this.x = x;
        this.fieldSchemas = fieldSchemas;
        this.input = input;
        this.column = column;
        this.offset = offset;
        this.constInput = constInput;
        this.constColumn = constColumn;
        this.constOffset = constOffset;
    }

    /**
     * A reader for records of {@code x}'s schema, or a String saying why there is none (then every
     * record of that schema takes the generic path).
     */
    static Object compile(FeatureExtractor x) {
        final List<Schema.Field> fields = x.schema().getFields();
        final int n = fields.size();
        final Schema[] schemas = new Schema[n];
        final int[] input = new int[n];
        final int[] column = new int[n];
        final int[] offset = new int[n];
        java.util.Arrays.fill(input, -1);
        for (int f = 0; f < n; f++) {
            schemas[f] = fields.get(f).schema();
        }
        int constants = 0;
        for (int i = 0; i < x.positions.length; i++) {
            for (int c = 0; c < x.positions[i].length; c++) {
                if (x.kinds[i][c] == FeatureExtractor.CONSTANT) {
                    if (x.types[i] == ElementType.STRING) {
                        return "string_default";
                    }
                    constants++;
                }
            }
        }
        final int[] constInput = new int[constants];
        final int[] constColumn = new int[constants];
        final int[] constOffset = new int[constants];
        int k = 0;
        for (int i = 0; i < x.positions.length; i++) {
            int at = 0;
            for (int c = 0; c < x.positions[i].length; c++) {
                final int width = x.kinds[i][c] == FeatureExtractor.ARRAY
                        || x.kinds[i][c] == FeatureExtractor.TEXT_ARRAY ? x.widths[i][c] : 1;
                if (x.kinds[i][c] == FeatureExtractor.CONSTANT) {
                    constInput[k] = i;
                    constColumn[k] = c;
                    constOffset[k++] = at;
                } else {
                    final int f = x.positions[i][c];
                    if (input[f] >= 0) {
                        // One field feeding two columns: the walk reads each field once.
                        return "field_mapped_twice";
                    }
                    input[f] = i;
                    column[f] = c;
                    offset[f] = at;
                }
                at += width;
            }
        }
        return new CompiledReader(x, schemas, input, column, offset, constInput, constColumn, constOffset);
    }

    /**
     * Reads the datum at the cursor (which must end with it) into row {@code row} of {@code rows}.
     *
     * @throws RuntimeException ({@link Refused}, {@link AvroCursor.Malformed}, a {@link FeatureException})
     *     when the generic path must decide; the row is then partly written
     */
    void read(AvroCursor in, RowBuffers rows, int row) {
        for (int f = 0; f < fieldSchemas.length; f++) {
            final int i = input[f];
            if (i < 0) {
                in.skip(fieldSchemas[f]);
                continue;
            }
            final int at = row * x.rowWidths[i] + offset[f];
            final int c = column[f];
            switch (x.kinds[i][c]) {
                case FeatureExtractor.NUMBER, FeatureExtractor.BOOLEAN -> readNumber(in, i, c, rows.buffer(i), at,
                        fieldSchemas[f]);
                case FeatureExtractor.ARRAY -> readArray(in, i, c, rows.buffer(i), rows.bytes(i), at, fieldSchemas[f]);
                case FeatureExtractor.TEXT -> rows.textsOrNull(i)[at] = readText(in, branch(in, fieldSchemas[f]));
                case FeatureExtractor.TEXT_ARRAY -> readTexts(in, i, c, rows.textsOrNull(i), at, fieldSchemas[f]);
                default -> throw new Refused("kind " + x.kinds[i][c]);
            }
        }
        if (!in.isEnd()) {
            throw new Refused("trailing bytes");
        }
        for (int k = 0; k < constInput.length; k++) {
            final int i = constInput[k];
            x.putDefault(i, constColumn[k], rows.buffer(i), row * x.rowWidths[i] + constOffset[k]);
        }
    }

    private static Schema branch(AvroCursor in, Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        final List<Schema> types = s.getTypes();
        return types.get(in.readIndex(types.size()));
    }

    private void readNumber(AvroCursor in, int i, int c, Buffer buf, int at, Schema s) {
        final Schema b = branch(in, s);
        switch (b.getType()) {
            case NULL -> x.putDefault(i, c, buf, at);
            case BOOLEAN -> x.putLong(i, c, buf, at, in.readBoolean() ? 1L : 0L, -1);
            case INT -> x.putLong(i, c, buf, at, in.readInt(), -1);
            case LONG -> x.putLong(i, c, buf, at, in.readLong(), -1);
            case FLOAT -> x.putDouble(i, c, buf, at, in.readFloat(), -1);
            case DOUBLE -> x.putDouble(i, c, buf, at, in.readDouble(), -1);
            default -> throw new Refused("number branch " + b.getType());
        }
    }

    private void readArray(AvroCursor in, int i, int c, Buffer buf, ByteBuffer bytes, int at, Schema s) {
        final Schema b = branch(in, s);
        final int width = x.widths[i][c];
        if (b.getType() == Schema.Type.NULL) {
            for (int k = 0; k < width; k++) {
                x.putDefault(i, c, buf, at + k);
            }
            return;
        }
        if (b.getType() != Schema.Type.ARRAY) {
            throw new Refused("array branch " + b.getType());
        }
        final Schema.Type element = b.getElementType().getType();
        final boolean floats = element == Schema.Type.FLOAT && x.types[i] == ElementType.FLOAT;
        int size = 0;
        for (long n = in.readBlockCount(); n != 0; n = in.readBlockCount()) {
            if (n > width - size) {
                throw new Refused("more elements than the width");
            }
            final int end = size + (int) n;
            if (floats) {
                // float into float: finite values go in as they are; (float) (double) f == f.
                if (!in.readFiniteFloats(bytes, 4 * (at + size), (int) n)) {
                    throw new Refused("non-finite element");
                }
            } else {
                for (int k = size; k < end; k++) {
                    switch (element) {
                        case BOOLEAN -> x.putLong(i, c, buf, at + k, in.readBoolean() ? 1L : 0L, k);
                        case INT -> x.putLong(i, c, buf, at + k, in.readInt(), k);
                        case LONG -> x.putLong(i, c, buf, at + k, in.readLong(), k);
                        case FLOAT -> x.putDouble(i, c, buf, at + k, in.readFloat(), k);
                        case DOUBLE -> x.putDouble(i, c, buf, at + k, in.readDouble(), k);
                        default -> throw new Refused("array element " + element);
                    }
                }
            }
            size = end;
        }
        if (size < width) {
            if (!x.hasDefault[i][c]) {
                throw new Refused("fewer elements than the width, no default");
            }
            for (int k = size; k < width; k++) {
                x.putDefault(i, c, buf, at + k);
            }
        }
    }

    private static String readText(AvroCursor in, Schema b) {
        return switch (b.getType()) {
            case STRING -> in.readString();
            case ENUM -> b.getEnumSymbols().get(in.readIndex(b.getEnumSymbols().size()));
            default -> throw new Refused("text branch " + b.getType());
        };
    }

    private void readTexts(AvroCursor in, int i, int c, String[] out, int at, Schema s) {
        final Schema b = branch(in, s);
        if (b.getType() != Schema.Type.ARRAY) {
            throw new Refused("text array branch " + b.getType());
        }
        final Schema element = b.getElementType();
        final int width = x.widths[i][c];
        int size = 0;
        for (long n = in.readBlockCount(); n != 0; n = in.readBlockCount()) {
            if (n > width - size) {
                throw new Refused("more elements than the width");
            }
            for (int k = 0; k < n; k++) {
                out[at + size++] = readText(in, element);
            }
        }
        if (size != width) {
            throw new Refused("fewer strings than the width");
        }
    }
}
