package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.junit.jupiter.api.Test;

/** The one {@link ConfigDef} of {@link ScorestreamConfig}, assembled from its parts, and its documentation. */
class ConfigDefTest {

    /** The group headings of the documentation, in their order. */
    private static final List<String> GROUPS = List.of("Kafka Streams", "Topics", "Batching", "Pipelines",
            "Schema registry", "Inference", "Models", "Metrics and health", "Fleet status");

    /** Each part's {@code define}, by the group it owns, in the order of {@link #GROUPS}. */
    private static Map<String, Consumer<ConfigDef>> parts() {
        final Map<String, Consumer<ConfigDef>> parts = new LinkedHashMap<>();
        parts.put(KafkaStreamsConfig.GROUP, KafkaStreamsConfig::define);
        parts.put(TopicsConfig.GROUP, TopicsConfig::define);
        parts.put(BatchingConfig.GROUP, BatchingConfig::define);
        parts.put(PipelinesConfig.GROUP, PipelinesConfig::define);
        parts.put(SchemaRegistryConfig.GROUP, SchemaRegistryConfig::define);
        parts.put(InferenceConfig.GROUP, InferenceConfig::define);
        parts.put(ModelsConfig.GROUP, ModelsConfig::define);
        parts.put(MetricsConfig.GROUP, MetricsConfig::define);
        parts.put(FleetStatusConfig.GROUP, FleetStatusConfig::define);
        return parts;
    }

    @Test
    void everyKeyHasAGroupDocumentationAndImportance() {
        // given
        final ConfigDef def = ScorestreamConfig.configDef();

        // then
        assertFalse(def.configKeys().isEmpty());
        for (final ConfigKey k : def.configKeys().values()) {
            assertTrue(GROUPS.contains(k.group), k.name + " is in group " + k.group);
            assertTrue(k.orderInGroup >= 1, k.name + " has no order in its group");
            assertNotNull(k.documentation, k.name + " has no documentation");
            assertFalse(k.documentation.isBlank(), k.name + " has no documentation");
            assertNotNull(k.importance, k.name + " has no importance");
            assertEquals(k.name, k.displayName, k.name + " is displayed as " + k.displayName);
        }
    }

    @Test
    void documentationListsTheGroupHeadingsInAFixedOrder() {
        // when
        final List<String> headings = new ArrayList<>();
        for (final String line : ScorestreamConfig.documentation().split("\n")) {
            if (line.startsWith("## ")) {
                headings.add(line.substring(3));
            }
        }

        // then
        assertEquals(GROUPS, headings);
    }

    @Test
    void eachPartDefinesTheKeysOfItsOwnGroupNumberedFromOne() {
        // given
        final Set<String> all = new HashSet<>();

        for (final Map.Entry<String, Consumer<ConfigDef>> part : parts().entrySet()) {
            // when a part defines its keys alone
            final ConfigDef def = new ConfigDef();
            part.getValue().accept(def);

            // then they are all in its group, numbered 1, 2, ... in definition order, and no other part has them
            int order = 0;
            for (final ConfigKey k : def.configKeys().values()) {
                assertEquals(part.getKey(), k.group, k.name);
                assertEquals(++order, k.orderInGroup, k.name);
                assertTrue(all.add(k.name), k.name + " is defined by two parts");
            }
            assertTrue(order > 0, part.getKey() + " defines no key");
        }
        assertEquals(ScorestreamConfig.definedKeys(), all);
        assertEquals(GROUPS, List.copyOf(parts().keySet()));
    }

    @Test
    void documentationFileIsUpToDate() throws IOException {
        // given docs/CONFIGURATION.md, found from the module's directory up
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/CONFIGURATION.md"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no docs/CONFIGURATION.md in " + System.getProperty("user.dir") + " or any parent");

        // when
        final String file = Files.readString(dir.resolve("docs/CONFIGURATION.md"), StandardCharsets.UTF_8);

        // then
        assertEquals(ScorestreamConfig.documentation().stripTrailing(), file.stripTrailing(),
                "docs/CONFIGURATION.md is out of date: regenerate it with "
                        + "bin/scorestream config-doc > docs/CONFIGURATION.md");
    }
}
