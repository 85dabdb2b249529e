/**
 * Schema registries that give Avro schemas their ids: the
 * {@link io.scorestream.schemas.registry.SchemaRegistry} contract, an in-memory one for the embedded
 * default and tests, and an HTTP client of a Confluent-compatible registry.
 */
package io.scorestream.schemas.registry;
