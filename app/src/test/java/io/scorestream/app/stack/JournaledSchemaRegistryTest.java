package io.scorestream.app.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournaledSchemaRegistryTest {

    private static final Schema A = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"A\",\"fields\":["
            + "{\"name\":\"x\",\"type\":\"int\"}]}");
    private static final Schema A2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"A\",\"fields\":["
            + "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"long\",\"default\":0}]}");
    private static final Schema B = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"B\",\"fields\":["
            + "{\"name\":\"s\",\"type\":\"string\"}]}");

    @TempDir
    Path dir;

    @Test
    void registrationsReadBackAfterReopeningWithTheSameIdsVersionsAndSubjects() {
        // given: three schemas under two subjects, one schema under both
        final Path journal = dir.resolve("registry/schemas.jsonl");
        final JournaledSchemaRegistry first = JournaledSchemaRegistry.open(journal);
        final int a = first.register("transactions-value", A);
        final int b = first.register("scores-value", B);
        final int a2 = first.register("transactions-value", A2);
        final int aAgain = first.register("history-value", A);

        // when: opened again, as after a restart
        final JournaledSchemaRegistry second = JournaledSchemaRegistry.open(journal);

        // then: every id means the same schema, versions and subjects are the same
        assertEquals(List.of(1, 2, 3, 1), List.of(a, b, a2, aAgain));
        assertEquals(A, second.getById(a));
        assertEquals(B, second.getById(b));
        assertEquals(A2, second.getById(a2));
        assertEquals(2, second.latest("transactions-value").version());
        assertEquals(a2, second.latest("transactions-value").id());
        assertEquals(a, second.idOf("history-value", A));
        assertEquals(List.of("history-value", "scores-value", "transactions-value"), second.subjects());
        // and a new schema gets the next id, as it would have before the restart
        assertEquals(4, second.register("other-value", new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"C\",\"fields\":[]}")));
    }

    @Test
    void aRegistrationThatChangesNothingWritesNothing() throws IOException {
        final Path journal = dir.resolve("schemas.jsonl");
        final JournaledSchemaRegistry registry = JournaledSchemaRegistry.open(journal);
        registry.register("transactions-value", A);
        registry.register("transactions-value", A);
        registry.register("transactions-value", A);
        assertEquals(1, Files.readAllLines(journal, StandardCharsets.UTF_8).size());
    }

    @Test
    void aLastLineCutShortByACrashIsIgnored() throws IOException {
        final Path journal = dir.resolve("schemas.jsonl");
        JournaledSchemaRegistry.open(journal).register("transactions-value", A);
        Files.writeString(journal, "{\"subject\":\"scores-value\",\"id\":2,\"sch", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        final JournaledSchemaRegistry reopened = JournaledSchemaRegistry.open(journal);

        assertEquals(List.of("transactions-value"), reopened.subjects());
        assertEquals(A, reopened.getById(1));
    }

    @Test
    void aJournalWhoseLinesWereReorderedIsRefusedNamingTheLine() throws IOException {
        final Path journal = dir.resolve("schemas.jsonl");
        final JournaledSchemaRegistry registry = JournaledSchemaRegistry.open(journal);
        registry.register("transactions-value", A);
        registry.register("scores-value", B);
        final List<String> lines = new ArrayList<>(Files.readAllLines(journal, StandardCharsets.UTF_8));
        Files.write(journal, List.of(lines.get(1), lines.get(0)), StandardCharsets.UTF_8);

        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> JournaledSchemaRegistry.open(journal));

        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("was id 2"), e.getMessage());
    }

    @Test
    void aJournalThatCannotBeWrittenRefusesTheRegistrationAndEveryLaterOne() throws IOException {
        // given: the journal's directory is a file, so the journal cannot be created
        final Path blocker = Files.writeString(dir.resolve("registry"), "not a directory", StandardCharsets.UTF_8);
        final JournaledSchemaRegistry registry = JournaledSchemaRegistry.open(blocker.resolve("schemas.jsonl"));

        final SchemaRegistryException first = assertThrows(SchemaRegistryException.class,
                () -> registry.register("transactions-value", A));
        final SchemaRegistryException later = assertThrows(SchemaRegistryException.class,
                () -> registry.register("scores-value", B));

        assertTrue(first.getMessage().contains("Cannot write schema id 1"), first.getMessage());
        assertTrue(later.getMessage().contains("since the journal failed"), later.getMessage());
    }
}
