package io.scorestream.app.command;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.schemas.registry.HttpSchemaRegistry;

import org.apache.kafka.common.config.ConfigException;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The picocli mixin of {@code --schema-registry-config FILE}: a properties file with the
 * application's {@code schema.registry.*} keys (basic auth or a bearer token, the trust store), so
 * that every command that talks to the schema registry ({@code models}, {@code replay},
 * {@code produce}, {@code load}) uses the settings {@code scorestream run} uses. Other keys in the
 * file are ignored: the application's own properties file can be given. Secrets go in the file,
 * never on the command line (where {@code ps} shows them).
 *
 * <p>Filled by picocli per command line; {@link #client} is called once, on the command's thread.
 */
public final class SchemaRegistryOptions {

    /** The option's name. */
    public static final String OPTION = "--schema-registry-config";

    @Option(names = OPTION, paramLabel = "FILE",
            description = "Properties file with the schema.registry.* keys of the application: "
                    + "schema.registry.basic.auth.user.info or schema.registry.bearer.auth.token, "
                    + "schema.registry.ssl.truststore.location/.password/.type. Other keys are ignored.")
    Path file;

    /**
     * A client of the registry at {@code url} (the command's {@code --schema-registry}), with the
     * settings of {@value #OPTION} when given.
     *
     * @param urlOption the name of the URL's option, for messages
     * @throws ParameterException naming the option or key that is wrong; never showing a secret
     */
    public HttpSchemaRegistry client(final CommandSpec spec, final String urlOption, final String url) {
        final SchemaRegistryConfig config;
        try {
            config = SchemaRegistryConfig.fromProperties(file == null ? Map.of() : read(spec, file),
                    "file " + file);
        } catch (ConfigException e) {
            throw CommandLines.usage(spec, "option " + OPTION + ": " + e.getMessage());
        }
        try {
            return config.client(url);
        } catch (ConfigException e) {
            throw CommandLines.usage(spec, "option " + OPTION + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // The URL is not echoed: it may carry user-info.
            throw CommandLines.usage(spec, "bad " + urlOption + ": " + e.getMessage());
        }
    }

    private static Map<String, String> read(final CommandSpec spec, final Path file) {
        if (!Files.isRegularFile(file)) {
            throw CommandLines.usage(spec, "option " + OPTION + ": file '" + file + "' does not exist");
        }
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw CommandLines.usage(spec, "option " + OPTION + ": cannot read file '" + file + "': " + e);
        }
        final Map<String, String> props = new HashMap<>();
        p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        return props;
    }
}
