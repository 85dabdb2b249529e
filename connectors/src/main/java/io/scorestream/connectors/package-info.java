/**
 * Data in and out of scorestream's topics: {@code avro} (a Confluent-wire-format Avro converter for
 * Kafka Connect), {@code jdbc} (a JDBC sink connector for scores, PostgreSQL), {@code load} (files of
 * historical events to a topic, behind {@code scorestream load}). Depends on {@code schemas} and
 * Kafka Connect's API, never on the topology or ONNX Runtime.
 */
package io.scorestream.connectors;
