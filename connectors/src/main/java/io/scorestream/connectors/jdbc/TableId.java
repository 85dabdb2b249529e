package io.scorestream.connectors.jdbc;

/**
 * A table: its schema (namespace) and name, both as stored by PostgreSQL.
 *
 * @param schema the namespace, e.g. {@code public}
 * @param name the table name
 */
record TableId(String schema, String name) {

    /** The quoted, qualified name for SQL: {@code "public"."scores"}. */
    String sql() {
        return Identifiers.quote(schema) + "." + Identifiers.quote(name);
    }

    /** {@code schema.name}, for messages. */
    @Override
    public String toString() {
        return schema + "." + name;
    }
}
