/**
 * A real single-node Apache Kafka broker (KRaft, combined broker+controller) started inside the
 * JVM, for the {@code demo} command and the integration tests. {@link
 * io.scorestream.testkit.EmbeddedKafka} is the only public type; the broker
 * configuration and the wrapper around Kafka's own server classes are package-private.
 */
package io.scorestream.testkit;
