package io.scorestream.app.command;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version every command prints for {@code --version}: {@code scorestream <project version>},
 * read from {@code version.properties} (filtered by Maven). Stateless.
 */
public final class ScorestreamVersion implements IVersionProvider {

    private static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() throws IOException {
        final Properties p = new Properties();
        try (InputStream in = ScorestreamVersion.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
            }
        }
        final String version = p.getProperty("version", "");
        // Unfiltered (a build that skipped resource processing): say so rather than print "${...}".
        return new String[] {CommandLines.ROOT + " "
                + (version.isBlank() || version.startsWith("${") ? "(version unknown)" : version)};
    }
}
