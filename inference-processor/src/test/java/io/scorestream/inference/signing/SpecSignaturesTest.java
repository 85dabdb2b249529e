package io.scorestream.inference.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.SpecSignature;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecSignaturesTest {

    @TempDir
    Path dir;

    private static final KeyPair KEY_A = SigningKeys.generate();
    private static final KeyPair KEY_B = SigningKeys.generate();
    private static final String ID_A = SigningKeys.keyId(KEY_A.getPublic());
    private static final String ID_B = SigningKeys.keyId(KEY_B.getPublic());

    @Test
    void aSignedSpecVerifiesWithItsKeyAndNamesIt() throws Exception {
        // given
        final ModelSpec spec = SigningFixtures.fullSpec();

        // when
        final ModelSpec signed = SpecSigner.of(KEY_A.getPrivate()).sign(spec);

        // then
        assertNull(spec.getSignature(), "the input spec is not modified");
        final SpecSignature sig = signed.getSignature();
        assertEquals("Ed25519", sig.getAlgorithm());
        assertEquals(ID_A, sig.getKeyId());
        assertEquals(64, sig.getValue().remaining());
        assertEquals(ID_A, TrustedKeys.of(List.of(KEY_A.getPublic())).verify(signed));
    }

    @Test
    void aTamperedThresholdIsRefused() throws Exception {
        final ModelSpec signed = SpecSigner.of(KEY_A.getPrivate()).sign(SigningFixtures.fullSpec());
        final ModelSpec tampered = ModelSpec.newBuilder(signed).setThreshold(0.99).build();

        final SpecSignatureException e = assertThrows(SpecSignatureException.class,
                () -> TrustedKeys.of(List.of(KEY_A.getPublic())).verify(tampered));

        assertTrue(e.getMessage().startsWith("signature does not match the spec (key id " + ID_A + ")"),
                e.getMessage());
    }

    @Test
    void aTamperedCandidateIsRefused() throws Exception {
        final ModelSpec signed = SpecSigner.of(KEY_A.getPrivate()).sign(SigningFixtures.fullSpec());
        final ModelSpec candidate = ModelSpec.newBuilder(signed.getRollout().getCandidate())
                .setSha256("ef".repeat(32)).build();
        final ModelSpec tampered = ModelSpec.newBuilder(signed)
                .setRollout(Rollout.newBuilder(signed.getRollout()).setCandidate(candidate).build()).build();

        assertThrows(SpecSignatureException.class, () -> TrustedKeys.of(List.of(KEY_A.getPublic())).verify(tampered));
    }

    @Test
    void aSpecSignedByAnUntrustedKeyIsRefusedNamingItsKeyId() {
        final ModelSpec signed = SpecSigner.of(KEY_B.getPrivate()).sign(SigningFixtures.fullSpec());

        final SpecSignatureException e = assertThrows(SpecSignatureException.class,
                () -> TrustedKeys.of(List.of(KEY_A.getPublic())).verify(signed));

        assertEquals("signed by unknown key id " + ID_B + " (trusted key ids: " + ID_A + ")", e.getMessage());
    }

    @Test
    void anUnsignedSpecIsRefused() {
        final SpecSignatureException e = assertThrows(SpecSignatureException.class,
                () -> TrustedKeys.of(List.of(KEY_A.getPublic())).verify(SigningFixtures.fullSpec()));
        assertEquals("unsigned", e.getMessage());
    }

    @Test
    void aSignatureMovedToAnotherKeyIdOrAlgorithmIsRefused() throws Exception {
        final ModelSpec signedByB = SpecSigner.of(KEY_B.getPrivate()).sign(SigningFixtures.fullSpec());
        // B's signature relabelled as A's: the key id is trusted, the signature is not A's.
        final ModelSpec relabelled = ModelSpec.newBuilder(signedByB)
                .setSignature(SpecSignature.newBuilder(signedByB.getSignature()).setKeyId(ID_A).build()).build();
        final ModelSpec otherAlgorithm = ModelSpec.newBuilder(signedByB)
                .setSignature(SpecSignature.newBuilder(signedByB.getSignature()).setAlgorithm("RSA").build()).build();
        final ModelSpec shortValue = ModelSpec.newBuilder(signedByB)
                .setSignature(SpecSignature.newBuilder(signedByB.getSignature()).setKeyId(ID_A)
                        .setValue(ByteBuffer.wrap(new byte[3])).build()).build();
        final TrustedKeys both = TrustedKeys.of(List.of(KEY_A.getPublic(), KEY_B.getPublic()));

        assertTrue(assertThrows(SpecSignatureException.class, () -> both.verify(relabelled)).getMessage()
                .startsWith("signature does not match the spec"));
        assertTrue(assertThrows(SpecSignatureException.class, () -> both.verify(otherAlgorithm)).getMessage()
                .contains("algorithm 'RSA'"));
        assertTrue(assertThrows(SpecSignatureException.class, () -> both.verify(shortValue)).getMessage()
                .startsWith("signature does not match the spec"));
    }

    @Test
    void withTwoTrustedKeysSpecsSignedByEitherVerify() throws Exception {
        // given: rotation, v1 signed by the old key A, v2 by the new key B
        final TrustedKeys both = TrustedKeys.of(List.of(KEY_A.getPublic(), KEY_B.getPublic()));
        final ModelSpec v1 = SpecSigner.of(KEY_A.getPrivate()).sign(SigningFixtures.plainSpec("1"));
        final ModelSpec v2 = SpecSigner.of(KEY_B.getPrivate()).sign(SigningFixtures.plainSpec("2"));

        // then
        assertEquals(ID_A, both.verify(v1));
        assertEquals(ID_B, both.verify(v2));
        assertEquals(List.of(ID_A, ID_B), List.copyOf(both.keyIds()));
        // and once A is dropped, what A signed no longer verifies
        assertThrows(SpecSignatureException.class, () -> TrustedKeys.of(List.of(KEY_B.getPublic())).verify(v1));
    }

    @Test
    void aKeyAddedToATrustedKeysFileCountsAtTheNextCheckWithoutANewObject() throws Exception {
        // given: a file trusting A only, and a version signed by B
        final Path file = dir.resolve("trusted.pem");
        Files.writeString(file, SigningKeys.publicKeyPem(KEY_A.getPublic()), StandardCharsets.US_ASCII);
        final TrustedKeys trusted = TrustedKeys.fromSources(List.of(file.toString()));
        final ModelSpec byB = SpecSigner.of(KEY_B.getPrivate()).sign(SigningFixtures.plainSpec("2"));
        assertThrows(SpecSignatureException.class, () -> trusted.verify(byB));

        // when: B is appended to the file (rotation)
        Files.writeString(file, SigningKeys.publicKeyPem(KEY_A.getPublic()) + "\n"
                + SigningKeys.publicKeyPem(KEY_B.getPublic()), StandardCharsets.US_ASCII);

        // then
        assertEquals(ID_B, trusted.verify(byB));
        assertEquals(List.of(ID_A, ID_B), List.copyOf(trusted.keyIds()));

        // and when the file becomes unreadable, nothing from it is trusted
        Files.delete(file);
        final SpecSignatureException e = assertThrows(SpecSignatureException.class, () -> trusted.verify(byB));
        assertTrue(e.getMessage().startsWith("the trusted keys cannot be read again: public key file '" + file
                + "' does not exist"), e.getMessage());
    }

    @Test
    void inlinePemTextWithoutLineBreaksIsATrustedKey() throws Exception {
        // A properties file joins continued lines without their breaks.
        final String joined = SigningKeys.publicKeyPem(KEY_A.getPublic()).replace("\n", "");
        final TrustedKeys trusted = TrustedKeys.fromSources(List.of(joined));
        final ModelSpec byA = SpecSigner.of(KEY_A.getPrivate()).sign(SigningFixtures.plainSpec("1"));

        assertEquals(ID_A, trusted.verify(byA));
        assertTrue(trusted.files().isEmpty());
    }

    @Test
    void signingAgainReplacesTheOldSignature() throws Exception {
        final ModelSpec byA = SpecSigner.of(KEY_A.getPrivate()).sign(SigningFixtures.plainSpec("1"));
        final ModelSpec changed = ModelSpec.newBuilder(byA).setThreshold(0.3).build();

        final ModelSpec byB = SpecSigner.of(KEY_B.getPrivate()).sign(changed);

        assertNotNull(byB.getSignature());
        assertEquals(ID_B, TrustedKeys.of(List.of(KEY_B.getPublic())).verify(byB));
        assertTrue(SpecSigner.of(KEY_A.getPrivate()).toString().contains(ID_A));
        assertEquals(List.of(), List.copyOf(TrustedKeys.of(List.of()).keyIds()));
    }
}
