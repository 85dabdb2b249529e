package io.scorestream.connectors.load;

import java.nio.file.Path;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * What {@link FileLoader} loads and how.
 *
 * @param file the file read
 * @param format its format
 * @param schema the record schema every row is converted to (given, or from {@link SchemaInference})
 * @param keyColumn the column whose text is each record's key, or null for null keys
 * @param timestampColumn the column whose time (epoch ms or ISO-8601) is each record's timestamp, or
 *     null to let the producer stamp records
 * @param ratePerSecond rows handed to the sink per second at most; 0 = as fast as it takes them
 * @param rejectFile where rejected rows are written (and the load goes on), or null to stop at the
 *     first rejected row
 */
public record LoadOptions(Path file, InputFormat format, Schema schema, String keyColumn, String timestampColumn,
                          long ratePerSecond, Path rejectFile) {

    /**
     * @throws NullPointerException if the file, format or schema is missing
     * @throws IllegalArgumentException if the schema is no record or the rate is negative
     */
    public LoadOptions {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(schema, "schema");
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("schema must be a record, got " + schema.getType().getName());
        }
        if (ratePerSecond < 0) {
            throw new IllegalArgumentException("ratePerSecond must be at least 0, got " + ratePerSecond);
        }
    }
}
