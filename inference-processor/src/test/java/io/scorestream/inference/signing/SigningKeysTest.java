package io.scorestream.inference.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

    @TempDir
    Path dir;

    @Test
    void privateAndPublicKeysSurviveAPemRoundTrip() throws Exception {
        // given
        final KeyPair pair = SigningKeys.generate();
        final Path priv = dir.resolve("signing.pem");
        final Path pub = dir.resolve("signing.pub.pem");
        Files.writeString(priv, SigningKeys.privateKeyPem(pair.getPrivate()), StandardCharsets.US_ASCII);
        Files.writeString(pub, SigningKeys.publicKeyPem(pair.getPublic()), StandardCharsets.US_ASCII);

        // when
        final PrivateKey readPriv = SigningKeys.readPrivateKey(priv);
        final PublicKey fromFile = SigningKeys.readPublicKey(pub.toString());
        final PublicKey fromText = SigningKeys.readPublicKey(SigningKeys.publicKeyPem(pair.getPublic()));

        // then
        assertArrayEquals(pair.getPrivate().getEncoded(), readPriv.getEncoded());
        assertArrayEquals(pair.getPublic().getEncoded(), fromFile.getEncoded());
        assertArrayEquals(pair.getPublic().getEncoded(), fromText.getEncoded());
        assertTrue(SigningKeys.privateKeyPem(pair.getPrivate()).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(SigningKeys.publicKeyPem(pair.getPublic()).startsWith("-----BEGIN PUBLIC KEY-----\n"));
    }

    @Test
    void theKeyIdIsSixteenHexDigitsOfThePublicKeyAndDerivableFromThePrivateKey() {
        final KeyPair a = SigningKeys.generate();
        final KeyPair b = SigningKeys.generate();

        final String idA = SigningKeys.keyId(a.getPublic());

        assertTrue(idA.matches("[0-9a-f]{16}"), idA);
        assertNotEquals(idA, SigningKeys.keyId(b.getPublic()));
        assertArrayEquals(a.getPublic().getEncoded(), SigningKeys.publicKeyOf(a.getPrivate()).getEncoded());
        assertEquals(idA, SpecSigner.of(a.getPrivate()).keyId());
    }

    @Test
    void aKeyMadeByOpensslSignsAndItsKeyIdIsThatOfOpensslsPublicKey() throws Exception {
        // given: openssl's Ed25519 key pair (skipped where there is no openssl)
        final Path priv = dir.resolve("openssl.key.pem");
        final Path pub = dir.resolve("openssl.pub.pem");
        Assumptions.assumeTrue(openssl("genpkey", "-algorithm", "ed25519", "-out", priv.toString()),
                "no openssl with Ed25519 here");
        assertTrue(openssl("pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString()));

        // when
        final SpecSigner signer = SpecSigner.fromFile(priv);
        final PublicKey opensslPublic = SigningKeys.readPublicKey(pub.toString());

        // then
        assertEquals(SigningKeys.keyId(opensslPublic), signer.keyId());
        final io.scorestream.schemas.ModelSpec signed = signer.sign(SigningFixtures.plainSpec("1"));
        assertEquals(signer.keyId(), TrustedKeys.of(java.util.List.of(opensslPublic)).verify(signed));
    }

    private static boolean openssl(final String... args) throws InterruptedException {
        final java.util.List<String> command = new java.util.ArrayList<>();
        command.add("openssl");
        command.addAll(java.util.List.of(args));
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void badKeyFilesAreRefusedNamingTheFileAndNeverShowingTheirContent() throws Exception {
        final KeyPair pair = SigningKeys.generate();
        final String privatePem = SigningKeys.privateKeyPem(pair.getPrivate());
        final String publicPem = SigningKeys.publicKeyPem(pair.getPublic());

        final Path missing = dir.resolve("missing.pem");
        assertMessage(() -> SigningKeys.readPrivateKey(missing), "'" + missing + "' does not exist");

        final Path publicInstead = Files.writeString(dir.resolve("public-as-private.pem"), publicPem);
        assertMessage(() -> SigningKeys.readPrivateKey(publicInstead), "holds a public key instead");

        final Path privateInstead = Files.writeString(dir.resolve("private-as-public.pem"), privatePem);
        final SigningKeys.KeyFileException e = assertThrows(SigningKeys.KeyFileException.class,
                () -> SigningKeys.readPublicKey(privateInstead.toString()));
        assertTrue(e.getMessage().contains("holds a private key instead"), e.getMessage());
        assertFalse(e.getMessage().contains(privatePem.split("\n")[1]), "the private key must not be shown");

        final Path notBase64 = Files.writeString(dir.resolve("garbage.pem"),
                "-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n");
        assertMessage(() -> SigningKeys.readPrivateKey(notBase64), "is not base64");

        final Path rsaLike = Files.writeString(dir.resolve("other.pem"),
                "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n");
        assertMessage(() -> SigningKeys.readPrivateKey(rsaLike), "does not hold an Ed25519 private key");

        final Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertMessage(() -> SigningKeys.readPublicKey(text.toString()), "has no '-----BEGIN PUBLIC KEY-----'");
        assertMessage(() -> SigningKeys.readPublicKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
                "inline PEM text does not hold an Ed25519 public key");
    }

    private static void assertMessage(final org.junit.jupiter.api.function.Executable call, final String part) {
        final SigningKeys.KeyFileException e = assertThrows(SigningKeys.KeyFileException.class, call);
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
    }
}
