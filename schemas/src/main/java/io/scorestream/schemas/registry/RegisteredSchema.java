package io.scorestream.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One version of a subject: which schema it is, its global id and its version number within the
 * subject. Immutable; no component is {@code null}.
 *
 * @param subject the subject, e.g. {@code transactions-value}
 * @param version the version within the subject, from 1 upward
 * @param id the schema's global id, the one written into the wire format
 * @param schema the schema
 */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {

    /** Checks that no component is {@code null}. */
    public RegisteredSchema {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
