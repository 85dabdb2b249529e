/**
 * Real parts started in-process for the {@code demo} command, the integration tests and the
 * benchmark, never used by the topology, the inference engine or the connectors:
 * <ul>
 *   <li>{@link io.scorestream.testkit.EmbeddedKafka}: a single-node Apache Kafka broker (KRaft,
 *       combined broker+controller), with {@link io.scorestream.testkit.KafkaTopics} to create
 *       topics that take records at once; plain, or secured ({@code SASL_SSL}, SCRAM-SHA-512 and
 *       OAUTHBEARER, ACLs enforced) with {@link io.scorestream.testkit.KafkaSecurity} for its users,
 *       ACLs and client configurations, {@link io.scorestream.testkit.TestCertificates} for TLS and
 *       {@link io.scorestream.testkit.TestOAuthServer} for tokens;</li>
 *   <li>{@link io.scorestream.testkit.SchemaRegistryServer}: a Confluent-compatible schema
 *       registry over HTTP;</li>
 *   <li>{@link io.scorestream.testkit.EmbeddedPostgresServer}: a PostgreSQL server (child
 *       process) that can be stopped and restarted on the same port and data;</li>
 *   <li>{@link io.scorestream.testkit.ConnectWorker}: a Kafka Connect worker, distributed or
 *       standalone, in this JVM or in a child JVM ({@link io.scorestream.testkit.ConnectWorkerProcess})
 *       that can be killed, driven through its REST API
 *       ({@link io.scorestream.testkit.ConnectRestClient}).</li>
 * </ul>
 * The broker configuration and the wrapper around Kafka's own server classes are package-private.
 */
package io.scorestream.testkit;
