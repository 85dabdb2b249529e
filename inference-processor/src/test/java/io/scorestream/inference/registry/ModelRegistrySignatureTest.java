package io.scorestream.inference.registry;

import static io.scorestream.inference.registry.RegistryFixtures.LOADER;
import static io.scorestream.inference.registry.RegistryFixtures.NAME;
import static io.scorestream.inference.registry.RegistryFixtures.WAIT;
import static io.scorestream.inference.registry.RegistryFixtures.scoreOne;
import static io.scorestream.inference.registry.RegistryFixtures.settings;
import static io.scorestream.inference.registry.RegistryFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ModelLoadException.Reason;
import io.scorestream.inference.signing.SigningKeys;
import io.scorestream.inference.signing.SpecSigner;
import io.scorestream.inference.signing.TrustedKeys;
import io.scorestream.schemas.ModelSpec;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelRegistrySignatureTest {

    private static final KeyPair KEY_A = SigningKeys.generate();
    private static final KeyPair KEY_B = SigningKeys.generate();
    private static final SpecSigner SIGNER_A = SpecSigner.of(KEY_A.getPrivate());
    private static final SpecSigner SIGNER_B = SpecSigner.of(KEY_B.getPrivate());

    private final RecordingListener listener = new RecordingListener();
    private final List<ModelRegistry> registries = new ArrayList<>();

    @AfterEach
    void closeRegistries() {
        registries.forEach(ModelRegistry::close);
    }

    private ModelRegistry registry(final boolean required, final KeyPair... trusted) {
        final List<java.security.PublicKey> keys = new ArrayList<>();
        for (KeyPair k : trusted) {
            keys.add(k.getPublic());
        }
        final RegistrySettings s = settings().trustedKeys(TrustedKeys.of(keys)).signatureRequired(required).build();
        final ModelRegistry r = new ModelRegistry(s, LOADER, new DefaultArtifactFetcher(s), listener);
        registries.add(r);
        return r;
    }

    /** Version "1" signed by A, live and scoring. */
    private ModelRegistry serving1(final boolean required, final KeyPair... trusted) throws InterruptedException {
        final ModelRegistry registry = registry(required, trusted);
        registry.submit(NAME, SIGNER_A.sign(spec("1", 1)));
        assertTrue(registry.awaitLive(NAME, WAIT), "signed version 1 must go live: " + listener.events());
        return registry;
    }

    /** Submits {@code bad} and checks it is refused as bad_signature with {@code detail} while "1" scores. */
    private void assertRefusedWhile1Serves(final ModelRegistry registry, final ModelSpec bad, final String detail)
            throws InterruptedException {
        registry.submit(NAME, bad);
        final RecordingListener.Event event = listener.await("refused", NAME, bad.getVersion(), WAIT);
        assertEquals("bad_signature: Model '" + NAME + "' version '" + bad.getVersion() + "' refused (bad_signature): "
                + detail, event.detail());
        final Refusal refusal = registry.lastRefusal(NAME).orElseThrow();
        assertEquals(Reason.BAD_SIGNATURE, refusal.reason());
        assertEquals(bad.getVersion(), refusal.version());
        try (ModelLease lease = registry.acquire(NAME)) {
            assertEquals("1", lease.model().version());
            scoreOne(lease, 3);
        }
        assertEquals(1, listener.count("loaded", NAME), "nothing but version 1 loaded: " + listener.events());
    }

    @Test
    void untrustedTamperedAndUnsignedVersionsAreRefusedWhileTheTrustedOneKeepsScoring() throws Exception {
        final ModelRegistry registry = serving1(true, KEY_A);
        final String idB = SIGNER_B.keyId();

        assertRefusedWhile1Serves(registry, SIGNER_B.sign(spec("2", 2)),
                "signed by unknown key id " + idB + " (trusted key ids: " + SIGNER_A.keyId() + ")");
        assertRefusedWhile1Serves(registry,
                ModelSpec.newBuilder(SIGNER_A.sign(spec("3", 3))).setThreshold(0.01).build(),
                "signature does not match the spec (key id " + SIGNER_A.keyId() + "): it was altered after signing, "
                        + "or signed by another key with the same id");
        assertRefusedWhile1Serves(registry, spec("4", 4), "unsigned");
        assertRefusedWhile1Serves(registry, SIGNER_A.sign(ModelSpec.newBuilder(spec("5", 5)).setSha256(null).build()),
                "the spec has no sha256, and signatures are required: a signature without it does not pin the "
                        + "model's bytes");
    }

    @Test
    void theSignatureIsCheckedBeforeTheArtifactIsFetched() throws Exception {
        // given: a version whose artifact URI cannot be fetched, signed by an untrusted key
        final ModelRegistry registry = serving1(true, KEY_A);
        final ModelSpec unreachable = RegistryFixtures.uriSpec("2", "file:///nonexistent/model-2.onnx",
                RegistryFixtures.onnx(2));

        // then: the refusal is about the signature, not the artifact
        assertRefusedWhile1Serves(registry, SIGNER_B.sign(unreachable),
                "signed by unknown key id " + SIGNER_B.keyId() + " (trusted key ids: " + SIGNER_A.keyId() + ")");
    }

    @Test
    void anUnsignedRepublishOfTheLiveVersionIsRefusedToo() throws Exception {
        final ModelRegistry registry = serving1(true, KEY_A);

        assertRefusedWhile1Serves(registry, spec("1", 1), "unsigned");
    }

    @Test
    void withTwoTrustedKeysAVersionSignedByTheNewKeyReplacesOneSignedByTheOld() throws Exception {
        // given: rotation in progress, A (old) and B (new) both trusted, v1 signed by A live
        final ModelRegistry registry = serving1(true, KEY_A, KEY_B);

        // when
        registry.submit(NAME, SIGNER_B.sign(spec("2", 2)));

        // then
        listener.await("swapped", NAME, "2", WAIT);
        try (ModelLease lease = registry.acquire(NAME)) {
            assertEquals("2", lease.model().version());
            scoreOne(lease, 3);
        }
        assertTrue(registry.lastRefusal(NAME).isEmpty());
    }

    @Test
    void withKeysButNotRequiredUnsignedIsAcceptedAndABadSignatureIsStillRefused() throws Exception {
        final ModelRegistry registry = serving1(false, KEY_A);

        assertRefusedWhile1Serves(registry, SIGNER_B.sign(spec("2", 2)),
                "signed by unknown key id " + SIGNER_B.keyId() + " (trusted key ids: " + SIGNER_A.keyId() + ")");

        registry.submit(NAME, spec("3", 3));
        listener.await("swapped", NAME, "3", WAIT);
        assertEquals("3", registry.live(NAME).orElseThrow().version());
    }

    @Test
    void requiringSignaturesWithoutATrustedKeyIsASettingsError() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings().signatureRequired(true).build());
        assertTrue(e.getMessage().contains("signatureRequired needs at least one trusted key"), e.getMessage());
    }
}
