package io.scorestream.schemas.registry;

import org.apache.avro.Schema;

/**
 * Where Avro schemas get their ids: the part of a Confluent-compatible schema registry that the
 * wire-format serde needs.
 *
 * <p>Ids are global: one schema (compared by its full JSON form, so defaults and logical types
 * count) has one id, whichever subject it is registered under. Subjects hold versions; the subject
 * of a topic is given by {@link TopicNameStrategy}.
 *
 * <p><b>Contract for implementations.</b> Thread-safe; none of the methods accepts or returns
 * {@code null}. Failures are {@link SchemaRegistryException}s, whose
 * {@link SchemaRegistryException#isNotFound()} tells "this does not exist" from "the registry
 * could not answer". A registry holds no resources that need closing; whoever creates it may share
 * it between any number of serializers and deserializers, which never close it.
 */
public interface SchemaRegistry {

    /**
     * Registers {@code schema} under {@code subject} (a new version, unless the subject already
     * has it) and returns its id. Idempotent: the same schema always gets the same id.
     *
     * @throws SchemaRegistryException if the registry rejects the schema (e.g. incompatible with
     *     the subject's earlier versions, or invalid) or cannot be reached
     */
    int register(String subject, Schema schema);

    /**
     * Returns the id of {@code schema} if it is already registered under {@code subject}; never
     * registers anything. Used by serializers that must not auto-register.
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} if the
     *     subject does not exist or does not hold this schema
     */
    int idOf(String subject, Schema schema);

    /**
     * Returns the schema with this id.
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} if no
     *     schema has this id
     */
    Schema getById(int id);

    /**
     * Returns the newest version registered under {@code subject}.
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} if the
     *     subject does not exist
     */
    RegisteredSchema latest(String subject);
}
