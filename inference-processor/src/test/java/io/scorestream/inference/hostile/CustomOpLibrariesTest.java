package io.scorestream.inference.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.LoadedModel;
import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No custom-op library is loaded unless configured; a configured one must exist, and one that
 * cannot be registered refuses the load, naming it.
 */
class CustomOpLibrariesTest {

    private static final byte[] ONNX = Mlp.random(1, 4, 4, 1).toOnnx();

    @TempDir
    Path dir;

    @Test
    void noLibraryIsRegisteredByDefault() {
        final InferenceSettings defaults = InferenceSettings.defaults();

        assertEquals(List.of(), defaults.customOpLibraries());
        try (LoadedModel model = new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU)
                .intraOpThreads(1).build()).load("m", "1", ONNX, Sha256.hex(ONNX))) {
            assertEquals("cpu", model.executionDevice());
        }
    }

    @Test
    void aLibraryThatDoesNotExistIsRefusedAtBuildNamingItsPath() {
        final String missing = dir.resolve("libcustom_ops.so").toString();

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InferenceSettings.builder().customOpLibraries(List.of(missing)).build());

        assertTrue(e.getMessage().contains("'" + missing + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aBlankLibraryPathIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> InferenceSettings.builder().customOpLibraries(List.of(" ")).build());
    }

    @Test
    void aFileThatIsNoLibraryRefusesTheLoadNamingIt() throws Exception {
        // given: a configured "library" that exists but is not a shared object: registration is attempted
        final Path fake = Files.writeString(dir.resolve("libnot_a_library.so"), "not ELF", StandardCharsets.UTF_8);
        final OnnxModelLoader loader = new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU)
                .intraOpThreads(1).customOpLibraries(List.of(fake.toString())).build());

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load("m", "1", ONNX, Sha256.hex(ONNX)).close());

        assertEquals(ModelLoadException.Reason.UNSUPPORTED_MODEL, e.reason());
        assertTrue(e.getMessage().contains("custom-op library '" + fake + "'"), e.getMessage());
    }
}
