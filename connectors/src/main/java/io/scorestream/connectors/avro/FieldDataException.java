package io.scorestream.connectors.avro;

import org.apache.kafka.connect.errors.DataException;

/**
 * A {@link DataException} about one field of a value or schema, whose message names the field's
 * dotted path, e.g. {@code field 'customer.address.zip': expected a String, got Integer 5}. Built
 * inside out: the innermost failure names the problem, each enclosing struct adds its field.
 */
final class FieldDataException extends DataException {

    private static final long serialVersionUID = 1L;

    private final String path;
    private final String detail;

    private FieldDataException(final String path, final String detail, final Throwable cause) {
        super("field '" + path + "': " + detail, cause);
        this.path = path;
        this.detail = detail;
    }

    /** {@code e}, which happened in field {@code field}, with that field prepended to its path. */
    static FieldDataException in(final String field, final RuntimeException e) {
        if (e instanceof FieldDataException inner) {
            return new FieldDataException(
                    field + (inner.path.startsWith("[") ? "" : ".") + inner.path, inner.detail, inner.getCause());
        }
        return new FieldDataException(field, String.valueOf(e.getMessage()), e);
    }
}
