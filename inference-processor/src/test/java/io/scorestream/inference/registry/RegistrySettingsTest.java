package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistrySettingsTest {

    @Test
    void defaultsAreSafe() {
        final RegistrySettings s = RegistrySettings.defaults();

        assertTrue(s.requireSha256());
        assertEquals(256L * 1024 * 1024, s.maxArtifactBytes());
        assertEquals(Duration.ofSeconds(30), s.fetchTimeout());
        assertEquals(64, s.warmUpRows());
        assertEquals(List.of("file", "http", "https"), List.copyOf(s.allowedSchemes()));
        assertTrue(s.allowedHosts().isEmpty());
    }

    @Test
    void schemesAndHostsAreNormalisedToLowerCase() {
        final RegistrySettings s = RegistrySettings.builder()
                .allowedSchemes(List.of(" HTTPS ", "https"))
                .allowedHosts(List.of("Models.Internal"))
                .build();

        assertEquals(Set.of("https"), s.allowedSchemes());
        assertEquals(Set.of("models.internal"), s.allowedHosts());
    }

    @Test
    void buildRejectsOutOfRangeValuesNamingTheSetting() {
        assertMessageNames("maxArtifactBytes", () -> RegistrySettings.builder().maxArtifactBytes(0).build());
        assertMessageNames("maxArtifactBytes",
                () -> RegistrySettings.builder().maxArtifactBytes(Integer.MAX_VALUE).build());
        assertMessageNames("fetchTimeout", () -> RegistrySettings.builder().fetchTimeout(Duration.ZERO).build());
        assertMessageNames("warmUpRows", () -> RegistrySettings.builder().warmUpRows(0).build());
        assertMessageNames("allowedSchemes", () -> RegistrySettings.builder().allowedSchemes(List.of()).build());
        assertMessageNames("allowedSchemes",
                () -> RegistrySettings.builder().allowedSchemes(List.of("http://")).build());
        assertMessageNames("allowedHosts", () -> RegistrySettings.builder().allowedHosts(List.of(" ")).build());
    }

    @Test
    void localFilesPassAHostAllowList() throws Exception {
        final RegistrySettings s = RegistrySettings.builder().allowedHosts(List.of("models.internal")).build();

        s.checkAllowed(URI.create("file:///var/models/fraud.onnx"));
        s.checkAllowed(URI.create("https://MODELS.internal/fraud.onnx"));
        assertThrows(ArtifactException.class, () -> s.checkAllowed(URI.create("file://elsewhere/fraud.onnx")));
        assertThrows(ArtifactException.class, () -> s.checkAllowed(URI.create("fraud.onnx")));
    }

    private static void assertMessageNames(String setting, Runnable build) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(setting), e.getMessage());
    }
}
