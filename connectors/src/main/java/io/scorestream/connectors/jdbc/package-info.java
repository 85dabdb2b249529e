/**
 * A Kafka Connect sink writing records to PostgreSQL: scorestream's scores, or any record whose value
 * is a flat struct.
 *
 * <p>Public: {@link io.scorestream.connectors.jdbc.JdbcSinkConnector} (what a Connect worker loads; its
 * javadoc has a configuration example and the delivery guarantees),
 * {@link io.scorestream.connectors.jdbc.JdbcSinkTask} and {@link io.scorestream.connectors.jdbc.JdbcSinkConfig}.
 * Package-private, in data-flow order: {@code RecordWriter} (one put: group by table, batch, find
 * bad records), {@code TableManager} with {@code TableMetadata} (create, evolve and check tables;
 * cache a {@code WritePlan} per table and schema), {@code WritePlan} and {@code ColumnType} (the
 * statement, binding each field), {@code JsonValues} (maps, arrays and structs as jsonb),
 * {@code SqlErrors} (what an SQLSTATE means: retry, set the record aside, or stop),
 * {@code Identifiers} and {@code TableId}.
 */
package io.scorestream.connectors.jdbc;
