package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.Sha256;
import io.scorestream.schemas.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a spec's artifact comes from: inline, fetched, or the cache; and how each failure is named. */
class ArtifactSourceTest {

    private static final byte[] ARTIFACT = "not really onnx, but bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final AtomicInteger fetches = new AtomicInteger();

    private ArtifactFetcher fetcherReturning(byte[] bytes) {
        return (uri, maxBytes, timeout) -> {
            fetches.incrementAndGet();
            return bytes;
        };
    }

    private static ModelSpec uriSpec(String uri) {
        return RegistryFixtures.specBuilder("7", ARTIFACT, List.of("amount"))
                .setArtifactBytes(null).setArtifactUri(uri).build();
    }

    @Test
    void returnsInlineBytesWithoutMovingTheSpecsBuffer() {
        // given
        final ModelSpec spec = RegistryFixtures.specBuilder("7", ARTIFACT, List.of("amount")).build();
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), fetcherReturning(null), null);

        // when
        final byte[] bytes = source.bytesOf("fraud", "7", spec);

        // then
        assertArrayEquals(ARTIFACT, bytes);
        assertEquals(0, spec.getArtifactBytes().position());
        assertEquals(0, fetches.get());
    }

    @Test
    void refusesASpecWithNeitherOrBothArtifactFields() {
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), fetcherReturning(ARTIFACT), null);
        final ModelSpec neither = uriSpec(null);
        final ModelSpec both = RegistryFixtures.specBuilder("7", ARTIFACT, List.of("amount"))
                .setArtifactUri("file:/models/7.onnx").build();

        final ModelLoadException n = assertThrows(ModelLoadException.class, () -> source.bytesOf("fraud", "7", neither));
        final ModelLoadException b = assertThrows(ModelLoadException.class, () -> source.bytesOf("fraud", "7", both));

        assertEquals(ModelLoadException.Reason.INVALID_SPEC, n.reason());
        assertTrue(n.getMessage().contains("neither is"), n.getMessage());
        assertEquals(ModelLoadException.Reason.INVALID_SPEC, b.reason());
        assertTrue(b.getMessage().contains("both are"), b.getMessage());
    }

    @Test
    void namesABadUriByReasonAndPositionOnlyNeverItsText() {
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), fetcherReturning(ARTIFACT), null);

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> source.bytesOf("fraud", "7", uriSpec("https://user:s3cret@models/a b.onnx")));

        assertEquals(ModelLoadException.Reason.INVALID_SPEC, e.reason());
        assertTrue(e.getMessage().contains("not a valid URI"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void refusesADisallowedSchemeBeforeFetching() {
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), fetcherReturning(ARTIFACT), null);

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> source.bytesOf("fraud", "7", uriSpec("ftp://models/7.onnx")));

        assertEquals(ModelLoadException.Reason.ARTIFACT_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("scheme 'ftp' is not allowed"), e.getMessage());
        assertEquals(0, fetches.get());
    }

    @Test
    void refusesWhatAFetcherReturnsOverTheLimitOrNothing() {
        final RegistrySettings settings = RegistrySettings.builder().maxArtifactBytes(4).build();
        final ArtifactSource tooBig = new ArtifactSource(settings, fetcherReturning(ARTIFACT), null);
        final ArtifactSource nothing = new ArtifactSource(settings, fetcherReturning(null), null);

        final ModelLoadException big = assertThrows(ModelLoadException.class,
                () -> tooBig.bytesOf("fraud", "7", uriSpec("file:/models/7.onnx")));
        final ModelLoadException none = assertThrows(ModelLoadException.class,
                () -> nothing.bytesOf("fraud", "7", uriSpec("file:/models/7.onnx")));

        assertEquals(ModelLoadException.Reason.ARTIFACT_UNAVAILABLE, big.reason());
        assertTrue(big.getMessage().contains("the limit is 4 bytes"), big.getMessage());
        assertEquals(ModelLoadException.Reason.ARTIFACT_UNAVAILABLE, none.reason());
        assertTrue(none.getMessage().contains("the fetcher returned nothing"), none.getMessage());
    }

    @Test
    void turnsAFetcherCrashIntoARedactedArtifactUnavailable() {
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), (uri, maxBytes, timeout) -> {
            throw new IllegalStateException("boom at " + uri);
        }, null);

        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> source.bytesOf("fraud", "7", uriSpec("https://models/7.onnx?token=s3cret")));

        assertEquals(ModelLoadException.Reason.ARTIFACT_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("the fetch failed: IllegalStateException"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void fetchesOnceThenReadsAVerifiedArtifactFromTheCache() {
        // given
        final ArtifactCache cache = new ArtifactCache(dir, 1 << 20);
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), fetcherReturning(ARTIFACT), cache);
        final ModelSpec spec = uriSpec("file:/models/7.onnx");

        // when
        final byte[] first = source.bytesOf("fraud", "7", spec);
        final byte[] second = source.bytesOf("fraud", "7", spec);

        // then
        assertArrayEquals(ARTIFACT, first);
        assertArrayEquals(ARTIFACT, second);
        assertEquals(1, fetches.get());
        assertTrue(cache.get(Sha256.hex(ARTIFACT)).isPresent());
    }

    @Test
    void doesNotCacheBytesThatDoNotMatchTheSpecsSha256() {
        final ArtifactCache cache = new ArtifactCache(dir, 1 << 20);
        final byte[] other = ByteBuffer.allocate(8).putLong(42).array();
        final ArtifactSource source = new ArtifactSource(RegistrySettings.defaults(), fetcherReturning(other), cache);
        final ModelSpec spec = uriSpec("file:/models/7.onnx");

        assertArrayEquals(other, source.bytesOf("fraud", "7", spec));
        source.bytesOf("fraud", "7", spec);

        assertEquals(2, fetches.get());
        assertFalse(cache.get(Sha256.hex(ARTIFACT)).isPresent());
    }
}
