package io.scorestream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

    private static Schema record(final String name, final String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[" + fields + "]}");
    }

    private static final Schema A = record("A", "{\"name\":\"x\",\"type\":\"int\"}");
    private static final Schema B = record("B", "{\"name\":\"x\",\"type\":\"int\"}");

    @Test
    void assignsIdsFromOneUpward() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

        // when
        final int a = registry.register("a-value", A);
        final int b = registry.register("b-value", B);

        // then
        assertEquals(1, a);
        assertEquals(2, b);
    }

    @Test
    void registeringAgainIsIdempotent() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final int first = registry.register("a-value", A);

        // when
        final int second = registry.register("a-value", new Schema.Parser().parse(A.toString()));

        // then
        assertEquals(first, second);
        assertEquals(new RegisteredSchema("a-value", 1, first, A), registry.latest("a-value"));
    }

    @Test
    void sameSchemaUnderAnotherSubjectKeepsItsIdAndBecomesAVersionThere() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("other-value", B);
        final int id = registry.register("a-value", A);

        // when
        final int again = registry.register("other-value", A);

        // then
        assertEquals(id, again);
        assertEquals(new RegisteredSchema("other-value", 2, id, A), registry.latest("other-value"));
    }

    @Test
    void schemasDifferingOnlyInADefaultGetDifferentIds() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final Schema withDefault0 = record("A", "{\"name\":\"x\",\"type\":\"int\",\"default\":0}");
        final Schema withDefault1 = record("A", "{\"name\":\"x\",\"type\":\"int\",\"default\":1}");

        // when
        final int first = registry.register("a-value", withDefault0);
        final int second = registry.register("a-value", withDefault1);

        // then
        assertNotEquals(first, second);
        assertEquals(withDefault1, registry.getById(second));
    }

    @Test
    void unknownIdFailsAsNotFound() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

        // when
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.getById(42));

        // then
        assertTrue(e.isNotFound());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, e.errorCode());
        assertTrue(e.getMessage().contains("Schema id 42 not found"), e.getMessage());
    }

    @Test
    void idOfFindsOnlySchemasRegisteredUnderTheSubject() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final int id = registry.register("a-value", A);

        // when
        final int found = registry.idOf("a-value", A);
        final SchemaRegistryException noSubject =
                assertThrows(SchemaRegistryException.class, () -> registry.idOf("b-value", A));
        final SchemaRegistryException notInSubject =
                assertThrows(SchemaRegistryException.class, () -> registry.idOf("a-value", B));

        // then
        assertEquals(id, found);
        assertEquals(SchemaRegistryException.SUBJECT_NOT_FOUND, noSubject.errorCode());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, notInSubject.errorCode());
        assertThrows(SchemaRegistryException.class, () -> registry.latest("b-value"));
    }

    @Test
    void concurrentRegistrationsGiveOneIdPerSchema() throws Exception {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final List<Schema> schemas = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            schemas.add(record("S" + i, "{\"name\":\"x\",\"type\":\"int\"}"));
        }
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        final List<Future<Integer>> ids = new ArrayList<>();

        // when
        try {
            for (int round = 0; round < 8; round++) {
                for (int i = 0; i < schemas.size(); i++) {
                    final Schema schema = schemas.get(i);
                    final String subject = "t" + (round % 3) + "-value";
                    ids.add(pool.submit(() -> registry.register(subject, schema)));
                }
            }
            final Set<Integer> distinct = new HashSet<>();
            for (Future<Integer> id : ids) {
                distinct.add(id.get());
            }

            // then
            assertEquals(20, distinct.size());
            for (int id = 1; id <= 20; id++) {
                assertTrue(distinct.contains(id));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void topicNameStrategyNamesKeyAndValueSubjects() {
        // when / then
        assertEquals("transactions-value", TopicNameStrategy.subject("transactions", false));
        assertEquals("transactions-key", TopicNameStrategy.subject("transactions", true));
    }
}
