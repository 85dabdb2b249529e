package io.scorestream.app.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.RegisteredSchema;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link InMemorySchemaRegistry} whose registrations are also appended to a journal file, and
 * replayed from it when opened again, so that the schema ids the records on a kept broker carry
 * mean the same schemas after a restart.
 *
 * <p><b>The journal</b> is JSON Lines, one line per registration that changed the registry (a new
 * schema, or a schema new to its subject), in order: {@code {"subject": ..., "id": ..., "schema":
 * ...}}. Replaying the registrations in the same order gives the same ids and versions, because
 * the in-memory registry numbers them in order; the recorded id is checked against the one given
 * again. Each line is written with {@code DSYNC} before {@link #register} returns, so a
 * registration a client has seen survives a crash of this process. A last line cut short by a
 * crash while it was written (no line end) is ignored, with a warning; any other line that cannot
 * be read stops {@link #open}.
 *
 * <p>Thread-safe: registrations are serialised (they are rare); reads go to the in-memory registry
 * without a lock. Holds no open file between calls, so there is nothing to close.
 */
final class JournaledSchemaRegistry implements SchemaRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(JournaledSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemorySchemaRegistry memory = new InMemorySchemaRegistry();
    private final Path journal;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final TreeSet<String> subjects = new TreeSet<>();
    /** Guarded by {@link #lock}: why the journal stopped taking registrations, or null. */
    private SchemaRegistryException broken;

    private JournaledSchemaRegistry(final Path journal) {
        this.journal = journal;
    }

    /**
     * Opens the registry kept in {@code journal}: replays it if it exists (a missing file is an
     * empty registry; the file and its directory are created at the first registration).
     *
     * @throws IllegalStateException if the journal cannot be read, a line is not a registration, or
     *     replaying it gives another id than the recorded one; the message names the file and line
     */
    static JournaledSchemaRegistry open(final Path journal) {
        final JournaledSchemaRegistry registry =
                new JournaledSchemaRegistry(Objects.requireNonNull(journal, "journal"));
        if (Files.exists(journal)) {
            registry.replay();
        }
        return registry;
    }

    /** The journal file. */
    Path journal() {
        return journal;
    }

    /** The subjects this registry holds, sorted. */
    List<String> subjects() {
        synchronized (lock) {
            return List.copyOf(subjects);
        }
    }

    @Override
    public int register(final String subject, final Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        synchronized (lock) {
            if (broken != null) {
                throw new SchemaRegistryException("No registrations since the journal failed: "
                        + broken.getMessage(), broken);
            }
            try {
                return memory.idOf(subject, schema);
            } catch (SchemaRegistryException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
            final int id = memory.register(subject, schema);
            append(subject, id, schema);
            subjects.add(subject);
            return id;
        }
    }

    @Override
    public int idOf(final String subject, final Schema schema) {
        return memory.idOf(subject, schema);
    }

    @Override
    public Schema getById(final int id) {
        return memory.getById(id);
    }

    @Override
    public RegisteredSchema latest(final String subject) {
        return memory.latest(subject);
    }

    @Override
    public String toString() {
        return "JournaledSchemaRegistry[" + journal + "]";
    }

    private void append(final String subject, final int id, final Schema schema) {
        final String line = JSON.createObjectNode().put("subject", subject).put("id", id)
                .put("schema", schema.toString()).toString() + "\n";
        try {
            Files.createDirectories(journal.toAbsolutePath().getParent());
            Files.writeString(journal, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
        } catch (IOException e) {
            // The schema is registered in memory but would be lost at a restart: refuse it and
            // every later registration, so that no record is written with an id the journal lacks.
            broken = new SchemaRegistryException("Cannot write schema id " + id + " of subject '" + subject
                    + "' to the journal " + journal + ": " + e.getMessage(), e);
            throw broken;
        }
    }

    private void replay() {
        final String text;
        try {
            text = Files.readString(journal, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the schema journal " + journal, e);
        }
        final List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        // The last element is what follows the last line end: empty, or a line cut short by a crash.
        final String tail = lines.remove(lines.size() - 1);
        if (!tail.isBlank()) {
            LOG.warn("Schema journal {} ends with an unfinished line (written when the process stopped?); "
                    + "ignoring it: {}", journal, tail.length() > 80 ? tail.substring(0, 80) + "..." : tail);
        }
        int number = 0;
        for (final String line : lines) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            final String where = "schema journal " + journal + " line " + number;
            final String subject;
            final int recordedId;
            final Schema schema;
            try {
                final JsonNode node = JSON.readTree(line);
                subject = node.path("subject").asText(null);
                recordedId = node.path("id").asInt(-1);
                schema = new Schema.Parser().parse(node.path("schema").asText(""));
                if (subject == null || recordedId < 1) {
                    throw new IllegalArgumentException("needs a subject and an id");
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("Cannot read " + where + ": " + e.getMessage(), e);
            }
            final int id = memory.register(subject, schema);
            if (id != recordedId) {
                throw new IllegalStateException(where + ": subject '" + subject + "' was id " + recordedId
                        + " and would now be id " + id + "; the journal was edited or reordered");
            }
            subjects.add(subject);
        }
        LOG.info("Schema registry restored from {}: {} registration(s), {} subject(s)", journal, number,
                subjects.size());
    }
}
