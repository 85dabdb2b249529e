/**
 * A Kafka Connect converter for Avro in Confluent's wire format: {@link
 * io.scorestream.connectors.avro.AvroConverter} (configured by {@link
 * io.scorestream.connectors.avro.AvroConverterConfig}) turns Connect structs into registry-backed
 * Avro bytes and back, with {@link io.scorestream.connectors.avro.AvroData} translating schemas and
 * values between Connect and Avro. The wire format and the registry clients are the {@code schemas}
 * module's; the rest of the package is internal.
 */
package io.scorestream.connectors.avro;
