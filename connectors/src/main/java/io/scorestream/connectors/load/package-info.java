/**
 * Files of historical events to a topic, behind {@code scorestream load}: CSV (a header row, RFC 4180
 * quoting) or JSON Lines, each row turned into an Avro {@code GenericRecord} of a given or inferred
 * schema and handed to a {@link io.scorestream.connectors.load.RowSink} (a Kafka topic in Confluent
 * wire format, or a test's list).
 *
 * <p>The parts, in the order a row meets them: a {@link io.scorestream.connectors.load.RowReader}
 * reads the file into {@link io.scorestream.connectors.load.Row}s (physical line numbers kept);
 * {@link io.scorestream.connectors.load.SchemaInference} proposes a schema from them; a
 * {@link io.scorestream.connectors.load.RowConverter} maps columns to the schema's fields by name and
 * converts one row, or throws {@link io.scorestream.connectors.load.RowRejected} naming the line,
 * column, value and reason; {@link io.scorestream.connectors.load.FileLoader} runs the whole file
 * through them into a sink, stopping at the first rejected row or writing it to a reject file.
 *
 * <p>No picocli, no Kafka Streams, nothing of the topology: the command line lives in the
 * application.
 */
package io.scorestream.connectors.load;
