package io.scorestream.inference.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.ArtifactFetcher;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.Refusal;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the model registry lets in: artifacts only from allowed schemes and hosts (refused before
 * any fetch), a sha256 unless verification is switched off, and inline artifacts bounded by the
 * model topic's record size rather than by {@code maxArtifactBytes}.
 */
class ArtifactPolicyTest {

    private static final String NAME = "fraud";
    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());
    private static final byte[] ONNX = Mlp.random(1, 4, 4, 1).toOnnx();

    /** Every URI the registry asked for; a fetch that is not allowed must never get here. */
    private final List<URI> fetched = new CopyOnWriteArrayList<>();
    private final ArtifactFetcher recording = (uri, maxBytes, timeout) -> {
        fetched.add(uri);
        return ONNX.clone();
    };
    private final List<ModelRegistry> registries = new ArrayList<>();

    @AfterEach
    void close() {
        registries.forEach(ModelRegistry::close);
    }

    private ModelRegistry registry(RegistrySettings.Builder settings) {
        final ModelRegistry r = new ModelRegistry(settings.warmUpRows(2).build(), LOADER, recording,
                RegistryListener.NONE);
        registries.add(r);
        return r;
    }

    private static ModelSpec.Builder spec(String version) {
        final List<FeatureColumn> cols = new ArrayList<>();
        for (String f : List.of("a", "b", "c", "d")) {
            cols.add(FeatureColumn.newBuilder().setField(f).setDefaultValue(null).setWidth(null).build());
        }
        return ModelSpec.newBuilder()
                .setName(NAME)
                .setVersion(version)
                .setArtifactUri(null)
                .setArtifactBytes(ByteBuffer.wrap(ONNX))
                .setSha256(Sha256.hex(ONNX))
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(cols).build()))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of());
    }

    private static ModelSpec.Builder uriSpec(String version, String uri) {
        return spec(version).setArtifactBytes(null).setArtifactUri(uri);
    }

    /** Waits until {@code version} is live or refused; returns the refusal, or null when it went live. */
    private static Refusal outcome(ModelRegistry registry, String version) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (registry.live(NAME).map(i -> i.version().equals(version)).orElse(false)) {
                return null;
            }
            final Refusal r = registry.lastRefusal(NAME).filter(x -> x.version().equals(version)).orElse(null);
            if (r != null) {
                return r;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("version " + version + " neither went live nor was refused");
    }

    @Test
    void aHostOutsideTheAllowListIsRefusedWithoutAFetch() throws Exception {
        final ModelRegistry registry = registry(RegistrySettings.builder().allowedHosts(List.of("models.internal")));

        registry.submit(NAME, uriSpec("1", "https://attacker.example/fraud.onnx").build());

        final Refusal refusal = outcome(registry, "1");
        assertEquals(ModelLoadException.Reason.ARTIFACT_UNAVAILABLE, refusal.reason());
        assertTrue(refusal.message().contains("host 'attacker.example' is not allowed"), refusal.message());
        assertEquals(List.of(), fetched, "nothing was fetched");
    }

    @Test
    void aSchemeOutsideTheAllowListIsRefusedWithoutAFetch() throws Exception {
        final ModelRegistry registry = registry(RegistrySettings.builder().allowedSchemes(List.of("https")));

        registry.submit(NAME, uriSpec("1", "file:/etc/passwd").build());

        final Refusal refusal = outcome(registry, "1");
        assertEquals(ModelLoadException.Reason.ARTIFACT_UNAVAILABLE, refusal.reason());
        assertTrue(refusal.message().contains("scheme 'file' is not allowed"), refusal.message());
        assertEquals(List.of(), fetched, "nothing was read");
    }

    @Test
    void anAllowedHostIsFetched() throws Exception {
        final ModelRegistry registry = registry(RegistrySettings.builder().allowedHosts(List.of("models.internal")));

        registry.submit(NAME, uriSpec("1", "https://MODELS.internal/fraud.onnx").build());

        assertEquals(null, outcome(registry, "1"));
        assertEquals(List.of(URI.create("https://MODELS.internal/fraud.onnx")), fetched);
    }

    @Test
    void aSpecWithoutSha256IsRefusedByDefault() throws Exception {
        final ModelRegistry registry = registry(RegistrySettings.builder());

        registry.submit(NAME, spec("1").setSha256(null).build());

        assertEquals(ModelLoadException.Reason.SHA256_MISSING, outcome(registry, "1").reason());
        assertTrue(registry.live(NAME).isEmpty());
    }

    @Test
    void aSpecWithoutSha256LoadsWhenVerificationIsSwitchedOff() throws Exception {
        final ModelRegistry registry = registry(RegistrySettings.builder().requireSha256(false));

        registry.submit(NAME, spec("1").setSha256(null).build());

        assertEquals(null, outcome(registry, "1"));
    }

    @Test
    void aWrongSha256IsRefusedEvenWhenVerificationIsSwitchedOff() throws Exception {
        final ModelRegistry registry = registry(RegistrySettings.builder().requireSha256(false));

        registry.submit(NAME, spec("1").setSha256("0".repeat(64)).build());

        assertEquals(ModelLoadException.Reason.SHA256_MISMATCH, outcome(registry, "1").reason());
    }

    @Test
    void inlineArtifactsAreNotBoundByTheFetchLimit() throws Exception {
        // decision: maxArtifactBytes bounds what is fetched by URI; an inline artifact was already
        // read as part of a model-topic record, bounded by that topic's max.message.bytes
        final ModelRegistry registry = registry(RegistrySettings.builder().maxArtifactBytes(16));

        registry.submit(NAME, spec("1").build());

        assertEquals(null, outcome(registry, "1"));
        assertTrue(ONNX.length > 16);
    }
}
