package io.scorestream.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A schema registry held in memory, for the embedded default and for tests; it behaves like
 * Confluent's for what the serde relies on: ids from 1 upward, one id per distinct schema whichever
 * subject it is registered under, versions from 1 upward per subject.
 *
 * <p>Schemas are told apart by their full JSON form ({@link Schema#toString()}), not by Avro's
 * Parsing Canonical Form: that form drops defaults and logical types, so two schemas that read
 * differently would share an id. Unlike Confluent's registry, this one checks no compatibility
 * between versions of a subject. It keeps its own copy of every schema, so later changes to a
 * caller's {@code Schema} object (e.g. {@code addProp}) do not leak in.
 *
 * <p>Thread-safe. {@link #getById(int)}, the deserializer's hot path, takes no lock.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final Map<String, Integer> idsByJson = new HashMap<>();
    /** Guarded by {@link #lock}: per subject, the id of each version in order. */
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
    /** Written under {@link #lock}, read without it. */
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    /** Guarded by {@link #lock}. */
    private int nextId = 1;

    /** Creates an empty registry. */
    public InMemorySchemaRegistry() {
    }

    @Override
    public int register(final String subject, final Schema schema) {
        Objects.requireNonNull(subject, "subject");
        final String json = Objects.requireNonNull(schema, "schema").toString();
        synchronized (lock) {
            Integer id = idsByJson.get(json);
            if (id == null) {
                id = nextId++;
                idsByJson.put(json, id);
                schemasById.put(id, new Schema.Parser().parse(json));
            }
            final List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
            if (!versions.contains(id)) {
                versions.add(id);
            }
            return id;
        }
    }

    @Override
    public int idOf(final String subject, final Schema schema) {
        Objects.requireNonNull(subject, "subject");
        final String json = Objects.requireNonNull(schema, "schema").toString();
        synchronized (lock) {
            final List<Integer> versions = versionsBySubject.get(subject);
            if (versions == null) {
                throw subjectNotFound(subject);
            }
            final Integer id = idsByJson.get(json);
            if (id == null || !versions.contains(id)) {
                throw new SchemaRegistryException(
                        "Schema " + schema.getFullName() + " is not registered under subject '" + subject + "'",
                        SchemaRegistryException.NONE, SchemaRegistryException.SCHEMA_NOT_FOUND, null);
            }
            return id;
        }
    }

    @Override
    public Schema getById(final int id) {
        final Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema id " + id + " not found in the in-memory registry",
                    SchemaRegistryException.NONE, SchemaRegistryException.SCHEMA_NOT_FOUND, null);
        }
        return schema;
    }

    @Override
    public RegisteredSchema latest(final String subject) {
        Objects.requireNonNull(subject, "subject");
        synchronized (lock) {
            final List<Integer> versions = versionsBySubject.get(subject);
            if (versions == null) {
                throw subjectNotFound(subject);
            }
            final int id = versions.get(versions.size() - 1);
            return new RegisteredSchema(subject, versions.size(), id, schemasById.get(id));
        }
    }

    private static SchemaRegistryException subjectNotFound(final String subject) {
        return new SchemaRegistryException("Subject '" + subject + "' not found in the in-memory registry",
                SchemaRegistryException.NONE, SchemaRegistryException.SUBJECT_NOT_FOUND, null);
    }
}
