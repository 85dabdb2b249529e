package io.scorestream.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module layout's one rule, checked on the sources: dependencies point only one way
 * (schemas ← inference-processor ← topology ← app; schemas ← connectors ← app; testkit beside them),
 * so that the topology, the connectors and the
 * inference engine can be read, tested and reused without the application, the CLI, an HTTP server
 * or an embedded broker. Reads the poms and the main sources of the repository this module sits in.
 */
class LayoutTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    /** Artifacts that belong to the application or the test kit, never below them. */
    private static final List<String> APPLICATION_ARTIFACTS = List.of(
            "scorestream-app", "scorestream-testkit", "scorestream-tests", "scorestream-bench",
            "picocli", "micrometer-core", "micrometer-registry-prometheus", "kafka_2.13", "kafka-server",
            "jetty-server", "undertow-core", "netty-codec-http", "logback-classic");

    @Test
    void topologyAndInferenceProcessorPomsDependOnNothingOfTheApplication() {
        for (String module : List.of("topology", "inference-processor", "schemas", "connectors")) {
            final List<String> deps = compileDependencies(ROOT.resolve(module).resolve("pom.xml"));
            for (String forbidden : APPLICATION_ARTIFACTS) {
                assertTrue(!deps.contains(forbidden),
                        module + "/pom.xml depends on " + forbidden + " (compile scope): " + deps);
            }
        }
    }

    @Test
    void inferenceProcessorDependsOnNoKafka() {
        final List<String> deps = compileDependencies(ROOT.resolve("inference-processor").resolve("pom.xml"));
        assertTrue(deps.stream().noneMatch(d -> d.startsWith("kafka")),
                "inference-processor/pom.xml depends on Kafka: " + deps);
    }

    @Test
    void connectorsDependOnNeitherTheTopologyNorTheInferenceEngine() {
        final String pom = read(ROOT.resolve("connectors").resolve("pom.xml"));
        for (String forbidden : List.of("scorestream-topology", "scorestream-inference-processor", "onnxruntime_gpu",
                "kafka-streams")) {
            assertTrue(!pom.contains("<artifactId>" + forbidden + "</artifactId>"),
                    "connectors/pom.xml depends on " + forbidden + ", in any scope");
        }
        final List<String> offences = new ArrayList<>();
        for (Path file : javaFiles(ROOT.resolve("connectors").resolve("src"))) {
            final String source = read(file);
            for (String pkg : List.of("io.scorestream.topology", "io.scorestream.inference", "org.apache.kafka.streams")) {
                if (source.contains("import " + pkg + ".") || source.contains("import static " + pkg + ".")) {
                    offences.add(ROOT.relativize(file) + ": imports " + pkg);
                }
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void topologyHasNoMainAndImportsNothingOfTheApplication() {
        final List<String> offences = new ArrayList<>();
        for (String module : List.of("topology", "inference-processor", "schemas", "connectors")) {
            for (Path file : javaFiles(ROOT.resolve(module).resolve("src/main/java"))) {
                final String source = read(file);
                final String name = ROOT.relativize(file).toString();
                if (source.contains("static void main(")) {
                    offences.add(name + ": has a main method");
                }
                for (String pkg : List.of("io.scorestream.app", "io.scorestream.testkit", "picocli",
                        "com.sun.net.httpserver", "io.micrometer")) {
                    if (source.contains("import " + pkg + ".") || source.contains("import static " + pkg + ".")) {
                        offences.add(name + ": imports " + pkg);
                    }
                }
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void onnxRuntimeTypesStayInsideTheInferenceProcessor() {
        final List<String> offences = new ArrayList<>();
        for (String module : List.of("schemas", "topology", "connectors", "app", "testkit", "tests", "bench")) {
            for (Path file : javaFiles(ROOT.resolve(module).resolve("src"))) {
                if (read(file).contains("import " + "ai.onnxruntime.")) {
                    offences.add(ROOT.relativize(file).toString());
                }
            }
        }
        assertEquals(List.of(), offences, "ai.onnxruntime imported outside inference-processor");
    }

    @Test
    void theTestKitIsUsedOnlyByTheApplicationTheTestsAndTheBench() {
        for (String module : List.of("schemas", "inference-processor", "topology", "connectors")) {
            final String pom = read(ROOT.resolve(module).resolve("pom.xml"));
            assertTrue(!pom.contains("<artifactId>scorestream-testkit</artifactId>"),
                    module + "/pom.xml depends on the test kit, in any scope");
        }
    }

    /** Artifact ids of the pom's dependencies whose scope is compile or runtime (the default). */
    private static List<String> compileDependencies(Path pom) {
        final String xml = read(pom);
        final int start = xml.indexOf("<dependencies>");
        final int end = xml.lastIndexOf("</dependencies>");
        assertTrue(start >= 0 && end > start, pom + " has no dependencies section");
        final Matcher dep = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL)
                .matcher(xml.substring(start, end));
        final List<String> ids = new ArrayList<>();
        while (dep.find()) {
            final String body = dep.group(1);
            final Matcher id = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(body);
            final Matcher scope = Pattern.compile("<scope>([^<]+)</scope>").matcher(body);
            final String s = scope.find() ? scope.group(1).trim().toLowerCase(Locale.ROOT) : "compile";
            if (id.find() && (s.equals("compile") || s.equals("runtime"))) {
                ids.add(id.group(1).trim());
            }
        }
        return ids;
    }

    private static List<Path> javaFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
