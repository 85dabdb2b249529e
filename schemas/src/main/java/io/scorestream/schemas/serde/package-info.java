/**
 * Kafka serializers, deserializers and serdes for Avro records in Confluent's wire format (magic
 * byte 0, 4-byte big-endian schema id, Avro binary), generic or generated. Start at
 * {@link io.scorestream.schemas.serde.AvroSerdes}; bad bytes surface as
 * {@link io.scorestream.schemas.serde.WireFormatException} with a reason. Scores are written by
 * {@link io.scorestream.schemas.serde.ScoreResultSerializer}, a hand-written encoder that gives the
 * same bytes as the generic path without its per-record work.
 */
package io.scorestream.schemas.serde;
