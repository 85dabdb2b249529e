package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.scorestream.inference.onnx.Mlp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class OnnxModelLoaderTest {

    private static final byte[] MLP = Mlp.random(3, 30, 8, 1).toOnnx();

    private static OnnxModelLoader loader(Device device) {
        return new OnnxModelLoader(InferenceSettings.builder().device(device).intraOpThreads(1).build());
    }

    @Test
    void exposesInputAndOutputNamesTypesAndShapes() {
        try (LoadedModel model = loader(Device.CPU).load("fraud", "1", MLP, Sha256.hex(MLP))) {
            final ValueSpec in = model.signature().input("features").orElseThrow();
            assertEquals(ValueSpec.Kind.TENSOR, in.kind());
            assertEquals("FLOAT", in.elementType());
            assertArrayEquals(new long[] {-1, 30}, in.shape());
            assertEquals("[N,30]", in.shapeText());
            final ValueSpec out = model.signature().output("score").orElseThrow();
            assertArrayEquals(new long[] {-1, 1}, out.shape());
            assertEquals("cpu", model.executionDevice());
            assertEquals(Sha256.hex(MLP), model.sha256());
        }
    }

    @Test
    void refusesBytesThatAreNotAModel() {
        final byte[] garbage = "this is not an onnx model".getBytes(StandardCharsets.UTF_8);

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader(Device.CPU).load("fraud", "7", garbage, Sha256.hex(garbage)));

        assertEquals(ModelLoadException.Reason.CORRUPT_MODEL, e.reason());
        assertTrue(e.getMessage().contains("'fraud' version '7'"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot load the 25 artifact bytes as a model"), e.getMessage());
    }

    @Test
    void refusesATruncatedModel() {
        final byte[] truncated = java.util.Arrays.copyOf(MLP, MLP.length / 2);

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader(Device.CPU).load("fraud", "8", truncated, null));

        assertEquals(ModelLoadException.Reason.CORRUPT_MODEL, e.reason());
    }

    @Test
    void refusesASha256MismatchNamingBothHashes() {
        final String wrong = Sha256.hex("other".getBytes(StandardCharsets.UTF_8));

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader(Device.CPU).load("fraud", "2", MLP, wrong));

        assertEquals(ModelLoadException.Reason.SHA256_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains(wrong), e.getMessage());
        assertTrue(e.getMessage().contains(Sha256.hex(MLP)), e.getMessage());
    }

    @Test
    void autoFallsBackToCpuAndWarnsOnceNamingTheReason() {
        final Logger log = (Logger) LoggerFactory.getLogger(OnnxModelLoader.class);
        final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            final boolean probedBefore = OnnxModelLoader.cudaUnusableReason(0) != null;
            try (LoadedModel first = loader(Device.AUTO).load("fraud", "1", MLP, null);
                 LoadedModel second = loader(Device.AUTO).load("fraud", "2", MLP, null)) {
                assumeTrue("cpu".equals(first.executionDevice()), "a usable GPU is present: no fallback to test");
                assertEquals("cpu", second.executionDevice());
                assertNotNull(first.cudaFallbackReason(), "the fallback must say why");
                assertTrue(first.cudaFallbackReason().length() > 10, first.cudaFallbackReason());
                final List<ILoggingEvent> warnings = appender.list.stream()
                        .filter(ev -> ev.getLevel() == Level.WARN).toList();
                if (!probedBefore) {
                    assertEquals(1, warnings.size(), "one warning, not one per load: " + warnings);
                    assertTrue(warnings.get(0).getFormattedMessage().contains("CUDA device 0 cannot be used"));
                    assertTrue(warnings.get(0).getFormattedMessage().contains(first.cudaFallbackReason()));
                    assertTrue(warnings.get(0).getFormattedMessage().contains("scoring on the CPU instead"));
                } else {
                    assertEquals(0, warnings.size(), "already warned earlier in this JVM");
                }
            }
        } finally {
            log.detachAppender(appender);
        }
    }

    @Test
    void explicitCudaFailsFastWithAClearMessageWhereNoGpuIsUsable() {
        ModelLoadException refused = null;
        try (LoadedModel m = loader(Device.cuda(0)).load("fraud", "3", MLP, null)) {
            assumeTrue(false, "a usable GPU is present: CUDA loaded on " + m.executionDevice());
        } catch (ModelLoadException ex) {
            refused = ex;
        }
        final ModelLoadException e = refused;
        assertNotNull(e);
        assertEquals(ModelLoadException.Reason.DEVICE_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("inference.device=cuda:0 was requested but the CUDA execution provider "
                + "cannot be used"), e.getMessage());
        assertTrue(e.getMessage().contains("inference.device=auto"), e.getMessage());

        // The second attempt reuses the probe's verdict instead of paying for it again.
        final long start = System.nanoTime();
        assertThrows(ModelLoadException.class, () -> loader(Device.cuda(0)).load("fraud", "4", MLP, null));
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "a known-unusable device fails fast");
    }

    @Test
    void parsesDevicesAndRejectsOthersNamingTheText() {
        assertEquals(Device.AUTO, Device.parse("auto"));
        assertEquals(Device.CPU, Device.parse(" CPU "));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(2), Device.parse("cuda:2"));
        assertEquals("cuda:2", Device.parse("cuda:2").toString());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("gpu"));
        assertTrue(e.getMessage().contains("'gpu'"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:-1"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x"));
    }

    @Test
    void settingsRejectNegativeThreadCounts() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InferenceSettings.builder().intraOpThreads(-1).build());
        assertTrue(e.getMessage().contains("intraOpThreads"));
        assertEquals(InferenceSettings.OptimizationLevel.EXTENDED, InferenceSettings.OptimizationLevel.parse("extended"));
        assertThrows(IllegalArgumentException.class, () -> InferenceSettings.OptimizationLevel.parse("max"));
    }
}
